/// The top-level `alerting:` section: evaluation and where alerts go.
///
/// ```yaml
/// alerting:
///   evaluation_interval: 1s           # SLO and alert evaluation tick, 100ms…1m
///   external_url: http://slod.example:4318   # for generatorURL; default: the listen address
///   notifiers:
///     - name: am                      # required, unique
///       alertmanager: {urls: ["http://127.0.0.1:9093"], resend_interval: 1m}
///     - name: hook
///       webhook: {url: "http://127.0.0.1:8080/hook"}
///       bearer_token_file: /etc/slod/hook.token       # or basic_auth: {username: u, password_file: F}
///     - name: pd
///       pagerduty: {url: "http://127.0.0.1:8081/v2/enqueue", routing_key_file: /etc/slod/pd.key}
///       timeout: 10s                  # per attempt; retry_for: 1h; queue_capacity: 10000
/// ```
extension SlodConfiguration {
    /// `alerting:`.
    public struct Alerting: Sendable, Equatable {
        /// How often SLOs and alerts are evaluated.
        public var evaluationInterval: Duration
        /// slod's URL as on-call reaches it, for alerts' `generatorURL`; nil: the listen address.
        public var externalURL: String?
        public var notifiers: [Notifier]

        public static let `default` = Alerting(evaluationInterval: .seconds(1), externalURL: nil, notifiers: [])
    }

    /// One destination of alert notifications.
    public struct Notifier: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// Alertmanager API v2; every URL (an HA pair) gets every alert; firing alerts are
            /// re-sent every `resendInterval`.
            case alertmanager(urls: [String], resendInterval: Duration)
            /// Alertmanager webhook v4 JSON.
            case webhook(url: String)
            /// PagerDuty Events API v2; the routing key is read from the file at start-up.
            case pagerDuty(url: String, routingKeyFile: String)
        }

        /// Credentials sent with every request, read from files at start-up, never logged.
        public enum Auth: Sendable, Equatable {
            case none
            case bearerTokenFile(String)
            case basic(username: String, passwordFile: String)
        }

        public var name: String
        public var kind: Kind
        public var auth: Auth
        /// Per attempt (connect + request + response).
        public var timeout: Duration
        /// How long a notification is retried before it is given up.
        public var retryFor: Duration
        public var queueCapacity: Int

        public init(name: String, kind: Kind, auth: Auth = .none, timeout: Duration = .seconds(10),
                    retryFor: Duration = .seconds(3_600), queueCapacity: Int = 10_000) {
            self.name = name
            self.kind = kind
            self.auth = auth
            self.timeout = timeout
            self.retryFor = retryFor
            self.queueCapacity = queueCapacity
        }
    }

    /// Decodes `alerting:` from the top-level mapping (marking the key as known) and returns the
    /// problems found.
    mutating func decodeAlerting(from mapping: inout ConfigMapping, bytes: [UInt8], timeZones: TimeZoneResolver) -> [ConfigError] {
        var d = SLODecoding(file: mapping.file, bytes: bytes, timeZones: timeZones)
        guard let entry = mapping.entry("alerting"), !entry.value.isNull else { return [] }
        guard case .mapping = entry.value.kind else {
            d.report(entry.value, "alerting", "expected a mapping (evaluation_interval, external_url, notifiers), got \(entry.value.kindDescription)")
            return d.errors
        }
        var a = ConfigMapping(file: mapping.file, path: "alerting", node: entry.value)
        a.decode("evaluation_interval", &alerting.evaluationInterval, as: .duration(in: .milliseconds(100)...(.seconds(60))))
        if let (text, node) = d.optionalScalar(&a, "external_url") {
            if d.checkURL(text, at: node, a.keyPath("external_url")) { alerting.externalURL = String(text.trimmingSuffix("/")) }
        }
        if let list = a.entry("notifiers"), !list.value.isNull {
            if case .sequence(let items) = list.value.kind {
                var names: [String: YAMLNode] = [:]
                for (index, item) in items.enumerated() {
                    guard let n = d.decodeNotifier(item, keyPath: "alerting.notifiers[\(index)]") else { continue }
                    if names[n.name] != nil {
                        d.report(item, "alerting.notifiers[\(index)]", "notifier name \"\(n.name)\" is used twice")
                        continue
                    }
                    names[n.name] = item
                    alerting.notifiers.append(n)
                }
            } else {
                d.report(list.value, "alerting.notifiers", "expected a list of notifiers (each item starting with - name: …), got \(list.value.kindDescription)")
            }
        }
        d.finish(&a)
        return d.errors
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> Substring {
        var s = Substring(self)
        while s.hasSuffix(suffix) { s = s.dropLast(suffix.count) }
        return s
    }
}

