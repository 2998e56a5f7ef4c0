import Primitives

/// The HTTP server's self-metrics. Instruments are created once, before the loops start, so
/// recording is a relaxed atomic add with no lookup by string and no allocation.
public final class HTTPServerMetrics: Sendable {
    /// Status codes with their own series; anything else is counted under its class ("2xx", …).
    public static let trackedCodes: [Int] = [200, 202, 204, 400, 404, 405, 408, 411, 413, 414, 415, 417, 429, 431, 500, 501, 503, 505]
    /// Why the server refused a request or connection before any handler ran.
    public static let limitReasons: [String] = [
        "request_line", "header_bytes", "header_count", "body_bytes", "syntax", "version",
        "length_required", "transfer_coding", "expect", "header_timeout", "body_timeout", "write_timeout", "max_connections",
        "body_memory",
    ]

    /// Handler label values: route names, then "none" (no route matched or the request was invalid).
    public let handlers: [String]
    /// requests[handler][codeSlot]; code slots are `trackedCodes` then the classes 1xx…5xx.
    public let requests: [[Counter]]
    public let durations: [Histogram]
    public let connectionsOpen = Gauge()
    public let connectionsAccepted = Counter()
    public let connectionsRefused = Counter()
    public let limitRejections: [Counter]
    let codeSlot: [Int]

    public init(routeNames: [String]) {
        handlers = routeNames + ["none"]
        let slots = Self.trackedCodes.count + 5
        requests = handlers.map { _ in (0..<slots).map { _ in Counter() } }
        durations = handlers.map { _ in Histogram(bounds: Histogram.defaultBounds) }
        limitRejections = Self.limitReasons.map { _ in Counter() }
        var table = [Int](repeating: -1, count: 600)
        for code in 100..<600 {
            table[code] = Self.trackedCodes.firstIndex(of: code) ?? (Self.trackedCodes.count + code / 100 - 1)
        }
        codeSlot = table
    }

    /// The `code` label of slot `i`.
    public static func codeLabel(slot i: Int) -> String {
        i < trackedCodes.count ? String(trackedCodes[i]) : "\(i - trackedCodes.count + 1)xx"
    }

    @inline(__always) func recordRequest(handler: Int, code: Int, seconds: Double) {
        let h = min(handler, handlers.count - 1)
        let slot = (code >= 100 && code < 600) ? codeSlot[code] : codeSlot[500]
        requests[h][slot].add(1)
        durations[h].observe(seconds)
    }

    @inline(__always) func recordLimit(_ reason: StaticString) {
        let r = reason.description
        if let i = Self.limitReasons.firstIndex(of: r) { limitRejections[i].add(1) }
    }
}
