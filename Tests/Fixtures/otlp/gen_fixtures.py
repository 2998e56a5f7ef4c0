#!/usr/bin/env python3
"""Deterministic OTLP metrics fixtures for the decoder tests, plus their expected decode.

Builds opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest messages with
the official `opentelemetry-proto` Python bindings, one per feature the HTTP server
payloads (http-server/, from Scripts/gen_otlp_payloads.py: counters and histograms only) lack:

  gauge_double_int        gauges: as_double / as_int, 0, -0.0, negatives, subnormal, NaN, +-Inf,
                          int64 extremes, int and double points in one metric
  sum_delta_nonmonotonic  delta monotonic, cumulative non-monotonic, delta non-monotonic sums
  exponential_histogram   scales 0, 3, -2, 20, -10; positive/negative buckets, negative offsets,
                          zero_count / zero_threshold, sum/min/max set and unset
  summary                 quantiles 0, 0.5, 0.9, 0.99, 1; sum/count; no quantiles
  attributes_nested       every AnyValue kind on resource/scope/point, nested arrays/kvlists,
                          empty values, unicode, duplicate keys (JSON uses \\u escapes)
  exemplars_flags         exemplars (trace/span ids, filtered attributes) on sum and histogram
                          points; flags=1 points without a value; reserved flag bits
  invalid_points          valid request whose invalid points (Part C of the wire reference)
                          must be rejected, mixed with valid ones
  multi_resource          3 resources x 2 scopes x several metrics, schema URLs (compact JSON)

Each fixture is written as NAME.pb (SerializeToString(deterministic=True)) and NAME.json
(OTLP/JSON: lowerCamelCase, enums as integers, 64-bit integers as strings, bytes base64,
trace/span ids hex). expected.json holds, per fixture, the decode result computed here from
the message itself with the validation rules of Sources/OTLP/OTLPValidation.swift (which
implements Part C of the project's OTLP metrics wire reference, otlp-metrics-wire.md).

Everything is built from constants (no randomness, no clock), so the output is byte-identical
on every run with the same protobuf behaviour.

Usage:
  python3 gen_fixtures.py [--out DIR] [--check]
  (needs: pip install opentelemetry-proto)
"""
import argparse
import base64
import hashlib
import json
import math
import os
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList
from opentelemetry.proto.metrics.v1 import metrics_pb2 as m

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "Scripts"))
from fixture_files import write_or_check  # noqa: E402

START_NS = 1_735_689_600_000_000_000  # 2025-01-01T00:00:00Z
TIME_NS = START_NS + 60 * 1_000_000_000  # +60 s
NAN = float("nan")
INF = float("inf")
DELTA = m.AGGREGATION_TEMPORALITY_DELTA
CUMULATIVE = m.AGGREGATION_TEMPORALITY_CUMULATIVE
SCHEMA = "https://opentelemetry.io/schemas/1.26.0"

# How non-finite doubles are written inside rendered arrays/kvlists. The OTel spec ("AnyValue
# representation for non-OTLP protocols") and the wire reference B.15 say JSON strings "NaN",
# "Infinity", "-Infinity".
NESTED_NAN, NESTED_POS_INF, NESTED_NEG_INF = "NaN", "Infinity", "-Infinity"


# ---------------------------------------------------------------------------------------------
# Building blocks


def av(v):
    """A Python value as an AnyValue: str, bool, int, float, bytes, list (array),
    dict (kvlist, insertion order kept on the wire), None (empty AnyValue)."""
    if v is None:
        return AnyValue()
    if isinstance(v, bool):
        return AnyValue(bool_value=v)
    if isinstance(v, int):
        return AnyValue(int_value=v)
    if isinstance(v, float):
        return AnyValue(double_value=v)
    if isinstance(v, bytes):
        return AnyValue(bytes_value=v)
    if isinstance(v, str):
        return AnyValue(string_value=v)
    if isinstance(v, list):
        return AnyValue(array_value=ArrayValue(values=[av(x) for x in v]))
    if isinstance(v, dict):
        return AnyValue(kvlist_value=KeyValueList(values=[kv(k, x) for k, x in v.items()]))
    if isinstance(v, Pairs):
        return AnyValue(kvlist_value=KeyValueList(values=[kv(k, x) for k, x in v.pairs]))
    raise TypeError(type(v))


class Pairs:
    """A kvlist given as (key, value) pairs, so that keys can repeat."""
    def __init__(self, *pairs):
        self.pairs = pairs


class NoValue:
    """A KeyValue whose `value` field is absent (not even an empty AnyValue)."""


def kv(key, value):
    if isinstance(value, NoValue):
        return KeyValue(key=key)
    return KeyValue(key=key, value=av(value))


def attrs(*pairs):
    return [kv(k, v) for k, v in pairs]


def new_request():
    return ExportMetricsServiceRequest()


def add_resource(req, service, schema_url="", extra=()):
    rm = req.resource_metrics.add()
    rm.resource.attributes.extend(attrs(("service.name", service), *extra))
    rm.schema_url = schema_url
    return rm


def add_scope(rm, name, version="", schema_url="", scope_attrs=()):
    sm = rm.scope_metrics.add()
    sm.scope.name = name
    sm.scope.version = version
    sm.scope.attributes.extend(attrs(*scope_attrs))
    sm.schema_url = schema_url
    return sm


