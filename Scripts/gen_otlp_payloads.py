#!/usr/bin/env python3
"""Deterministic OTLP metrics payloads (HTTP server metrics) for slod's tests and benchmarks.

Builds opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest
messages with the official `opentelemetry-proto` Python bindings:

  * 1 ResourceMetrics (service.name, service.namespace, service.version,
    service.instance.id, host.name, host.arch, os.type,
    deployment.environment.name, telemetry.sdk.*)
  * 1 ScopeMetrics (scope "io.opentelemetry.http-server" 1.0.0)
  * 2 Metrics:
      - http.server.request.count    Sum, monotonic, CUMULATIVE, unit "{request}", int
      - http.server.request.duration Histogram, CUMULATIVE, unit "s",
        14 explicit bounds (semconv advice) -> 15 buckets, sum/min/max set
  * S attribute sets ("series" per metric); every attribute set yields one
    Sum point and one Histogram point, so data points = 2 * S.
    Attributes: http.request.method, http.route (20 routes),
    http.response.status_code (int), server.address.

Everything (attribute-set choice, values, instance id) comes from
random.Random(SEED); timestamps are fixed constants. Protobuf output uses
deterministic serialization and gzip uses mtime=0, level 6, so the files are
byte-identical on every run with the same protobuf major behaviour.

By default writes the payloads the tests read (small and medium) into
Tests/Fixtures/otlp/http-server; --large also writes metrics_large.pb(.gz) (3 MB, for the
benchmarks only, not committed). --check regenerates in memory and exits 1 unless the files in
--out are byte-identical.

Usage:
  python3 Scripts/gen_otlp_payloads.py [--out DIR] [--seed N] [--large] [--check]
  (needs: pip install opentelemetry-proto)
"""
import argparse
import gzip
import hashlib
import json
import math
import os
import random
import sys
import uuid

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2 as m

from fixture_files import write_or_check

SEED = 20250101
START_NS = 1_735_689_600_000_000_000  # 2025-01-01T00:00:00Z (process start)
TIME_NS = START_NS + 600 * 1_000_000_000  # +10 min (collection time)

# semconv advice for http.server.request.duration (14 bounds -> 15 buckets)
BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
ROUTES = [
    "/", "/health", "/login", "/logout", "/api/v1/users", "/api/v1/users/{id}",
    "/api/v1/users/{id}/orders", "/api/v1/orders", "/api/v1/orders/{id}",
    "/api/v1/orders/{id}/items", "/api/v1/products", "/api/v1/products/{id}",
    "/api/v1/products/{id}/reviews", "/api/v1/cart", "/api/v1/cart/items/{id}",
    "/api/v1/checkout", "/api/v1/payments/{id}", "/api/v1/search",
    "/api/v1/inventory/{sku}", "/static/{path}",
]
STATUSES = [200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 429, 500, 502, 503]
ADDRESSES = ["api-0.shop.internal", "api-1.shop.internal", "api-2.shop.internal", "api-3.shop.internal"]

SIZES = [("small", 50), ("medium", 500)]  # name -> attribute sets; committed in the repository
LARGE = ("large", 5000)  # benchmarks only (--large)
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "Tests", "Fixtures", "otlp", "http-server")


def kv(key, value):
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def status_weight(code):
    return {200: 1.0, 201: 0.3, 204: 0.2, 304: 0.15, 301: 0.05, 404: 0.08,
            400: 0.04, 401: 0.03, 403: 0.02, 409: 0.01, 429: 0.01,
            500: 0.01, 502: 0.005, 503: 0.005}[code]


def lognorm_cdf(x, mu, sigma):
    return 0.5 * (1.0 + math.erf((math.log(x) - mu) / (sigma * math.sqrt(2.0))))


def histogram_point(rng, count, mu, sigma):
    """Deterministic bucket counts from a log-normal latency distribution."""
    cdf = [lognorm_cdf(b, mu, sigma) for b in BOUNDS] + [1.0]
    probs = [cdf[0]] + [cdf[i] - cdf[i - 1] for i in range(1, len(cdf))]
    raw = [p * count for p in probs]
    counts = [int(math.floor(r)) for r in raw]
    rest = count - sum(counts)
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - counts[i], -i), reverse=True)
    for i in order[:rest]:
        counts[i] += 1
    # sum: bucket midpoints (last bucket: 1.5 * last bound), slightly jittered
    mids = [BOUNDS[0] / 2] + [(BOUNDS[i - 1] + BOUNDS[i]) / 2 for i in range(1, len(BOUNDS))] + [BOUNDS[-1] * 1.5]
    total = sum(c * mid for c, mid in zip(counts, mids)) * rng.uniform(0.9, 1.1)
    nz = [i for i, c in enumerate(counts) if c]
    lo = nz[0]
    hi = nz[-1]
    mn = (BOUNDS[lo - 1] if lo > 0 else 0.0005) * rng.uniform(1.0, 1.5)
    mx = (BOUNDS[hi] if hi < len(BOUNDS) else BOUNDS[-1] * 2) * rng.uniform(0.7, 1.0)
    return counts, round(total, 6), round(mn, 6), round(mx, 6)


