// OTLP → Prometheus translation (Sources/Aggregation/PrometheusTranslation*.swift) against
// the project's Prometheus compatibility reference (prometheus-compat.md) §1–3 and its worked
// example §9.
import Foundation
import Testing
@testable import Aggregation
import OTLP

// MARK: - Metric names (§1)

@Suite struct PrometheusMetricNameTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var unit: String
        var kind: MetricKind
        var monotonic: Bool = false
        var expected: String?
        var description: String { "\(name) [\(unit)] \(kind)\(monotonic ? " monotonic" : "") → \(expected ?? "nil")" }
    }

    /// §1.4, row by row.
    static let workedExamples: [Case] = [
        Case(name: "http.server.request.duration", unit: "s", kind: .histogram, expected: "http_server_request_duration_seconds"),
        Case(name: "http.server.requests", unit: "{request}", kind: .sum, monotonic: true, expected: "http_server_requests_total"),
        Case(name: "system.memory.usage", unit: "By", kind: .sum, monotonic: false, expected: "system_memory_usage_bytes"),
        Case(name: "network.io", unit: "By/s", kind: .gauge, expected: "network_io_bytes_per_second"),
        Case(name: "requests", unit: "1/s", kind: .gauge, expected: "requests_per_second"),
        Case(name: "packets.dropped", unit: "{packets}/s", kind: .gauge, expected: "packets_dropped_per_second"),
        Case(name: "cpu.utilization", unit: "1", kind: .gauge, expected: "cpu_utilization_ratio"),
        Case(name: "items", unit: "1", kind: .sum, monotonic: true, expected: "items_total"),
        Case(name: "response_time", unit: "ms", kind: .gauge, expected: "response_time_milliseconds"),
        Case(name: "response_time_seconds", unit: "s", kind: .gauge, expected: "response_time_seconds"),
        Case(name: "requests_total", unit: "", kind: .sum, monotonic: true, expected: "requests_total"),
        Case(name: "total.requests", unit: "", kind: .sum, monotonic: true, expected: "requests_total"),
        Case(name: "metric@with#chars", unit: "", kind: .gauge, expected: "metric_with_chars"),
        Case(name: "123metric", unit: "", kind: .gauge, expected: "_123metric"),
        Case(name: "@#$%", unit: "", kind: .gauge, expected: nil),
        Case(name: "temp", unit: "Cel", kind: .gauge, expected: "temp_celsius"),
    ]

    @Test(arguments: workedExamples)
    func workedExampleOfTheReferenceIsReproduced(_ c: Case) {
        #expect(PrometheusNaming.metricName(name: c.name, unit: c.unit, kind: c.kind, isMonotonic: c.monotonic) == c.expected)
    }

    /// Every row of the main-unit map (§1.2), on a non-monotonic sum so that neither `_total`
    /// nor `_ratio` interferes.
    static let mainUnitRows: [(String, String)] = [
        ("d", "days"), ("h", "hours"), ("min", "minutes"), ("s", "seconds"), ("ms", "milliseconds"),
        ("us", "microseconds"), ("ns", "nanoseconds"), ("1", ""), ("%", "percent"),
        ("By", "bytes"), ("KiBy", "kibibytes"), ("MiBy", "mebibytes"), ("GiBy", "gibibytes"), ("TiBy", "tibibytes"),
        ("KBy", "kilobytes"), ("MBy", "megabytes"), ("GBy", "gigabytes"), ("TBy", "terabytes"),
        ("m", "meters"), ("V", "volts"), ("A", "amperes"), ("J", "joules"), ("W", "watts"), ("g", "grams"),
        ("Cel", "celsius"), ("Hz", "hertz"),
    ]

    @Test(arguments: mainUnitRows)
    func mainUnitIsMappedToItsWord(_ unit: String, _ word: String) {
        let expected = word.isEmpty ? "x" : "x_" + word
        #expect(PrometheusNaming.metricName(name: "x", unit: unit, kind: .sum, isMonotonic: false) == expected)
        #expect(PrometheusNaming.mainUnits[unit] == word)
    }

    @Test func mainUnitMapHasExactlyTheReferenceRows() {
        #expect(PrometheusNaming.mainUnits.count == Self.mainUnitRows.count)
        #expect(PrometheusNaming.perUnits.count == Self.perUnitRows.count)
    }

    /// Every row of the per-unit map (§1.3).
    static let perUnitRows: [(String, String)] = [
        ("s", "second"), ("m", "minute"), ("h", "hour"), ("d", "day"), ("w", "week"), ("mo", "month"), ("y", "year"),
    ]

    @Test(arguments: perUnitRows)
    func perUnitIsMappedToPerWord(_ unit: String, _ word: String) {
        #expect(PrometheusNaming.metricName(name: "x", unit: "By/" + unit, kind: .gauge, isMonotonic: false) == "x_bytes_per_" + word)
        #expect(PrometheusNaming.metricName(name: "x", unit: "1/" + unit, kind: .gauge, isMonotonic: false) == "x_per_" + word)
    }

    /// Edges of the algorithm (§1.1) and the otlptranslator quirks the reference lists in §1.6.
    static let edges: [Case] = [
        // Unknown units pass through, cleaned.
        Case(name: "x", unit: "custom_unit", kind: .gauge, expected: "x_custom_unit"),
        Case(name: "x", unit: "kBy", kind: .gauge, expected: "x_kBy"),                       // §1.6: only KBy is mapped
        Case(name: "x", unit: "By/min", kind: .gauge, expected: "x_bytes_per_min"),           // min not in the per map
        Case(name: "x", unit: "a..b", kind: .gauge, expected: "x_a_b"),                       // unit runs collapse
        Case(name: "x", unit: ".foo", kind: .gauge, expected: "x_foo"),                       // leading `_` stripped
        Case(name: "x", unit: "foo.", kind: .gauge, expected: "x_foo_"),                      // trailing `_` kept without per
        Case(name: "x", unit: "foo./s", kind: .gauge, expected: "x_foo_per_second"),          // …stripped with per
        Case(name: "x", unit: "By/_", kind: .gauge, expected: "x_bytes"),                     // per cleans to `per_` ⇒ dropped
        Case(name: "x", unit: "By/", kind: .gauge, expected: "x_bytes"),                      // empty per
        Case(name: "x", unit: "By/{x}", kind: .gauge, expected: "x_bytes"),                   // annotated per
        Case(name: "x", unit: "{a}b", kind: .gauge, expected: "x"),                           // any brace drops the main unit
        Case(name: "x", unit: " s ", kind: .gauge, expected: "x_seconds"),                    // units are trimmed
        Case(name: "x", unit: "By / s", kind: .gauge, expected: "x_bytes_per_second"),
        Case(name: "x", unit: "\u{00A0}ms", kind: .gauge, expected: "x_milliseconds"),        // Unicode space trimmed (Go TrimSpace)
        Case(name: "x", unit: "s/s/s", kind: .gauge, expected: "x_seconds_per_s_s"),          // split at the first `/` only
        Case(name: "x", unit: "µs", kind: .gauge, expected: "x_s"),                           // non-ASCII unit → `_`, stripped
        // §1.6 quirks.
        Case(name: "rate_per_second", unit: "1/s", kind: .gauge, expected: "rate_per_second_per_second"),
        Case(name: "x", unit: "1/m", kind: .gauge, expected: "x_per_minute"),                 // per `m` = minute
        Case(name: "seconds.elapsed", unit: "s", kind: .gauge, expected: "seconds_elapsed"),  // any token, not only the last
        Case(name: "x", unit: "bytes/bytes", kind: .gauge, expected: "x_bytes_per_bytes"),
        Case(name: "bytes", unit: "bytes/bytes", kind: .gauge, expected: "bytes_per_bytes"),
        // Tokenizing: `_` and every other invalid byte separate; `:` is kept.
        Case(name: "__a..b__c_", unit: "", kind: .gauge, expected: "a_b_c"),
        Case(name: "a:b.c", unit: "", kind: .gauge, expected: "a:b_c"),
        Case(name: "café.latte", unit: "", kind: .gauge, expected: "caf_latte"),
        Case(name: "日本語", unit: "", kind: .gauge, expected: nil),
        Case(name: "___", unit: "", kind: .gauge, expected: nil),
        Case(name: "_", unit: "s", kind: .gauge, expected: "seconds"),
        Case(name: "9", unit: "s", kind: .gauge, expected: "_9_seconds"),
        // `_total`: monotonic sums only, any temporality, every `total` token moved to the end.
        Case(name: "a.total.b.total", unit: "", kind: .sum, monotonic: true, expected: "a_b_total"),
        Case(name: "total", unit: "", kind: .sum, monotonic: true, expected: "total"),
        Case(name: "requests_total", unit: "", kind: .sum, monotonic: false, expected: "requests_total"),
        Case(name: "requests", unit: "", kind: .sum, monotonic: false, expected: "requests"),
        Case(name: "x", unit: "total", kind: .sum, monotonic: true, expected: "x_total"),
        Case(name: "http.server.duration", unit: "s", kind: .sum, monotonic: true, expected: "http_server_duration_seconds_total"),
        Case(name: "requests", unit: "", kind: .histogram, monotonic: true, expected: "requests"),
        Case(name: "requests", unit: "", kind: .summary, expected: "requests"),
        Case(name: "requests", unit: "", kind: .exponentialHistogram, expected: "requests"),
        // `_ratio`: unit exactly "1" and gauges only.
        Case(name: "ratio.cpu", unit: "1", kind: .gauge, expected: "cpu_ratio"),
        Case(name: "cpu_ratio", unit: "1", kind: .gauge, expected: "cpu_ratio"),
        Case(name: "cpu", unit: "1", kind: .sum, monotonic: false, expected: "cpu"),
        Case(name: "cpu", unit: "1", kind: .histogram, expected: "cpu"),
        Case(name: "cpu", unit: "1", kind: .summary, expected: "cpu"),
        Case(name: "cpu", unit: " 1", kind: .gauge, expected: "cpu"),                         // not exactly "1"
        Case(name: "cpu", unit: "1/s", kind: .gauge, expected: "cpu_per_second"),
        Case(name: "duration", unit: "s", kind: .summary, expected: "duration_seconds"),
        Case(name: "duration", unit: "s", kind: .exponentialHistogram, expected: "duration_seconds"),
    ]

    @Test(arguments: edges)
    func edgeCaseFollowsOtlptranslator(_ c: Case) {
        #expect(PrometheusNaming.metricName(name: c.name, unit: c.unit, kind: c.kind, isMonotonic: c.monotonic) == c.expected)
    }

    @Test func deltaMonotonicSumIsStillNamedAsCounter() {
        let arena = ViewArena()
        let view = MetricView(name: arena.bytes("jobs.done"), description: .empty, unit: arena.bytes("{job}"),
                              kind: .sum, temporality: .delta, isMonotonic: true)
        #expect(PrometheusNaming.metricName(view) == "jobs_done_total")
    }

    @Test func metricViewOverloadCopiesBorrowedNameAndUnit() {
        let arena = ViewArena()
        let view = MetricView(name: arena.bytes("http.server.request.duration"), description: .empty, unit: arena.bytes("s"),
                              kind: .histogram, temporality: .cumulative, isMonotonic: false)
        #expect(PrometheusNaming.metricName(view) == "http_server_request_duration_seconds")
    }
}

