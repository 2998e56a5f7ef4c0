import Aggregation
import Exposition
import HTTP
import OTLP
import Platform

/// The daemon's HTTP endpoints (Prometheus conventions for health and readiness).
struct Endpoints: Sendable {
    let registry: MetricsRegistry
    let ready: ReadyFlag
    let reloader: Reloader
    let receiver: OTLPReceiver
    let runtime: ShardRuntime

    func router() -> HTTPRouter {
        var b = HTTPRouterBuilder()
        receiver.register(on: &b)
        b.add("/-/healthy", methods: [.get]) { _, _ in
            .response(.text(.ok, "slod is healthy\n"))
        }
        let ready = self.ready
        b.add("/-/ready", methods: [.get]) { _, _ in
            ready.isReady ? .response(.text(.ok, "slod is ready\n"))
                : .response(.text(.serviceUnavailable, "slod is not ready\n"))
        }
        let registry = self.registry
        let runtime = self.runtime
        // Self-metrics, then the ingested families gathered from every shard (each family's
        // samples contiguous). Text format 0.0.4; the response waits for the shards' snapshots.
        b.add("/metrics", methods: [.get]) { request, responder in
            let gzip = acceptsGzip(request.header("Accept-Encoding"))
            runtime.snapshot { parts in
                var out: [UInt8] = []
                out.reserveCapacity(1 << 16)
                registry.render(into: &out)
                FamilyRenderer.render(parts: parts, format: .text004, into: &out)
                if gzip {
                    responder.respond(HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                                   headers: [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")],
                                                   body: .bytes(Deflater.gzip(out))))
                } else {
                    responder.respond(HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                                   headers: [("Vary", "Accept-Encoding")], body: .bytes(out)))
                }
            }
            return .deferred
        }
        let reloader = self.reloader
        // Prometheus convention: POST /-/reload. The body, if any, is read and ignored. The
        // file is read on the reload queue and the response is sent when it is done.
        b.add("/-/reload", methods: [.post, .put]) { _, responder in
            reloader.reloadAsync { outcome in
                switch outcome {
                case .reloaded(let restart):
                    responder.respond(restart.isEmpty ? .text(.ok, "reloaded\n")
                        : .text(.ok, message: "reloaded; restart needed for: \(restart.joined(separator: ", "))\n"))
                case .failed(let errors):
                    responder.respond(.text(.internalServerError, message: "reload failed; running configuration kept:\n\(errors)\n"))
                }
            }
            return .deferred
        }
        return b.build()
    }
}

/// Whether an `Accept-Encoding` value accepts gzip (a `gzip` or `*` coding with q > 0).
func acceptsGzip(_ value: String?) -> Bool {
    guard let value else { return false }
    for part in value.split(separator: ",") {
        let fields = part.split(separator: ";").map { String($0.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
        guard let coding = fields.first?.lowercased(), coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
        let q = fields.dropFirst().first { $0.lowercased().hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
        if q > 0 { return true }
    }
    return false
}