extension SLODecoding {
    /// An `http://host[:port][/path]` URL; https is refused with the reason (slod has no TLS).
    mutating func checkURL(_ text: String, at node: YAMLNode, _ keyPath: String) -> Bool {
        if text.hasPrefix("https://") {
            report(node, keyPath, "https is not supported (slod has no TLS client); send to an http:// URL, e.g. through a local TLS proxy")
            return false
        }
        guard text.hasPrefix("http://"), text.count > "http://".count,
              !text.dropFirst("http://".count).hasPrefix("/"), !text.contains(" ") else {
            report(node, keyPath, "expected a URL like http://127.0.0.1:9093, got \(quoted(text))")
            return false
        }
        return true
    }

    /// One item of `notifiers:`, or nil (reported).
    mutating func decodeNotifier(_ item: YAMLNode, keyPath: String) -> SlodConfiguration.Notifier? {
        guard case .mapping = item.kind else {
            report(item, keyPath, "expected a mapping (name and one of alertmanager, webhook, pagerduty), got \(item.kindDescription)")
            return nil
        }
        let before = errors.count
        var m = ConfigMapping(file: file, path: keyPath, node: item)
        let name = scalar(&m, "name", required: true, at: item)?.0
        var kinds: [(String, SlodConfiguration.Notifier.Kind?)] = []
        if let (am, node) = mapping(&m, "alertmanager", required: false, at: item) {
            var am = am
            var urls: [String] = []
            if let entry = am.entry("urls") {
                if let list = stringList(entry.value, am.keyPath("urls")) {
                    for (index, (url, n)) in list.enumerated() where checkURL(url, at: n, am.keyPath("urls") + "[\(index)]") {
                        urls.append(String(url.trimmingSuffix("/")))
                    }
                    if list.isEmpty { report(entry.value, am.keyPath("urls"), "give at least one Alertmanager URL") }
                }
            } else {
                report(node, am.path, "missing required key \"urls\"")
            }
            var resend = Duration.seconds(60)
            am.decode("resend_interval", &resend, as: .duration(in: .seconds(1)...(.seconds(3_600))))
            finish(&am)
            kinds.append(("alertmanager", .alertmanager(urls: urls, resendInterval: resend)))
        }
        if let (hook, node) = mapping(&m, "webhook", required: false, at: item) {
            var hook = hook
            var kind: SlodConfiguration.Notifier.Kind?
            if let (url, n) = scalar(&hook, "url", required: true, at: node), checkURL(url, at: n, hook.keyPath("url")) {
                kind = .webhook(url: url)
            }
            finish(&hook)
            kinds.append(("webhook", kind))
        }
        if let (pd, node) = mapping(&m, "pagerduty", required: false, at: item) {
            var pd = pd
            var url = "http://127.0.0.1:8081/v2/enqueue"
            if let (text, n) = scalar(&pd, "url", required: true, at: node), checkURL(text, at: n, pd.keyPath("url")) { url = text }
            let keyFile = scalar(&pd, "routing_key_file", required: true, at: node)?.0
            finish(&pd)
            kinds.append(("pagerduty", keyFile.map { .pagerDuty(url: url, routingKeyFile: $0) }))
        }
        var auth = SlodConfiguration.Notifier.Auth.none
        if let (file, _) = optionalScalar(&m, "bearer_token_file") { auth = .bearerTokenFile(file) }
        if let (basic, node) = mapping(&m, "basic_auth", required: false, at: item) {
            var basic = basic
            let user = scalar(&basic, "username", required: true, at: node)?.0
            let file = scalar(&basic, "password_file", required: true, at: node)?.0
            finish(&basic)
            if case .bearerTokenFile = auth {
                report(node, basic.path, "give either bearer_token_file or basic_auth, not both")
            } else if let user, let file {
                auth = .basic(username: user, passwordFile: file)
            }
        }
        var timeout = Duration.seconds(10), retryFor = Duration.seconds(3_600), capacity = 10_000
        m.decode("timeout", &timeout, as: .duration(in: .milliseconds(10)...(.seconds(300))))
        m.decode("retry_for", &retryFor, as: .duration(in: .seconds(1)...(.seconds(7 * 86_400))))
        m.decode("queue_capacity", &capacity, as: .integer(in: 1...1_000_000))
        if kinds.count != 1 {
            report(item, keyPath, kinds.isEmpty ? "needs one of alertmanager, webhook, pagerduty"
                                               : "give exactly one of alertmanager, webhook, pagerduty (found \(kinds.map(\.0).joined(separator: ", ")))")
        }
        finish(&m)
        guard errors.count == before, let name, kinds.count == 1, let kind = kinds[0].1 else { return nil }
        return SlodConfiguration.Notifier(name: name, kind: kind, auth: auth, timeout: timeout, retryFor: retryFor, queueCapacity: capacity)
    }
}