// MARK: - Label names (§2.1)

@Suite struct PrometheusLabelNameTests {
    static let cases: [(String, String?)] = [
        ("http.method", "http_method"),
        ("a..b", "a_b"),
        ("a__b", "a_b"),
        ("__x", "_x"),
        ("x__", "x_"),
        ("_private", "_private"),
        ("123abc", "key_123abc"),
        ("1.a", "key_1_a"),
        ("9", "key_9"),
        ("a:b", "a_b"),                 // `:` is not valid in label names
        ("a-b c", "a_b_c"),
        ("ALL_CAPS", "ALL_CAPS"),
        ("café", "caf_"),
        ("naïve.key", "na_ve_key"),
        ("ü1", "_1"),                   // the sanitized name starts with `_`, not a digit
        ("emoji😀x", "emoji_x"),
        // `__…__` keeps its wrapper, only the inside is sanitized.
        ("__meta__", "__meta__"),
        ("__a.b__", "__a_b__"),
        ("__a..b__", "__a_b__"),
        ("__1__", "__1__"),             // no `key_` prefix inside a wrapper
        ("__.a__", "___a__"),
        // Nothing left.
        ("", nil),
        ("...", nil),
        ("_", nil),
        ("___", nil),
        ("____", nil),                  // wrapper with an empty inside
        ("__..__", nil),
        ("ключ", nil),
        ("__name__", "__name__"),       // a valid name; labels(from:) drops it (see below)
    ]