def add_metric(sm, name, kind, unit="", description="", temporality=None, monotonic=False):
    met = sm.metrics.add()
    met.name = name
    met.unit = unit
    met.description = description
    if kind == "gauge":
        met.gauge.SetInParent()
    elif kind == "sum":
        met.sum.SetInParent()
        met.sum.aggregation_temporality = temporality
        met.sum.is_monotonic = monotonic
    elif kind == "histogram":
        met.histogram.SetInParent()
        met.histogram.aggregation_temporality = temporality
    elif kind == "exponential_histogram":
        met.exponential_histogram.SetInParent()
        met.exponential_histogram.aggregation_temporality = temporality
    elif kind == "summary":
        met.summary.SetInParent()
    elif kind is not None:
        raise ValueError(kind)
    return met


def points_of(met):
    kind = met.WhichOneof("data")
    return getattr(met, kind).data_points


def number(met, value, point_attrs=(), t=TIME_NS, start=START_NS, flags=0):
    """value: int -> as_int, float -> as_double, None -> no value."""
    p = points_of(met).add()
    p.attributes.extend(attrs(*point_attrs))
    p.start_time_unix_nano = start
    p.time_unix_nano = t
    if isinstance(value, bool):
        raise TypeError("bool")
    if isinstance(value, int):
        p.as_int = value
    elif isinstance(value, float):
        p.as_double = value
    p.flags = flags
    return p


def histogram(met, count, bounds, counts, s=None, mn=None, mx=None, point_attrs=(), t=TIME_NS, flags=0):
    p = points_of(met).add()
    p.attributes.extend(attrs(*point_attrs))
    p.start_time_unix_nano = START_NS
    p.time_unix_nano = t
    p.count = count
    p.explicit_bounds.extend(bounds)
    p.bucket_counts.extend(counts)
    if s is not None:
        p.sum = s
    if mn is not None:
        p.min = mn
    if mx is not None:
        p.max = mx
    p.flags = flags
    return p


def exp_histogram(met, count, scale, zero_count=0, zero_threshold=0.0, pos=None, neg=None,
                  s=None, mn=None, mx=None, point_attrs=(), t=TIME_NS, flags=0):
    """pos/neg: (offset, [counts]) or None (field absent)."""
    p = points_of(met).add()
    p.attributes.extend(attrs(*point_attrs))
    p.start_time_unix_nano = START_NS
    p.time_unix_nano = t
    p.count = count
    p.scale = scale
    p.zero_count = zero_count
    p.zero_threshold = zero_threshold
    if pos is not None:
        p.positive.offset = pos[0]
        p.positive.bucket_counts.extend(pos[1])
    if neg is not None:
        p.negative.offset = neg[0]
        p.negative.bucket_counts.extend(neg[1])
    if s is not None:
        p.sum = s
    if mn is not None:
        p.min = mn
    if mx is not None:
        p.max = mx
    p.flags = flags
    return p


def summary(met, count, s, quantiles, point_attrs=(), t=TIME_NS, flags=0):
    p = points_of(met).add()
    p.attributes.extend(attrs(*point_attrs))
    p.start_time_unix_nano = START_NS
    p.time_unix_nano = t
    p.count = count
    p.sum = s
    for q, v in quantiles:
        qv = p.quantile_values.add()
        qv.quantile = q
        qv.value = v
    p.flags = flags
    return p


def exemplar(p, value, trace_id=b"", span_id=b"", filtered=(), t=TIME_NS - 1_000_000_000):
    e = p.exemplars.add()
    e.filtered_attributes.extend(attrs(*filtered))
    e.time_unix_nano = t
    if isinstance(value, int):
        e.as_int = value
    else:
        e.as_double = value
    e.trace_id = trace_id
    e.span_id = span_id
    return e


def ids(n):
    """A deterministic (trace_id, span_id) pair."""
    trace = bytes((n * 17 + i * 29 + 1) % 256 for i in range(16))
    span = bytes((n * 31 + i * 7 + 3) % 256 for i in range(8))
    return trace, span


# ---------------------------------------------------------------------------------------------
# Fixtures


def gauge_double_int():
    req = new_request()
    rm = add_resource(req, "gauge-service", SCHEMA)
    sm = add_scope(rm, "fixtures.gauge", "1.0.0")

    g = add_metric(sm, "system.temperature", "gauge", unit="Cel", description="Temperature (as_double).")
    for i, v in enumerate([-40.5, 0.0, -0.0, 21.25, 1e-7, 5e-324, 1.7976931348623157e308, -123456.789]):
        number(g, v, [("sensor", f"s{i}")])

    g = add_metric(sm, "queue.depth", "gauge", unit="{item}", description="Queue depth (as_int).")
    for i, v in enumerate([0, -1, 42, -2_000_000_000_000, 7]):
        number(g, v, [("queue", f"q{i}")])

    g = add_metric(sm, "int.extremes", "gauge", unit="1")
    number(g, 9_223_372_036_854_775_807, [("end", "max")])
    number(g, -9_223_372_036_854_775_808, [("end", "min")])

    g = add_metric(sm, "special.values", "gauge", unit="1", description="NaN and infinities.")
    number(g, NAN, [("v", "nan")])
    number(g, INF, [("v", "+inf")])
    number(g, -INF, [("v", "-inf")])
    number(g, 2.5, [("v", "finite")])

    g = add_metric(sm, "mixed.int.double", "gauge", description="int and double points in one metric")
    number(g, 3, [("type", "int")])
    number(g, 3.5, [("type", "double")])
    number(g, -8, [("type", "int-negative")], start=0)  # start time unknown (0): legal
    return req


