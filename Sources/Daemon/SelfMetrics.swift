import Exposition
import HTTP
import Primitives

/// Registers the daemon's own metrics: build info, process metrics and the HTTP server's.
func registerSelfMetrics(_ registry: MetricsRegistry, server: HTTPServer) {
    registry.gauge("slod_build_info", help: "A metric with constant value 1, labelled with the version of slod.",
                   labels: [("version", SlodVersion.version)]).set(1)
    registerProcessMetrics(registry)
    let m = server.metrics
    registry.register { w in
        w.family("slod_http_requests_total", type: .counter, help: "HTTP requests answered, by handler and status code.")
        for (h, handler) in m.handlers.enumerated() {
            for (slot, counter) in m.requests[h].enumerated() {
                let v = counter.value
                if v == 0 { continue }
                w.sample("slod_http_requests_total", labels: [("handler", handler), ("code", HTTPServerMetrics.codeLabel(slot: slot))], value: v)
            }
        }
        w.family("slod_http_request_duration_seconds", type: .histogram, help: "Time from the first byte of a request to its response being queued, by handler.")
        for (h, handler) in m.handlers.enumerated() {
            let snap = m.durations[h].snapshot()
            if snap.count == 0 { continue }
            w.histogram("slod_http_request_duration_seconds", labels: [("handler", handler)], snapshot: snap)
        }
        w.family("slod_http_connections_open", type: .gauge, help: "HTTP connections currently open.")
        w.sample("slod_http_connections_open", value: m.connectionsOpen.value)
        w.family("slod_http_connections_accepted_total", type: .counter, help: "HTTP connections accepted (including refused ones).")
        w.sample("slod_http_connections_accepted_total", value: m.connectionsAccepted.value)
        w.family("slod_http_connections_refused_total", type: .counter, help: "HTTP connections refused because max_connections was reached.")
        w.sample("slod_http_connections_refused_total", value: m.connectionsRefused.value)
        w.family("slod_http_limit_rejections_total", type: .counter, help: "Requests or connections rejected by a server limit or timeout, by reason.")
        for (i, reason) in HTTPServerMetrics.limitReasons.enumerated() {
            w.sample("slod_http_limit_rejections_total", labels: [("reason", reason)], value: m.limitRejections[i].value)
        }
    }
}