    @Test(arguments: cases)
    func keyIsSanitizedToLabelName(_ key: String, _ expected: String?) {
        #expect(PrometheusNaming.labelName(key) == expected)
        let arena = ViewArena()
        #expect(PrometheusNaming.labelName(arena.bytes(key)) == expected)
    }
}

// MARK: - Label values (§2.3)

@Suite struct PrometheusLabelValueTests {
    @Test func everyAttributeValueKindIsStringified() {
        let arena = ViewArena()
        #expect(PrometheusLabels.labelValue(.string(arena.bytes("GET /cart \"x\"\n"))) == "GET /cart \"x\"\n")
        #expect(PrometheusLabels.labelValue(.string(arena.bytes("日本"))) == "日本")
        #expect(PrometheusLabels.labelValue(.string(.empty)) == "")
        #expect(PrometheusLabels.labelValue(.bool(true)) == "true")
        #expect(PrometheusLabels.labelValue(.bool(false)) == "false")
        #expect(PrometheusLabels.labelValue(.int(0)) == "0")
        #expect(PrometheusLabels.labelValue(.int(-42)) == "-42")
        #expect(PrometheusLabels.labelValue(.int(.max)) == "9223372036854775807")
        #expect(PrometheusLabels.labelValue(.int(.min)) == "-9223372036854775808")
        #expect(PrometheusLabels.labelValue(.double(1.5)) == "1.5")
        #expect(PrometheusLabels.labelValue(.double(.nan)) == "NaN")
        #expect(PrometheusLabels.labelValue(.bytes(arena.bytes([0x66, 0x6F, 0x6F]))) == "Zm9v")
        #expect(PrometheusLabels.labelValue(.bytes(.empty)) == "")
        #expect(PrometheusLabels.labelValue(.json(arena.bytes("[\"a\",1,true,{\"k\":\"v\"}]"))) == "[\"a\",1,true,{\"k\":\"v\"}]")
        #expect(PrometheusLabels.labelValue(.json(arena.bytes("{}"))) == "{}")
        #expect(PrometheusLabels.labelValue(.empty) == "")
    }