def sum_delta_nonmonotonic():
    req = new_request()
    rm = add_resource(req, "sum-service", SCHEMA)
    sm = add_scope(rm, "fixtures.sum", "2.1.0")

    s = add_metric(sm, "requests.delta", "sum", unit="{request}", temporality=DELTA, monotonic=True,
                   description="Delta monotonic counter.")
    for i, v in enumerate([5, 0, 17]):
        number(s, v, [("route", "/a")], start=START_NS + i * 10_000_000_000, t=START_NS + (i + 1) * 10_000_000_000)
    number(s, 2.5, [("route", "/b")])

    s = add_metric(sm, "active.connections", "sum", unit="{connection}", temporality=CUMULATIVE, monotonic=False,
                   description="Up-down counter (cumulative, non-monotonic).")
    number(s, 5, [("pool", "main")])
    number(s, -3, [("pool", "replica")])
    number(s, 0, [("pool", "idle")])
    number(s, -0.75, [("pool", "weighted")])

    s = add_metric(sm, "balance.delta", "sum", unit="EUR", temporality=DELTA, monotonic=False,
                   description="Delta non-monotonic.")
    number(s, -12.5, [("account", "a1")])
    number(s, 7.25, [("account", "a1")], start=TIME_NS, t=TIME_NS + 60_000_000_000)
    number(s, -4, [("account", "a2")])

    s = add_metric(sm, "bytes.sent", "sum", unit="By", temporality=CUMULATIVE, monotonic=True)
    number(s, 1_048_576, [("direction", "tx")])
    number(s, 1.5e9, [("direction", "rx")])
    return req


def exponential_histogram():
    req = new_request()
    rm = add_resource(req, "exphist-service", SCHEMA)
    sm = add_scope(rm, "fixtures.exphist", "0.3.0")

    e = add_metric(sm, "rpc.latency", "exponential_histogram", unit="ms", temporality=DELTA,
                   description="Exponential histogram, delta.")
    # scale 0, positive only, zero bucket, sum/min/max set
    exp_histogram(e, 7, 0, zero_count=1, zero_threshold=0.0, pos=(0, [1, 2, 3]),
                  s=20.5, mn=0.0, mx=7.9, point_attrs=[("case", "scale0")])
    # scale 3, negative positive offset, negative buckets, zero_threshold, sum/min/max unset
    exp_histogram(e, 15, 3, zero_count=0, zero_threshold=1e-9, pos=(-5, [1, 0, 4]), neg=(2, [3, 5, 2]),
                  point_attrs=[("case", "scale3")])
    # scale -2, both offsets (negative offset on the negative side), sum set negative
    exp_histogram(e, 13, -2, zero_count=3, zero_threshold=0.5, pos=(1, [4, 0, 1]), neg=(-3, [2, 0, 0, 3]),
                  s=-87.25, mn=-300.0, mx=1000.0, point_attrs=[("case", "scale-2")])
    # extremes of the valid scale range
    exp_histogram(e, 2, 20, pos=(1_048_576, [1, 1]), s=2.000001, mn=1.0000005, mx=1.0000012,
                  point_attrs=[("case", "scale20")])
    exp_histogram(e, 4, -10, pos=(0, [3]), neg=(0, [1]), s=1.0e300, point_attrs=[("case", "scale-10")])
    # empty: count 0, no buckets at all
    exp_histogram(e, 0, 0, point_attrs=[("case", "empty")])
    # zero bucket only, sum 0 set explicitly, only min set
    exp_histogram(e, 6, 1, zero_count=6, zero_threshold=0.001, s=0.0, mn=0.0, point_attrs=[("case", "zeros")])

    e = add_metric(sm, "payload.size", "exponential_histogram", unit="By", temporality=CUMULATIVE)
    exp_histogram(e, 10, 2, pos=(-1, [2, 3, 5]), s=33.5, mn=0.9, mx=4.1, point_attrs=[("dir", "in")])
    exp_histogram(e, 3, 2, pos=(0, []), neg=(-2, [0, 3]), point_attrs=[("dir", "out")])  # empty counts, offset 0
    return req


def summary_fixture():
    req = new_request()
    rm = add_resource(req, "summary-service", SCHEMA)
    sm = add_scope(rm, "fixtures.summary", "1.0.0")

    s = add_metric(sm, "rpc.duration.summary", "summary", unit="s", description="Summary with quantiles.")
    qs = [0.0, 0.5, 0.9, 0.99, 1.0]
    summary(s, 100, 123.456, list(zip(qs, [0.001, 0.8, 2.5, 9.75, 12.0])), [("rpc", "Get")])
    summary(s, 3, 0.75, list(zip(qs, [0.1, 0.25, 0.4, 0.4, 0.4])), [("rpc", "Put")])
    summary(s, 0, 0.0, [], [("rpc", "Idle")])  # no quantiles, count/sum 0
    summary(s, 12, 6.0, [(0.5, 0.5)], [("rpc", "List")])

    s = add_metric(sm, "gc.pause", "summary", unit="ms")
    summary(s, 5_000_000_000, 1.25e10, list(zip(qs, [0.0, 2.0, 5.5, 30.0, 250.0])))
    return req