def build(n_sets, seed):
    rng = random.Random(seed)
    combos = [(meth, route, st, addr) for route in ROUTES for meth in METHODS
              for st in STATUSES for addr in ADDRESSES]
    rng.shuffle(combos)
    if n_sets > len(combos):
        raise SystemExit(f"at most {len(combos)} attribute sets")
    chosen = sorted(combos[:n_sets], key=lambda c: (ROUTES.index(c[1]), METHODS.index(c[0]), c[2], c[3]))
    instance = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    route_mu = {r: math.log(rng.uniform(0.004, 0.3)) for r in ROUTES}

    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add()
    rm.resource.attributes.extend([
        kv("service.name", "checkout-api"),
        kv("service.namespace", "shop"),
        kv("service.version", "1.4.2"),
        kv("service.instance.id", instance),
        kv("host.name", "bench-host-01"),
        kv("host.arch", "amd64"),
        kv("os.type", "linux"),
        kv("deployment.environment.name", "bench"),
        kv("telemetry.sdk.name", "opentelemetry"),
        kv("telemetry.sdk.language", "python"),
        kv("telemetry.sdk.version", "1.29.0"),
    ])
    rm.schema_url = "https://opentelemetry.io/schemas/1.26.0"
    sm = rm.scope_metrics.add()
    sm.scope.name = "io.opentelemetry.http-server"
    sm.scope.version = "1.0.0"

    cnt = sm.metrics.add()
    cnt.name = "http.server.request.count"
    cnt.description = "Number of HTTP server requests."
    cnt.unit = "{request}"
    cnt.sum.aggregation_temporality = m.AGGREGATION_TEMPORALITY_CUMULATIVE
    cnt.sum.is_monotonic = True

    dur = sm.metrics.add()
    dur.name = "http.server.request.duration"
    dur.description = "Duration of HTTP server requests."
    dur.unit = "s"
    dur.histogram.aggregation_temporality = m.AGGREGATION_TEMPORALITY_CUMULATIVE

    for meth, route, st, addr in chosen:
        attrs = [kv("http.request.method", meth), kv("http.route", route),
                 kv("http.response.status_code", st), kv("server.address", addr)]
        count = max(1, int(rng.uniform(10, 20000) * status_weight(st)))
        p = cnt.sum.data_points.add()
        p.attributes.extend(attrs)
        p.start_time_unix_nano = START_NS
        p.time_unix_nano = TIME_NS
        p.as_int = count

        mu = route_mu[route] + (0.7 if st >= 500 else 0.0) + rng.uniform(-0.2, 0.2)
        counts, total, mn, mx = histogram_point(rng, count, mu, rng.uniform(0.6, 1.1))
        h = dur.histogram.data_points.add()
        h.attributes.extend(attrs)
        h.start_time_unix_nano = START_NS
        h.time_unix_nano = TIME_NS
        h.count = count
        h.sum = total
        h.bucket_counts.extend(counts)
        h.explicit_bounds.extend(BOUNDS)
        h.min = mn
        h.max = mx
    return req


def stats(req):
    rms = len(req.resource_metrics)
    sms = sum(len(rm.scope_metrics) for rm in req.resource_metrics)
    mets = pts = 0
    for rm in req.resource_metrics:
        for sm in rm.scope_metrics:
            for met in sm.metrics:
                mets += 1
                kind = met.WhichOneof("data")
                pts += len(getattr(met, kind).data_points)
    return rms, sms, mets, pts


def otlp_json(req):
    # OTLP/JSON rules: lowerCamelCase field names, enums as integers,
    # 64-bit ints as decimal strings (json_format default), no default fields.
    d = json_format.MessageToDict(req, preserving_proto_field_name=False,
                                  use_integers_for_enums=True)
    return json.dumps(d, separators=(",", ":")).encode()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--large", action="store_true", help="also metrics_large.pb(.gz), for the benchmarks")
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with files in --out")
    args = ap.parse_args()

    files = {}
    summary = []
    for name, n in SIZES + ([LARGE] if args.large else []):
        req = build(n, args.seed)
        raw = req.SerializeToString(deterministic=True)
        files[f"metrics_{name}.pb"] = raw
        files[f"metrics_{name}.pb.gz"] = gzip.compress(raw, compresslevel=6, mtime=0)
        if name == "medium":
            files["metrics_medium.json"] = otlp_json(req)
        # round-trip sanity
        back = ExportMetricsServiceRequest.FromString(raw)
        assert back == req
        summary.append((name, n) + stats(req))

    bad = write_or_check(files, args.out, args.check)
    for name, n, rms, sms, mets, pts in summary:
        print(f"{name}: resources={rms} scopes={sms} metrics={mets} attribute_sets={n} data_points={pts}", file=sys.stderr)
    for fn, data in sorted(files.items()):
        print(f"{fn}\t{len(data)}\tsha256={hashlib.sha256(data).hexdigest()}", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