    /// ECMAScript `Number::toString` (wire reference B.15), not Go `'g'`.
    static let doubles: [(Double, String)] = [
        (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (1.5, "1.5"), (2.5, "2.5"), (10, "10"),
        (123456, "123456"), (1e6, "1000000"), (1234567, "1234567"), (123456.789, "123456.789"),
        (0.1 + 0.2, "0.30000000000000004"), (0.0001, "0.0001"), (0.00001, "0.00001"),
        (1e-6, "0.000001"), (1.5e-6, "0.0000015"), (1e-7, "1e-7"), (-2.5e-7, "-2.5e-7"),
        (1e20, "100000000000000000000"), (1.2345678901234568e20, "123456789012345680000"),
        (1e21, "1e+21"), (1.5e21, "1.5e+21"), (.leastNonzeroMagnitude, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (.infinity, "Infinity"), (-.infinity, "-Infinity"), (.nan, "NaN"),
    ]

    @Test(arguments: doubles)
    func doubleIsSpelledLikeJavaScript(_ value: Double, _ expected: String) {
        #expect(PrometheusLabels.javaScriptNumber(value) == expected)
    }

    static let base64Cases: [([UInt8], String)] = [
        ([], ""), ([0x66], "Zg=="), ([0x66, 0x6F], "Zm8="), ([0x66, 0x6F, 0x6F], "Zm9v"),
        ([0x66, 0x6F, 0x6F, 0x62], "Zm9vYg=="), ([0xFF, 0xFE], "//4="), ([0xFB, 0xEF, 0xBE], "++++"),
        ([0x00, 0x00, 0x00], "AAAA"),
    ]

    @Test(arguments: base64Cases)
    func bytesAreStandardBase64WithPadding(_ bytes: [UInt8], _ expected: String) {
        bytes.withUnsafeBytes { #expect(PrometheusLabels.base64($0) == expected) }
    }
}

// MARK: - Attribute lists, collisions (§2.2)

@Suite struct PrometheusAttributeLabelTests {
    @Test func labelsAreSortedByNameWhateverTheWireOrder() {
        let arena = ViewArena()
        let labels = PrometheusLabels.labels(from: arena.attributes([
            ("zeta", .s("1")), ("alpha", .s("2")), ("Mid", .s("3")), ("_under", .s("4")),
        ]))
        #expect(render(labels) == #"{Mid="3",_under="4",alpha="2",zeta="1"}"#)
    }

    @Test func duplicateKeyKeepsTheLastValue() {
        let arena = ViewArena()
        let labels = PrometheusLabels.labels(from: arena.attributes([
            ("k", .s("first")), ("other", .i(1)), ("k", .s("last")),
        ]))
        #expect(render(labels) == #"{k="last",other="1"}"#)
    }

    @Test func duplicateKeyWithEmptyLastValueRemovesTheLabel() {
        let arena = ViewArena()
        let labels = PrometheusLabels.labels(from: arena.attributes([("k", .s("first")), ("k", .empty)]))
        #expect(labels.isEmpty)
    }

    @Test func collidingKeysAreJoinedInOriginalKeyOrder() {
        let arena = ViewArena()
        // '.' (0x2E) < '_' (0x5F) < 'a': wire order must not matter.
        let labels = PrometheusLabels.labels(from: arena.attributes([
            ("a_b", .s("underscore")), ("a.b", .s("dot")), ("a-b", .s("dash")), ("c", .s("x")),
        ]))
        #expect(render(labels) == #"{a_b="dash;dot;underscore",c="x"}"#)   // '-' 0x2D < '.' 0x2E
    }

    @Test func collisionOrderIsBytewiseNotSwiftStringOrder() {
        let arena = ViewArena()
        // Both keys become `x_`. Bytewise "x.\u{301}\u{327}" (2E CC 81) < "x.\u{302}" (2E CC 82), but
        // Swift's `String <` compares the NFC forms (U+0327 U+0301 vs U+0302) and says the opposite.
        let labels = PrometheusLabels.labels(from: arena.attributes([
            ("x.\u{302}", .s("second")), ("x.\u{301}\u{327}", .s("first")), ("x\u{FF}", .s("third")),
        ]))
        #expect(render(labels) == #"{x_="first;second;third"}"#)
    }

    @Test func canonicallyEquivalentKeysAreDistinctAttributes() {
        let arena = ViewArena()
        // "x\u{E9}" == "xe\u{301}" as Swift Strings, but they are different OTLP keys: no last-wins.
        let labels = PrometheusLabels.labels(from: arena.attributes([("x\u{E9}", .s("1")), ("xe\u{301}", .s("2"))]))
        #expect(render(labels) == #"{x_="1",xe_="2"}"#)
    }

    @Test func emptyValuesAreOmittedAndDoNotJoin() {
        let arena = ViewArena()
        let labels = PrometheusLabels.labels(from: arena.attributes([
            ("a.b", .s("")), ("a_b", .s("kept")), ("e", .empty), ("bytes", .bytes([])), ("s", .s("")),
        ]))
        #expect(render(labels) == #"{a_b="kept"}"#)
    }

    @Test func keysThatCannotBeLabelsAreDropped() {
        let arena = ViewArena()
        let labels = PrometheusLabels.labels(from: arena.attributes([
            ("...", .s("1")), ("____", .s("2")), ("ключ", .s("3")), ("ok", .s("4")), ("__name__", .s("evil")),
        ]))
        #expect(render(labels) == #"{ok="4"}"#)
    }

    @Test func everyValueKindBecomesALabel() {
        let arena = ViewArena()
        let labels = PrometheusLabels.labels(from: arena.attributes([
            ("s", .s("str")), ("b", .b(true)), ("i", .i(-7)), ("d", .d(1e-7)),
            ("y", .bytes([1, 2, 3])), ("j", .json("[1,\"a\"]")), ("e", .empty),
        ]))
        #expect(render(labels) == #"{b="true",d="1e-7",i="-7",j="[1,"a"]",s="str",y="AQID"}"#)
    }
}

// MARK: - Resource: job, instance, target_info (§3.2, §3.3)

@Suite struct PrometheusResourceTests {
    @Test func jobIsNamespaceSlashName() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([
            ("service.name", .s("checkout")), ("service.namespace", .s("shop")), ("service.instance.id", .s("pod-1")),
        ]))
        #expect(r.job == "shop/checkout")
        #expect(r.instance == "pod-1")
        #expect(render(r.identifying) == #"{instance="pod-1",job="shop/checkout"}"#)
    }

    @Test func jobIsServiceNameWithoutNamespace() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([("service.name", .s("api")), ("service.namespace", .s(""))]))
        #expect(r.job == "api")
        #expect(r.instance == nil)
        #expect(render(r.identifying) == #"{job="api"}"#)
    }

    @Test func namespaceWithoutServiceNameGivesNoJob() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([("service.namespace", .s("shop")), ("service.instance.id", .s("i"))]))
        #expect(r.job == nil)
        #expect(render(r.identifying) == #"{instance="i"}"#)
    }

    @Test func emptyServiceNameGivesNoJob() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([("service.name", .s("")), ("service.namespace", .s("shop"))]))
        #expect(r.job == nil)
        #expect(r.identifying.isEmpty)
    }

    @Test func unknownServiceNameIsKeptVerbatim() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([("service.name", .s("unknown_service:python"))]))
        #expect(r.job == "unknown_service:python")
    }

    @Test func nonStringServiceAttributesAreStringified() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([("service.name", .i(42)), ("service.instance.id", .b(true))]))
        #expect(r.job == "42")
        #expect(r.instance == "true")
    }

    @Test func duplicateServiceNameKeepsTheLast() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([("service.name", .s("old")), ("service.name", .s("new"))]))
        #expect(r.job == "new")
    }

    @Test func targetInfoHasOtherAttributesPlusJobAndInstance() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([
            ("service.name", .s("checkout")), ("service.namespace", .s("shop")), ("service.instance.id", .s("pod-7f9c")),
            ("host.cpu.count", .i(8)), ("host.name", .s("h1")), ("host_name", .s("h2")), ("empty", .s("")),
        ]))
        #expect(render(r.otherAttributes) == #"{host_cpu_count="8",host_name="h1;h2"}"#)
        #expect(r.targetInfoLabels().map(render) == #"{host_cpu_count="8",host_name="h1;h2",instance="pod-7f9c",job="shop/checkout"}"#)
    }

    @Test func derivedJobWinsOverAResourceAttributeNamedJob() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([
            ("service.name", .s("api")), ("job", .s("forged")), ("instance", .s("forged-too")), ("region", .s("eu")),
        ]))
        // `instance` is not derived here (no service.instance.id), so the attribute stays.
        #expect(r.targetInfoLabels().map(render) == #"{instance="forged-too",job="api",region="eu"}"#)
    }

    @Test func targetInfoIsOmittedWithoutJobAndInstance() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([("host.name", .s("h")), ("service.namespace", .s("shop"))]))
        #expect(r.targetInfoLabels() == nil)
    }

    @Test func targetInfoIsOmittedWithoutOtherAttributes() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([
            ("service.name", .s("api")), ("service.instance.id", .s("i")), ("empty", .empty), ("job", .s("shadowed")),
        ]))
        #expect(r.targetInfoLabels() == nil)
        #expect(PrometheusResourceLabels.none.targetInfoLabels() == nil)
    }

    @Test func targetInfoWithOnlyInstanceIsEmitted() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([("service.instance.id", .s("i")), ("os.type", .s("linux"))]))
        #expect(r.targetInfoLabels().map(render) == #"{instance="i",os_type="linux"}"#)
    }

    @Test func extraLabelsWinOnTargetInfo() {
        let arena = ViewArena()
        let r = PrometheusResourceLabels(attributes: arena.attributes([
            ("service.name", .s("api")), ("tenant", .s("forged")), ("os.type", .s("linux")),
        ]))
        let extra = [PrometheusLabel(name: "tenant", value: "acme")]
        #expect(r.targetInfoLabels(extraLabels: extra).map(render) == #"{job="api",os_type="linux",tenant="acme"}"#)
    }

    @Test func resourceViewInitializerReadsTheAttributes() {
        let arena = ViewArena()
        let view = ResourceView(attributes: arena.attributes([("service.name", .s("a"))]), schemaURL: arena.bytes("https://x"))
        #expect(PrometheusResourceLabels(view) == PrometheusResourceLabels(job: "a", instance: nil, otherAttributes: []))
    }
}