def attributes_nested():
    req = new_request()
    unicode_s = "ünïcødé 日本語 🚀 Ω≈ç√"
    mixed_array = ["a", 1, True, 2.5, None, b"hi\x00\xff", [1, [2, "deep"]], {"k": "v"},
                   NAN, INF, -INF, 1e21, 1e-7, 1.0, -0.5, 123456789012345678, "", -42]
    nested_kv = {"zeta": 1, "alpha": {"inner": [True, "x", None], "empty": {}}, "mid": 'quote" back\\slash\nnl',
                 "uni": "ключ ✓", "bytes": b"\x01\x02", "none": None, "arr": [], "d": 0.1}
    rm = add_resource(req, "attr-service", SCHEMA, extra=[
        ("res.string", unicode_s),
        ("res.empty_string", ""),
        ("res.bool", True),
        ("res.int", -42),
        ("res.double", 3.14159),
        ("res.bytes", b"\x00\x01\xfe\xffbin"),
        ("res.array", mixed_array),
        ("res.kvlist", nested_kv),
        ("res.empty", None),
        ("res.novalue", NoValue()),
        ("res.empty_array", []),
        ("res.empty_kvlist", {}),
        ("ключ.キー", "unicode key"),
    ])
    rm.resource.dropped_attributes_count = 3
    sm = add_scope(rm, "fixtures.attributes/ünï", "v1.0.0-βeta", SCHEMA, scope_attrs=[
        ("scope.bool", False),
        ("scope.int", 0),
        ("scope.double.nan", NAN),
        ("scope.double.neginf", -INF),
        ("scope.array.strings", ["x", "y", "z"]),
        ("scope.array.ints", [1, 2, 3]),
        ("scope.array.doubles", [0.5, 1e-7, 1e21, 100.0]),
        ("scope.array.nested", [[], [[]], [{}], [None]]),
        ("scope.bytes.empty", b""),
    ])
    sm.scope.dropped_attributes_count = 1

    g = add_metric(sm, "attr.gauge", "gauge", unit="1")
    number(g, 1, [
        ("p.string", "plain"),
        ("p.unicode", "😀 emoji + 中文"),
        ("p.bool", False),
        ("p.int.max", 9_223_372_036_854_775_807),
        ("p.int.min", -9_223_372_036_854_775_808),
        ("p.double.inf", INF),
        ("p.double.small", 5e-324),
        ("p.bytes", b"\xde\xad\xbe\xef"),
        ("p.array", [{"a": [1, 2.5, "s"]}, [b"\x00"], None, False]),
        ("p.kvlist", {"b": 2, "a": 1, "c": {"y": [], "x": None}}),
        ("p.empty", None),
        ("p.kvlist.dup", Pairs(("dup", 1), ("x", [Pairs(("k", "a"), ("k", "b"))]), ("dup", 3))),  # last wins
    ])
    # duplicate keys are passed through in wire order
    number(g, 2, [("dup", "first"), ("other", 1), ("dup", "second")])
    # no attributes at all
    number(g, 3, [])

    s = add_metric(sm, "attr.sum", "sum", temporality=CUMULATIVE, monotonic=True)
    number(s, 10, [("k", {"list": ["ü", 1, True], "n": [1, 2]})])
    number(s, 11, [("k", ["a", 1, True, {"k": "v"}])])
    return req


def exemplars_flags():
    req = new_request()
    rm = add_resource(req, "exemplar-service", SCHEMA)
    sm = add_scope(rm, "fixtures.exemplars", "1.0.0")

    s = add_metric(sm, "http.requests", "sum", unit="{request}", temporality=CUMULATIVE, monotonic=True)
    p = number(s, 120, [("route", "/checkout")])
    t, sp = ids(1)
    exemplar(p, 1, t, sp, filtered=[("user.id", "u-17"), ("retry", 2)])
    t, sp = ids(2)
    exemplar(p, 0.5, t, sp, filtered=[("sampled", True)])
    exemplar(p, 3, filtered=[])  # no trace/span ids
    p = number(s, 30, [("route", "/cart")])
    t, sp = ids(3)
    exemplar(p, 7, t, sp)
    # series removed: flags=1, no value
    number(s, None, [("route", "/gone")], flags=1)
    # reserved flag bits with a value: passed through, point valid
    number(s, 5, [("route", "/flags2")], flags=2)
    # flag bit 0 plus a reserved bit, no value
    number(s, None, [("route", "/flags3")], flags=3)

    h = add_metric(sm, "http.duration", "histogram", unit="s", temporality=DELTA)
    p = histogram(h, 6, [0.1, 0.5, 1.0], [1, 2, 2, 1], s=3.2, mn=0.05, mx=1.7, point_attrs=[("route", "/checkout")])
    t, sp = ids(4)
    exemplar(p, 0.07, t, sp, filtered=[("db.statement", "SELECT 1"), ("attempt", 1)])
    t, sp = ids(5)
    exemplar(p, 1.7, t, sp, filtered=[("http.status", 500)])
    exemplar(p, 0.3, b"", b"")
    histogram(h, 0, [], [], point_attrs=[("route", "/gone")], flags=1)  # stale histogram series

    g = add_metric(sm, "cpu.usage", "gauge", unit="1")
    p = number(g, 0.42, [("cpu", "0")])
    t, sp = ids(6)
    exemplar(p, 0.9, t, sp)
    number(g, None, [("cpu", "1")], flags=1)

    su = add_metric(sm, "request.size", "summary", unit="By")
    summary(su, 0, 0.0, [], [("route", "/gone")], flags=1)  # stale summary series
    return req


