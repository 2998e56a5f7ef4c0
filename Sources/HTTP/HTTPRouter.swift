import Primitives

/// How a handler answers: now, or later through the `HTTPResponder` it was given.
public enum HTTPHandlerResult: Sendable {
    case response(HTTPResponse)
    /// The handler keeps the responder and calls `respond` exactly once, from any thread. Until
    /// then the connection reads nothing more and the request's bytes stay valid.
    case deferred
}

/// A request handler. Runs on the event loop thread: it must not block.
public typealias HTTPHandler = @Sendable (HTTPRequest, HTTPResponder) -> HTTPHandlerResult

/// Routes (method, exact path) to handlers. Built once at start-up, then frozen into `HTTPRouter`.
public struct HTTPRouterBuilder {
    var routes: [HTTPRouter.Route] = []
    public init() {}

    /// Registers `handler` for `methods` on `path`. `name` labels self-metrics (defaults to the
    /// path). A GET route also answers HEAD (without a body). With `subpaths`, `path` must end in
    /// `/` and the route also answers every longer path under it (`/api/v1/slos/a/b`) when no
    /// exact route does; the handler reads the rest from `request.path`.
    public mutating func add(_ path: String, methods: [HTTPMethod], name: String? = nil, subpaths: Bool = false,
                             _ handler: @escaping HTTPHandler) {
        precondition(path.hasPrefix("/"), "route paths start with /")
        precondition(!subpaths || path.hasSuffix("/"), "a subpath route ends with /")
        precondition(!routes.contains { $0.path == Array(path.utf8) }, "duplicate route \(path)")
        var m = Set(methods)
        if m.contains(.get) { m.insert(.head) }
        let allow = HTTPMethod.allCases.filter { m.contains($0) }.map(\.description).joined(separator: ", ")
        let mask = m.reduce(UInt16(0)) { $0 | 1 << $1.rawValue }
        routes.append(HTTPRouter.Route(path: Array(path.utf8), name: name ?? path, methods: mask, allow: allow,
                                       subpaths: subpaths, handler: handler))
    }

    public func build() -> HTTPRouter { HTTPRouter(routes: routes) }
}

/// An immutable route table: exact path match, then method check.
public struct HTTPRouter: Sendable {
    struct Route: Sendable {
        let path: [UInt8]
        let name: String
        /// Bit `m.rawValue` set for each allowed method.
        let methods: UInt16
        let allow: String
        /// Also answers paths below `path`.
        let subpaths: Bool
        let handler: HTTPHandler
    }

    let routes: [Route]

    /// Route names in registration order (index = route id); used to label metrics.
    public var routeNames: [String] { routes.map(\.name) }

    public enum Match {
        case found(index: Int)
        case methodNotAllowed(index: Int, allow: String)
        case notFound
    }

    /// Finds the route for a request's path and method. No allocation.
    public func match(method: HTTPMethod, path: UnsafeRawBufferPointer) -> Match {
        for (i, r) in routes.enumerated() where r.path.count == path.count {
            let same = r.path.withUnsafeBytes { $0.elementsEqual(path) }
            guard same else { continue }
            return r.methods & (1 << method.rawValue) != 0 ? .found(index: i) : .methodNotAllowed(index: i, allow: r.allow)
        }
        for (i, r) in routes.enumerated() where r.subpaths && path.count > r.path.count {
            let under = r.path.withUnsafeBytes { $0.elementsEqual(UnsafeRawBufferPointer(rebasing: path[0..<r.path.count])) }
            guard under else { continue }
            return r.methods & (1 << method.rawValue) != 0 ? .found(index: i) : .methodNotAllowed(index: i, allow: r.allow)
        }
        // Tolerate one trailing slash ("/v1/metrics/").
        if path.count > 1, path[path.count - 1] == UInt8(ascii: "/") {
            return match(method: method, path: UnsafeRawBufferPointer(rebasing: path[0..<(path.count - 1)]))
        }
        return .notFound
    }

    func handler(_ index: Int) -> HTTPHandler { routes[index].handler }
}