// MARK: - Scope (§3.1)

@Suite struct PrometheusScopeTests {
    @Test func scopeNameVersionAndSchemaURLBecomeLabels() {
        let arena = ViewArena()
        let s = PrometheusScopeLabels(ScopeView(name: arena.bytes("io.otel.http"), version: arena.bytes("1.0.0"),
                                                attributes: arena.attributes([]), schemaURL: arena.bytes("https://opentelemetry.io/schemas/1.26.0")))
        #expect(render(s.labels) == #"{otel_scope_name="io.otel.http",otel_scope_schema_url="https://opentelemetry.io/schemas/1.26.0",otel_scope_version="1.0.0"}"#)
    }

    @Test func emptyScopeFieldsAreOmitted() {
        let arena = ViewArena()
        let s = PrometheusScopeLabels(ScopeView(name: .empty, version: arena.bytes("2"), attributes: arena.attributes([])))
        #expect(render(s.labels) == #"{otel_scope_version="2"}"#)
    }

    @Test func scopeAttributesArePrefixedAndSanitized() {
        let arena = ViewArena()
        let s = PrometheusScopeLabels(ScopeView(name: arena.bytes("lib"), version: .empty, attributes: arena.attributes([
            ("library.mode", .s("fast")), ("1st", .i(1)), ("__x__", .b(false)), ("a.b", .s("1")), ("a_b", .s("2")),
        ])))
        #expect(render(s.labels) == #"{otel_scope_1st="1",otel_scope_a_b="1;2",otel_scope_library_mode="fast",otel_scope_name="lib",otel_scope_x_="false"}"#)
    }