def invalid_points():
    req = new_request()
    rm = add_resource(req, "invalid-service", SCHEMA)
    sm = add_scope(rm, "fixtures.invalid", "1.0.0")

    g = add_metric(sm, "mixed.gauge", "gauge", unit="1")
    number(g, 1.5, [("case", "valid-double")])
    number(g, 0, [("case", "valid-int-zero")])
    number(g, 2.0, [("case", "time-zero")], t=0)                 # missing_timestamp
    number(g, None, [("case", "no-value")])                      # missing_value
    number(g, None, [("case", "no-value-time-zero")], t=0)       # missing_timestamp (checked first)
    number(g, 0.0, [("case", "valid-double-zero")])

    s = add_metric(sm, "bad.temporality", "sum", temporality=m.AGGREGATION_TEMPORALITY_UNSPECIFIED, monotonic=True)
    number(s, 1, [("i", "0")])                                   # invalid_temporality
    number(s, 2, [("i", "1")])                                   # invalid_temporality

    s = add_metric(sm, "unknown.temporality", "sum", temporality=3, monotonic=False)
    number(s, 1, [])                                             # invalid_temporality (unknown enum value)

    s = add_metric(sm, "good.sum", "sum", temporality=DELTA, monotonic=True)
    number(s, 4, [("case", "valid")])
    number(s, None, [("case", "no-value")])                      # missing_value

    g = add_metric(sm, "", "gauge")
    number(g, 1.0, [])                                           # missing_metric_name
    number(g, 2.0, [])                                           # missing_metric_name

    s = add_metric(sm, "", "sum", temporality=m.AGGREGATION_TEMPORALITY_UNSPECIFIED)
    number(s, 1, [])                                             # missing_metric_name (before temporality)

    add_metric(sm, "no.data", None)                              # no data member: no points, not counted

    h = add_metric(sm, "bad.histogram", "histogram", unit="s", temporality=CUMULATIVE)
    histogram(h, 6, [1.0, 2.0, 3.0], [1, 2, 2, 1], s=9.0, point_attrs=[("case", "valid")])
    histogram(h, 5, [1.0, 2.0, 3.0], [1, 2, 2], s=9.0, point_attrs=[("case", "3-counts-3-bounds")])   # invalid_buckets
    histogram(h, 4, [1.0, 1.0, 3.0], [1, 1, 1, 1], point_attrs=[("case", "non-increasing")])        # invalid_buckets
    histogram(h, 4, [1.0, NAN, 3.0], [1, 1, 1, 1], point_attrs=[("case", "nan-bound")])              # invalid_buckets
    histogram(h, 10, [1.0, 2.0], [1, 2, 3], point_attrs=[("case", "sum-ne-count")])                   # invalid_buckets
    histogram(h, 5, [], [], s=12.5, point_attrs=[("case", "no-buckets")])                             # valid
    histogram(h, 7, [1.0, 2.0], [7], point_attrs=[("case", "stale-unchecked")], flags=1)              # valid (flag)
    histogram(h, 3, [1.0], [1, 2], point_attrs=[("case", "time-zero")], t=0)                          # missing_timestamp

    h = add_metric(sm, "unspecified.histogram", "histogram", temporality=m.AGGREGATION_TEMPORALITY_UNSPECIFIED)
    histogram(h, 1, [1.0], [1, 0])                                                                    # invalid_temporality

    e = add_metric(sm, "bad.exphist", "exponential_histogram", temporality=DELTA)
    exp_histogram(e, 3, 0, zero_count=1, pos=(0, [2]), point_attrs=[("case", "valid")])
    exp_histogram(e, 1, 21, pos=(0, [1]), point_attrs=[("case", "scale-21")])                        # invalid_scale
    exp_histogram(e, 1, -11, pos=(0, [1]), point_attrs=[("case", "scale-minus-11")])                 # invalid_scale
    exp_histogram(e, 9, 0, zero_count=1, pos=(0, [2]), point_attrs=[("case", "count-mismatch")])     # invalid_buckets
    exp_histogram(e, 1, 0, zero_count=1, point_attrs=[("case", "time-zero")], t=0)                    # missing_timestamp

    su = add_metric(sm, "bad.summary", "summary")
    summary(su, 2, 3.0, [(0.0, 1.0), (0.5, 1.5), (1.0, 2.0)], [("case", "valid")])
    summary(su, 2, 3.0, [(0.5, 1.5), (1.5, 2.0)], [("case", "quantile-1.5")])                      # invalid_quantile
    summary(su, 2, 3.0, [(-0.1, 1.0)], [("case", "quantile-negative")])                            # invalid_quantile
    summary(su, 2, 3.0, [(NAN, 1.0)], [("case", "quantile-nan")])                                  # invalid_quantile
    return req


def multi_resource():
    req = new_request()
    for r, (service, region) in enumerate([("frontend", "eu-west-1"), ("backend", "us-east-1"), ("batch", "ap-south-1")]):
        rm = add_resource(req, service, f"https://opentelemetry.io/schemas/1.2{r}.0",
                          extra=[("cloud.region", region), ("service.instance.id", f"{service}-{r}")])
        for s, lib in enumerate(["io.opentelemetry.runtime", "io.opentelemetry.http"]):
            sm = add_scope(rm, lib, f"{r}.{s}.0", schema_url=f"https://example.com/schemas/{lib}/{s}",
                           scope_attrs=[("scope.index", s)])
            c = add_metric(sm, f"{service}.requests", "sum", unit="{request}", temporality=CUMULATIVE, monotonic=True)
            for k in range(2):
                number(c, 100 * (r + 1) + 10 * s + k, [("k", k)])
            g = add_metric(sm, f"{service}.memory", "gauge", unit="By")
            number(g, float(1 << (20 + r + s)) + 0.5, [])
            h = add_metric(sm, f"{service}.latency", "histogram", unit="s", temporality=DELTA)
            histogram(h, 3 + r + s, [0.1, 1.0], [1, 1 + r, 1 + s], s=0.5 * (r + s + 1), point_attrs=[("scope", s)])
            if s == 1:
                su = add_metric(sm, f"{service}.gc", "summary", unit="s")
                summary(su, 10 + r, 1.0 + r, [(0.5, 0.01), (0.99, 0.2 + r)])
    return req


