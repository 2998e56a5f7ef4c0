import Aggregation
import Alerting
import Exposition
import HTTP
import OTLP
import Platform
import UI

/// The daemon's HTTP endpoints (Prometheus conventions for health and readiness).
struct Endpoints: Sendable {
    let metrics: MetricsEndpoint
    let ready: ReadyFlag
    let reloader: Reloader
    let receiver: OTLPReceiver
    let slo: SLOService

    /// `registry`: the self-metrics, served first on `/metrics` (the scrape metrics are added to
    /// it here); `runtime`: the shards whose families follow them; `slo`: the SLO series, last.
    init(registry: MetricsRegistry, ready: ReadyFlag, reloader: Reloader, receiver: OTLPReceiver, runtime: ShardRuntime<AggregatorShard>,
         slo: SLOService) {
        self.metrics = MetricsEndpoint(page: MetricsPage(registry: registry), snapshot: { done in
            runtime.snapshot { parts in done(slo.isEmpty ? parts : parts + [slo.families()]) }
        })
        self.ready = ready
        self.reloader = reloader
        self.receiver = receiver
        self.slo = slo
    }

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
        // Self-metrics, then the ingested families gathered from every shard, as text 0.0.4 or
        // OpenMetrics by Accept, gzip by Accept-Encoding; the response waits for the snapshots.
        let metrics = self.metrics
        b.add("/metrics", methods: [.get]) { request, responder in
            metrics.handle(request, responder)
        }
        // SLO status as JSON: every instance, or those of one SLO (`/api/v1/slos/SERVICE/NAME`).
        let slo = self.slo
        b.add("/api/v1/slos", methods: [.get]) { _, _ in
            .response(Self.json(slo.snapshot?.json() ?? Array(#"{"slos":[]}"#.utf8)))
        }
        b.add("/api/v1/slos/", methods: [.get], name: "/api/v1/slos/{service}/{name}", subpaths: true) { request, _ in
            let rest = request.pathString.dropFirst("/api/v1/slos/".count).split(separator: "/", omittingEmptySubsequences: false)
            guard rest.count == 2, !rest[0].isEmpty, !rest[1].isEmpty else {
                return .response(.text(.notFound, "not found: expected /api/v1/slos/SERVICE/NAME\n"))
            }
            let service = String(rest[0]), name = String(rest[1])
            guard slo.specs.contains(where: { $0.service == service && $0.name == name }) else {
                return .response(.text(.notFound, message: "no SLO \(name) in service \(service)\n"))
            }
            return .response(Self.json(slo.snapshot?.json(service: service, name: name) ?? Array(#"{"slos":[]}"#.utf8)))
        }
        // The built-in pages (issue 17): the SLO list at `/` and `/ui/`, filtered by the query.
        b.add("/", methods: [.get]) { request, _ in
            .response(Self.sloList(request, slo: slo))
        }
        b.add("/ui/", methods: [.get]) { request, _ in
            .response(Self.sloList(request, slo: slo))
        }
        b.add("/ui/slo/", methods: [.get], name: "/ui/slo/{service}/{name}", subpaths: true) { request, _ in
            .response(Self.sloPage(request, slo: slo))
        }
        b.add("/ui/alerts", methods: [.get]) { _, _ in
            .response(HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", headers: UIRoutes.securityHeaders,
                                   body: .bytes(AlertsPage(snapshot: slo.snapshot ?? .empty, alerts: slo.alerts,
                                                          history: slo.alertHistory).render())))
        }
        b.add("/ui/style.css", methods: [.get]) { _, _ in
            .response(HTTPResponse(status: .ok, contentType: "text/css; charset=utf-8",
                                   headers: [("X-Content-Type-Options", "nosniff"), ("Cache-Control", "max-age=3600")],
                                   body: .text(Stylesheet.css)))
        }
        // Active alerts, shaped like Prometheus' /api/v1/alerts.
        b.add("/api/v1/alerts", methods: [.get]) { _, _ in
            .response(Self.json(Alert.json(slo.alerts)))
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

    /// The SLO list for the request's query; a query it cannot use is a `400` page naming the
    /// parameter.
    static func sloList(_ request: HTTPRequest, slo: SLOService) -> HTTPResponse {
        let queryText = Substring(String(decoding: request.query, as: UTF8.self))
        let body: [UInt8], status: HTTPStatus
        do throws(QueryError) {
            let query = try SLOListQuery(parsing: queryText)
            body = SLOListPage(snapshot: slo.snapshot ?? .empty, alerts: slo.alerts, query: query).render()
            status = .ok
        } catch {
            body = SLOListPage.errorPage("Cannot show this list: \(error.description).")
            status = .badRequest
        }
        return HTTPResponse(status: status, contentType: "text/html; charset=utf-8", headers: UIRoutes.securityHeaders, body: .bytes(body))
    }

    /// One SLO instance's page: 404 for an unknown SLO or an instance not made yet, 400 for a
    /// query naming no group label of the SLO.
    static func sloPage(_ request: HTTPRequest, slo: SLOService) -> HTTPResponse {
        let rest = request.pathString.dropFirst("/ui/slo/".count).split(separator: "/", omittingEmptySubsequences: false)
        let body: [UInt8], status: HTTPStatus
        if rest.count == 2, !rest[0].isEmpty, !rest[1].isEmpty {
            let queryText = Substring(String(decoding: request.query, as: UTF8.self))
            do throws(QueryError) {
                switch try SLOPage.locate(snapshot: slo.snapshot ?? .empty, alerts: slo.alerts, service: String(rest[0]), name: String(rest[1]),
                                          query: queryText) {
                case .instance(let page):
                    (body, status) = (page.render(), .ok)
                case .noInstance(let service, let name, let groupValues):
                    (body, status) = (SLOPage.noInstancePage(service: service, name: name, groupValues: groupValues), .notFound)
                case .noSLO:
                    (body, status) = (SLOListPage.errorPage("No SLO \(rest[1]) in service \(rest[0])."), .notFound)
                }
            } catch {
                (body, status) = (SLOListPage.errorPage("Cannot show this SLO: \(error.description)."), .badRequest)
            }
        } else {
            (body, status) = (SLOListPage.errorPage("Not found: expected /ui/slo/SERVICE/NAME."), .notFound)
        }
        return HTTPResponse(status: status, contentType: "text/html; charset=utf-8", headers: UIRoutes.securityHeaders, body: .bytes(body))
    }

    static func json(_ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "application/json", body: .bytes(body))
    }
}