    @Test func scopeAttributesCollidingWithFixedNamesAreDropped() {
        let arena = ViewArena()
        let s = PrometheusScopeLabels(ScopeView(name: arena.bytes("real"), version: .empty, attributes: arena.attributes([
            ("name", .s("fake")), ("version", .s("fake")), ("schema.url", .s("fake")), ("schema_url", .s("fake")), ("kept", .s("k")),
        ])))
        // `otel_scope_version` stays absent although its fixed value is empty.
        #expect(render(s.labels) == #"{otel_scope_kept="k",otel_scope_name="real"}"#)
    }

    @Test func noneHasNoLabels() {
        #expect(PrometheusScopeLabels.none.labels.isEmpty)
    }
}

// MARK: - Series label sets

@Suite struct PrometheusSeriesLabelTests {
    fileprivate static func context(_ arena: ViewArena) -> (PrometheusResourceLabels, PrometheusScopeLabels) {
        let resource = PrometheusResourceLabels(attributes: arena.attributes([
            ("service.name", .s("api")), ("service.instance.id", .s("i-1")), ("region", .s("eu")),
        ]))
        let scope = PrometheusScopeLabels(ScopeView(name: arena.bytes("lib"), version: arena.bytes("1"), attributes: arena.attributes([])))
        return (resource, scope)
    }

    @Test func seriesHasJobInstanceScopeAndPointLabelsSorted() {
        let arena = ViewArena()
        let (resource, scope) = Self.context(arena)
        let labels = PrometheusLabels.seriesLabels(resource: resource, scope: scope,
                                                   attributes: arena.attributes([("http.route", .s("/a")), ("code", .i(200))]), kind: .sum)
        #expect(render(labels) == #"{code="200",http_route="/a",instance="i-1",job="api",otel_scope_name="lib",otel_scope_version="1"}"#)
    }

    @Test func resourceOnlyAttributesAreNotCopiedOntoSeries() {
        let arena = ViewArena()
        let (resource, scope) = Self.context(arena)
        let labels = PrometheusLabels.seriesLabels(resource: resource, scope: scope, attributes: arena.attributes([]), kind: .gauge)
        #expect(!labels.contains { $0.name == "region" })
    }

    @Test func pointAttributeCannotOverrideJobInstanceOrScope() {
        let arena = ViewArena()
        let (resource, scope) = Self.context(arena)
        let labels = PrometheusLabels.seriesLabels(resource: resource, scope: scope, attributes: arena.attributes([
            ("job", .s("forged")), ("instance", .s("forged")), ("otel.scope.name", .s("forged")), ("otel_scope_version", .s("forged")),
        ]), kind: .gauge)
        #expect(render(labels) == #"{instance="i-1",job="api",otel_scope_name="lib",otel_scope_version="1"}"#)
    }

    @Test func pointJobSurvivesWhenResourceHasNone() {
        let arena = ViewArena()
        let labels = PrometheusLabels.seriesLabels(resource: .none, scope: .none,
                                                   attributes: arena.attributes([("job", .s("own"))]), kind: .gauge)
        #expect(render(labels) == #"{job="own"}"#)
    }

    @Test func extraLabelsWinOverEverything() {
        let arena = ViewArena()
        let (resource, scope) = Self.context(arena)
        let extra = [PrometheusLabel(name: "tenant", value: "acme"), PrometheusLabel(name: "job", value: "override"),
                     PrometheusLabel(name: "empty", value: "")]
        let labels = PrometheusLabels.seriesLabels(resource: resource, scope: scope,
                                                   attributes: arena.attributes([("tenant", .s("forged"))]), kind: .gauge, extraLabels: extra)
        #expect(render(labels) == #"{instance="i-1",job="override",otel_scope_name="lib",otel_scope_version="1",tenant="acme"}"#)
    }

    @Test(arguments: [(MetricKind.histogram, "le"), (.exponentialHistogram, "le"), (.summary, "quantile")])
    func renderersReservedLabelIsDroppedFromPoints(_ kind: MetricKind, _ reserved: String) {
        let arena = ViewArena()
        let labels = PrometheusLabels.seriesLabels(resource: .none, scope: .none,
                                                   attributes: arena.attributes([("le", .s("1")), ("quantile", .s("2")), ("k", .s("v"))]), kind: kind)
        #expect(!labels.contains { $0.name == reserved })
        #expect(labels.contains { $0.name == "k" })
    }