FIXTURES = [
    ("gauge_double_int", gauge_double_int, {"indent": 2, "ensure_ascii": False}),
    ("sum_delta_nonmonotonic", sum_delta_nonmonotonic, {"indent": 2, "ensure_ascii": False}),
    ("exponential_histogram", exponential_histogram, {"indent": 2, "ensure_ascii": False}),
    ("summary", summary_fixture, {"indent": 2, "ensure_ascii": False}),
    # \uXXXX escapes (surrogate pairs for emoji) instead of raw UTF-8
    ("attributes_nested", attributes_nested, {"indent": 1, "ensure_ascii": True}),
    ("exemplars_flags", exemplars_flags, {"indent": 2, "ensure_ascii": False}),
    ("invalid_points", invalid_points, {"indent": 2, "ensure_ascii": False}),
    # compact, like SDK exporters send it
    ("multi_resource", multi_resource, {"indent": None, "ensure_ascii": False}),
]


# ---------------------------------------------------------------------------------------------
# OTLP/JSON


def _ids_to_hex(node):
    """OTLP/JSON: traceId/spanId are hex strings, not base64 (proto3 JSON's bytes default)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("traceId", "spanId") and isinstance(value, str):
                node[key] = base64.b64decode(value).hex()
            else:
                _ids_to_hex(value)
    elif isinstance(node, list):
        for x in node:
            _ids_to_hex(x)


def _ids_to_base64(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("traceId", "spanId") and isinstance(value, str):
                node[key] = base64.b64encode(bytes.fromhex(value)).decode()
            else:
                _ids_to_base64(value)
    elif isinstance(node, list):
        for x in node:
            _ids_to_base64(x)


def otlp_json(req, indent, ensure_ascii):
    # lowerCamelCase keys, enums as integers, 64-bit integers as decimal strings, bytes base64,
    # NaN/Infinity as strings, fields without presence omitted when default.
    d = json_format.MessageToDict(req, preserving_proto_field_name=False, use_integers_for_enums=True)
    _ids_to_hex(d)
    seps = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(d, indent=indent, separators=seps, ensure_ascii=ensure_ascii)
    return (text + "\n").encode()


def parse_otlp_json(data):
    d = json.loads(data)
    _ids_to_base64(d)
    return json_format.ParseDict(d, ExportMetricsServiceRequest())


# ---------------------------------------------------------------------------------------------
# Expected decode (Sources/OTLP/OTLPValidation.swift = Part C of the wire reference)

KIND_NAMES = {"gauge": "gauge", "sum": "sum", "histogram": "histogram",
              "exponential_histogram": "exponential_histogram", "summary": "summary"}


def jdouble(x):
    """A double in expected.json: a JSON number, or "NaN" / "+Inf" / "-Inf"."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    return x


def js_number(x):
    """ECMAScript Number::toString (shortest round-trip digits): `1`, `2.5`, `1e-7`, `1e+21`."""
    if x == 0:
        return "0"
    r = repr(abs(x))
    mant, _, exp = r.partition("e")
    exp = int(exp) if exp else 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    if fp == "0":
        fp = ""
    digits = (ip + fp).lstrip("0")
    lead_zeros = len(ip + fp) - len((ip + fp).lstrip("0"))
    # value = 0.digits * 10^n
    n = len(ip) + exp - lead_zeros
    digits = digits.rstrip("0")
    k = len(digits)
    sign = "-" if x < 0 else ""
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    es = f"e+{e}" if e >= 0 else f"e-{-e}"
    if k == 1:
        return sign + digits + es
    return sign + digits[0] + "." + digits[1:] + es


def render_nested(v):
    """Compact JSON text of an AnyValue inside an array/kvlist rendering (wire reference B.15):
    strings/bools/ints/doubles as JSON values (doubles JS-style, NaN/Infinity as strings),
    bytes as base64 strings, empty as null, kvlist keys sorted (as the Collector does)."""
    which = v.WhichOneof("value")
    if which is None:
        return "null"
    if which == "string_value":
        return json.dumps(v.string_value, ensure_ascii=False)
    if which == "bool_value":
        return "true" if v.bool_value else "false"
    if which == "int_value":
        return str(v.int_value)
    if which == "double_value":
        d = v.double_value
        if math.isnan(d):
            return json.dumps(NESTED_NAN)
        if math.isinf(d):
            return json.dumps(NESTED_POS_INF if d > 0 else NESTED_NEG_INF)
        return js_number(d)
    if which == "bytes_value":
        return json.dumps(base64.b64encode(v.bytes_value).decode())
    if which == "array_value":
        return "[" + ",".join(render_nested(x) for x in v.array_value.values) + "]"
    if which == "kvlist_value":
        last = {}
        for e in v.kvlist_value.values:
            last[e.key] = e.value if e.HasField("value") else AnyValue()
        keys = sorted(last, key=lambda k: k.encode())
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + render_nested(last[k]) for k in keys) + "}"
    raise ValueError(which)