    @Test(arguments: [MetricKind.gauge, .sum])
    func leAndQuantileAreOrdinaryLabelsOnGaugesAndSums(_ kind: MetricKind) {
        let arena = ViewArena()
        let labels = PrometheusLabels.seriesLabels(resource: .none, scope: .none,
                                                   attributes: arena.attributes([("le", .s("1")), ("quantile", .s("2"))]), kind: kind)
        #expect(render(labels) == #"{le="1",quantile="2"}"#)
    }

    @Test func overlayMergesSortedListsWithTopWinning() {
        let base = [PrometheusLabel(name: "a", value: "1"), PrometheusLabel(name: "c", value: "3"), PrometheusLabel(name: "e", value: "5")]
        let top = [PrometheusLabel(name: "b", value: "B"), PrometheusLabel(name: "c", value: "C"), PrometheusLabel(name: "f", value: "F")]
        #expect(render(PrometheusLabels.overlay(base, top)) == #"{a="1",b="B",c="C",e="5",f="F"}"#)
        #expect(PrometheusLabels.overlay([], top) == top)
        #expect(PrometheusLabels.overlay(base, []) == base)
    }

    @Test func canonicalSortsDeduplicatesLastWinsAndDropsEmpty() {
        let labels = [PrometheusLabel(name: "b", value: "1"), PrometheusLabel(name: "a", value: "x"),
                      PrometheusLabel(name: "b", value: "2"), PrometheusLabel(name: "z", value: "")]
        #expect(render(PrometheusLabels.canonical(labels)) == #"{a="x",b="2"}"#)
    }
}

// MARK: - Worked examples through the real decoders