def expected_attr(kvp):
    """One attribute as the sink sees it: type + value (see README for the encoding)."""
    v = kvp.value if kvp.HasField("value") else AnyValue()
    which = v.WhichOneof("value")
    if which is None:
        t, val = "empty", None
    elif which == "string_value":
        t, val = "string", v.string_value
    elif which == "bool_value":
        t, val = "bool", v.bool_value
    elif which == "int_value":
        t, val = "int", v.int_value
    elif which == "double_value":
        t, val = "double", jdouble(v.double_value)
    elif which == "bytes_value":
        t, val = "bytes", base64.b64encode(v.bytes_value).decode()
    else:
        t, val = "json", render_nested(v)
    return {"key": kvp.key, "type": t, "value": val}


def expected_attrs(lst):
    return [expected_attr(x) for x in lst]


def kind_of(met):
    return met.WhichOneof("data")


def temporality_of(met):
    k = kind_of(met)
    if k in ("sum", "histogram", "exponential_histogram"):
        return getattr(met, k).aggregation_temporality
    return 0


def check_metric(met):
    if met.name == "":
        return "missing_metric_name"
    if kind_of(met) in ("sum", "histogram", "exponential_histogram") and temporality_of(met) not in (1, 2):
        return "invalid_temporality"
    return None


def check_point(kind, p):
    if p.time_unix_nano == 0:
        return "missing_timestamp"
    if kind in ("gauge", "sum"):
        if p.WhichOneof("value") is None and not (p.flags & 1):
            return "missing_value"
        return None
    if p.flags & 1:
        return None
    if kind == "histogram":
        b, c = list(p.explicit_bounds), list(p.bucket_counts)
        if not b and not c:
            return None
        if len(c) != len(b) + 1:
            return "invalid_buckets"
        prev = -INF
        for x in b:
            if math.isnan(x) or x <= prev:
                return "invalid_buckets"
            prev = x
        total = sum(c)
        return None if total < 2**64 and total == p.count else "invalid_buckets"
    if kind == "exponential_histogram":
        if p.scale < -10 or p.scale > 20:
            return "invalid_scale"
        total = p.zero_count + sum(p.positive.bucket_counts) + sum(p.negative.bucket_counts)
        return None if total < 2**64 and total == p.count else "invalid_buckets"
    if kind == "summary":
        for q in p.quantile_values:
            if not (q.quantile >= 0 and q.quantile <= 1):
                return "invalid_quantile"
        return None
    raise ValueError(kind)


def rejection_message(reason, met):
    name = '"' + met.name + '"'
    kind = KIND_NAMES.get(kind_of(met) or "", "")
    return {
        "missing_value": f"number point of {name} has no value and no no_recorded_value flag; dropped",
        "missing_timestamp": f"{kind} point of {name} has time_unix_nano 0; dropped",
        "invalid_temporality": f"{kind} {name} has aggregation_temporality unspecified or unknown; its points were dropped",
        "invalid_buckets": f"{kind} point of {name} has bucket counts that do not match its bounds or its count; dropped",
        "invalid_quantile": f"summary point of {name} has a quantile outside [0, 1]; dropped",
        "missing_metric_name": "metric with an empty name; its points were dropped",
        "invalid_scale": f"exponential histogram point of {name} has a scale outside [-10, 20]; dropped",
    }[reason]


def wrap64(x):
    x &= (1 << 64) - 1
    return x - (1 << 64) if x >= 1 << 63 else x


def expected_point(kind, p):
    out = {
        "attributes": expected_attrs(p.attributes),
        "start_time_unix_nano": p.start_time_unix_nano,
        "time_unix_nano": p.time_unix_nano,
        "flags": p.flags,
        "exemplar_count": len(p.exemplars) if kind != "summary" else 0,
    }
    if kind in ("gauge", "sum"):
        which = p.WhichOneof("value")
        if which == "as_int":
            out["value"] = {"int": p.as_int}
        elif which == "as_double":
            out["value"] = {"double": jdouble(p.as_double)}
        else:
            out["value"] = None
    elif kind == "histogram":
        out.update(count=p.count, sum=jdouble(p.sum) if p.HasField("sum") else None,
                   min=jdouble(p.min) if p.HasField("min") else None,
                   max=jdouble(p.max) if p.HasField("max") else None,
                   bucket_counts=list(p.bucket_counts), explicit_bounds=[jdouble(x) for x in p.explicit_bounds])
    elif kind == "exponential_histogram":
        out.update(count=p.count, sum=jdouble(p.sum) if p.HasField("sum") else None,
                   min=jdouble(p.min) if p.HasField("min") else None,
                   max=jdouble(p.max) if p.HasField("max") else None,
                   scale=p.scale, zero_count=p.zero_count, zero_threshold=jdouble(p.zero_threshold),
                   positive_offset=p.positive.offset, positive_counts=list(p.positive.bucket_counts),
                   negative_offset=p.negative.offset, negative_counts=list(p.negative.bucket_counts))
    elif kind == "summary":
        out.update(count=p.count, sum=jdouble(p.sum),
                   quantiles=[[jdouble(q.quantile), jdouble(q.value)] for q in p.quantile_values])
    return out


def metric_stats(kind, accepted):
    """Aggregates over the accepted points, in document order (sums left to right)."""
    st = {"points": len(accepted)}
    if kind in ("gauge", "sum"):
        isum = icount = dcount = nan = pinf = ninf = none = 0
        dsum = 0.0
        for p in accepted:
            which = p.WhichOneof("value")
            if which == "as_int":
                isum = wrap64(isum + p.as_int)
                icount += 1
            elif which == "as_double":
                dcount += 1
                d = p.as_double
                if math.isnan(d):
                    nan += 1
                elif math.isinf(d):
                    pinf += d > 0
                    ninf += d < 0
                else:
                    dsum += d
            else:
                none += 1
        st.update(as_int_sum=isum, as_int_count=icount, as_double_sum=dsum, as_double_count=dcount,
                  nan_count=nan, pos_inf_count=pinf, neg_inf_count=ninf, no_value_count=none)
    elif kind == "histogram":
        st.update(count_sum=sum(p.count for p in accepted),
                  bucket_count_total=sum(sum(p.bucket_counts) for p in accepted))
    elif kind == "exponential_histogram":
        st.update(count_sum=sum(p.count for p in accepted),
                  bucket_count_total=sum(p.zero_count + sum(p.positive.bucket_counts) + sum(p.negative.bucket_counts)
                                         for p in accepted))
    elif kind == "summary":
        st.update(count_sum=sum(p.count for p in accepted), quantile_count=sum(len(p.quantile_values) for p in accepted))
    return st


def expected_for(req):
    res_list = []
    totals = {"resources": 0, "scopes": 0, "metrics": 0, "metrics_with_data": 0, "metrics_valid_header": 0,
              "data_points": 0, "accepted_points": 0, "rejected_points": 0}
    by_reason = {}
    first = None
    for rm in req.resource_metrics:
        totals["resources"] += 1
        r = {"schema_url": rm.schema_url, "attributes": expected_attrs(rm.resource.attributes), "scopes": []}
        for sm in rm.scope_metrics:
            totals["scopes"] += 1
            s = {"name": sm.scope.name, "version": sm.scope.version, "schema_url": sm.schema_url,
                 "attributes": expected_attrs(sm.scope.attributes), "metrics": []}
            for met in sm.metrics:
                totals["metrics"] += 1
                kind = kind_of(met)
                if kind is None:
                    continue  # no data member: unusable, no points, nothing counted
                totals["metrics_with_data"] += 1
                pts = list(getattr(met, kind).data_points)
                totals["data_points"] += len(pts)
                header = check_metric(met)
                reasons = [header] * len(pts) if header else [check_point(kind, p) for p in pts]
                accepted = [p for p, why in zip(pts, reasons) if why is None]
                rejected = {}
                for why in reasons:
                    if why:
                        rejected[why] = rejected.get(why, 0) + 1
                        by_reason[why] = by_reason.get(why, 0) + 1
                        if first is None:
                            first = rejection_message(why, met)
                totals["accepted_points"] += len(accepted)
                totals["rejected_points"] += len(pts) - len(accepted)
                if header:
                    continue  # no point reaches the sink
                totals["metrics_valid_header"] += 1
                s["metrics"].append({
                    "name": met.name, "description": met.description, "unit": met.unit,
                    "kind": KIND_NAMES[kind], "temporality": temporality_of(met),
                    "is_monotonic": met.sum.is_monotonic if kind == "sum" else False,
                    "data_points": len(pts), "rejected_by_reason": dict(sorted(rejected.items())),
                    "stats": metric_stats(kind, accepted),
                    "points": [expected_point(kind, p) for p in accepted],
                })
            r["scopes"].append(s)
        res_list.append(r)
    out = dict(totals)
    out["rejected_by_reason"] = dict(sorted(by_reason.items()))
    out["first_rejection"] = first
    out["resource_list"] = res_list
    return out


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with the files in --out")
    args = ap.parse_args()

    files = {}
    expected = {
        "comment": "Generated by gen_fixtures.py from the messages themselves; see README.md for the schema.",
        "reasons": ["missing_value", "missing_timestamp", "invalid_temporality", "invalid_buckets",
                    "invalid_quantile", "missing_metric_name", "invalid_scale"],
        "fixtures": {},
    }
    for name, build, style in FIXTURES:
        req = build()
        raw = req.SerializeToString(deterministic=True)
        js = otlp_json(req, **style)
        # round trips: both encodings parse back to the same message
        assert ExportMetricsServiceRequest.FromString(raw).SerializeToString(deterministic=True) == raw, name
        assert parse_otlp_json(js).SerializeToString(deterministic=True) == raw, name
        assert len(raw) < 20_000 and len(js) < 20_000, (name, len(raw), len(js))
        files[f"{name}.pb"] = raw
        files[f"{name}.json"] = js
        expected["fixtures"][name] = expected_for(req)
    files["expected.json"] = (json.dumps(expected, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode()

    bad = write_or_check(files, args.out, args.check)
    for name, _, _ in FIXTURES:
        e = expected["fixtures"][name]
        print(f"{name}: resources={e['resources']} scopes={e['scopes']} metrics={e['metrics']} "
              f"points={e['data_points']} accepted={e['accepted_points']} rejected={e['rejected_points']} "
              f"{e['rejected_by_reason'] or ''}", file=sys.stderr)
    for fn, data in sorted(files.items()):
        print(f"{fn}\t{len(data)}\tsha256={hashlib.sha256(data).hexdigest()}", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