@Suite struct PrometheusWorkedExampleTests {
    /// otlp-http.md §7.4, verbatim.
    static let request = #"""
    {
      "resourceMetrics": [
        {
          "resource": {
            "attributes": [
              { "key": "service.name",        "value": { "stringValue": "checkout" } },
              { "key": "service.namespace",   "value": { "stringValue": "shop" } },
              { "key": "service.instance.id", "value": { "stringValue": "pod-7f9c" } },
              { "key": "host.cpu.count",      "value": { "intValue": "8" } }
            ]
          },
          "scopeMetrics": [
            {
              "scope": { "name": "checkout.instrumentation", "version": "2.3.1" },
              "metrics": [
                {
                  "name": "http.server.requests",
                  "description": "Handled HTTP requests.",
                  "unit": "{request}",
                  "sum": {
                    "aggregationTemporality": 2,
                    "isMonotonic": true,
                    "dataPoints": [
                      {
                        "attributes": [
                          { "key": "http.route", "value": { "stringValue": "/cart" } },
                          { "key": "http.response.status_code", "value": { "intValue": "200" } }
                        ],
                        "startTimeUnixNano": "1767225600000000000",
                        "timeUnixNano": "1767225660000000000",
                        "asInt": "1342"
                      }
                    ]
                  }
                },
                {
                  "name": "http.server.request.duration",
                  "description": "Request latency.",
                  "unit": "s",
                  "histogram": {
                    "aggregationTemporality": 2,
                    "dataPoints": [
                      {
                        "attributes": [
                          { "key": "http.route", "value": { "stringValue": "/cart" } }
                        ],
                        "startTimeUnixNano": "1767225600000000000",
                        "timeUnixNano": "1767225660000000000",
                        "count": "10",
                        "sum": 1.85,
                        "bucketCounts": ["2", "5", "2", "1"],
                        "explicitBounds": [0.05, 0.1, 0.5],
                        "min": 0.012,
                        "max": 0.74,
                        "exemplars": [
                          {
                            "timeUnixNano": "1767225655500000000",
                            "asDouble": 0.74,
                            "traceId": "5b8efff798038103d269b633813fc60c",
                            "spanId": "eee19b7ec3c1b174"
                          }
                        ]
                      }
                    ]
                  }
                }
              ]
            }
          ]
        }
      ]
    }
    """#

    @Test func section9LabelSetsAndNamesAreReproduced() throws {
        let sink = TranslatingSink()
        var payload = Array(Self.request.utf8)
        _ = try payload.withUnsafeMutableBytes { try OTLPJSONDecoder().decode(UnsafeRawBufferPointer($0), context: RequestContext(encoding: .json), into: sink) }
        // prometheus-compat.md §9 (text 0.0.4), series identities without `le` and values.
        #expect(sink.targetInfo == [#"target_info{host_cpu_count="8",instance="pod-7f9c",job="shop/checkout"}"#])
        #expect(sink.series == [
            #"http_server_requests_total{http_response_status_code="200",http_route="/cart",instance="pod-7f9c",job="shop/checkout",otel_scope_name="checkout.instrumentation",otel_scope_version="2.3.1"}"#,
            #"http_server_request_duration_seconds{http_route="/cart",instance="pod-7f9c",job="shop/checkout",otel_scope_name="checkout.instrumentation",otel_scope_version="2.3.1"}"#,
        ])
    }

    /// Tests/Fixtures/otlp/README.md: "As Prometheus text: `http_server_request_count_total`,
    /// `http_server_request_duration_seconds_{bucket,sum,count}`, `job="shop/checkout-api"`,
    /// `instance=<service.instance.id>`, plus one `target_info`".
    @Test func httpServerFixtureTranslatesAsItsReadmeSays() throws {
        let payload = try ShardPipeline.payload(ShardPipeline.httpServerFixtures.appendingPathComponent("metrics_small.pb"))
        let sink = TranslatingSink()
        let summary = try payload.withUnsafeBytes {
            try OTLPProtobufDecoder().decode($0, context: RequestContext(encoding: .protobuf), into: sink)
        }
        #expect(summary.acceptedPoints == 100)
        #expect(Set(sink.names) == ["http_server_request_count_total", "http_server_request_duration_seconds"])
        #expect(sink.targetInfo == [
            #"target_info{deployment_environment_name="bench",host_arch="amd64",host_name="bench-host-01",instance="d727fa31-2db5-4a50-a10d-76aff04dcdee",job="shop/checkout-api",os_type="linux",service_version="1.4.2",telemetry_sdk_language="python",telemetry_sdk_name="opentelemetry",telemetry_sdk_version="1.29.0"}"#,
        ])
        #expect(sink.series.count == 100)
        #expect(Set(sink.series).count == 100)
        let labelNames = Set(sink.labelSets.map { $0.map(\.name) })
        #expect(labelNames == [["http_request_method", "http_response_status_code", "http_route", "instance", "job",
                                "otel_scope_name", "otel_scope_version", "server_address"]])
        #expect(sink.labelSets.allSatisfy { $0.contains(PrometheusLabel(name: "job", value: "shop/checkout-api")) })
    }
}

// MARK: - Helpers

/// `{a="1",b="2"}` (unescaped: test values contain no `\`, `"` or newline unless a test says so).
private func render(_ labels: [PrometheusLabel]) -> String {
    "{" + labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",") + "}"
}

/// Translates as the series table will: resource and scope once, names per metric, labels per point.
private final class TranslatingSink: MetricsSink {
    var resource = PrometheusResourceLabels.none
    var scope = PrometheusScopeLabels.none
    var metricName: String? = nil
    var kind = MetricKind.gauge
    var names: [String] = []
    var targetInfo: [String] = []
    var series: [String] = []
    var labelSets: [[PrometheusLabel]] = []

    func beginRequest(_ context: RequestContext) {}
    func resource(_ resource: ResourceView) {
        self.resource = PrometheusResourceLabels(resource)
        if let labels = self.resource.targetInfoLabels() { targetInfo.append("target_info" + render(labels)) }
    }
    func scope(_ scope: ScopeView) { self.scope = PrometheusScopeLabels(scope) }
    func metric(_ metric: MetricView) {
        metricName = PrometheusNaming.metricName(metric)
        kind = metric.kind
        if let metricName { names.append(metricName) }
    }
    func point(_ common: PointCommon) {
        let labels = PrometheusLabels.seriesLabels(resource: resource, scope: scope, attributes: common.attributes, kind: kind)
        labelSets.append(labels)
        series.append((metricName ?? "<dropped>") + render(labels))
    }
    func numberPoint(_ point: NumberPointView) { self.point(point.common) }
    func histogramPoint(_ point: HistogramPointView) { self.point(point.common) }
    func exponentialHistogramPoint(_ point: ExponentialHistogramPointView) { self.point(point.common) }
    func summaryPoint(_ point: SummaryPointView) { self.point(point.common) }
    func endRequest(committed: Bool) {}
}

/// Owns the memory behind hand-made borrowed views (`ByteView`, `Attributes`) for one test.
private final class ViewArena {
    enum Value {
        case s(String), b(Bool), i(Int64), d(Double), bytes([UInt8]), json(String), empty
    }

    private var byteBlocks: [UnsafeMutableRawPointer] = []
    private var attributeBlocks: [UnsafeMutableBufferPointer<Attribute>] = []

    deinit {
        for block in byteBlocks { block.deallocate() }
        for block in attributeBlocks { block.deallocate() }
    }

    func bytes(_ s: String) -> ByteView { bytes(Array(s.utf8)) }

    func bytes(_ b: [UInt8]) -> ByteView {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(b.count, 1), alignment: 1)
        b.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: b.count) }
        byteBlocks.append(p)
        return ByteView(base: UnsafeRawPointer(p), count: b.count)
    }

    func attributes(_ pairs: [(String, Value)]) -> Attributes {
        let block = UnsafeMutableBufferPointer<Attribute>.allocate(capacity: max(pairs.count, 1))
        for (i, (key, value)) in pairs.enumerated() {
            let v: AttributeValue = switch value {
            case .s(let s): .string(bytes(s))
            case .b(let b): .bool(b)
            case .i(let i): .int(i)
            case .d(let d): .double(d)
            case .bytes(let b): .bytes(bytes(b))
            case .json(let j): .json(bytes(j))
            case .empty: .empty
            }
            (block.baseAddress! + i).initialize(to: Attribute(key: bytes(key), value: v))
        }
        attributeBlocks.append(block)
        return Attributes(start: block.baseAddress, count: pairs.count)
    }
}
