import Testing
@testable import Config

/// The top-level `alerting:` section: notifiers of every kind, auth, limits, and errors at
/// their positions.
@Suite struct AlertingSectionTests {
    @Test func everyNotifierKindDecodes() throws {
        let text = """
            alerting:
              evaluation_interval: 500ms
              external_url: http://slod.example:4318/
              notifiers:
                - name: am
                  alertmanager: {urls: ["http://127.0.0.1:9093", "http://127.0.0.1:9094/"], resend_interval: 30s}
                - name: hook
                  webhook: {url: "http://127.0.0.1:8080/hook?token=x"}
                  bearer_token_file: /etc/slod/hook.token
                  timeout: 2s
                - name: pd
                  pagerduty: {url: "http://127.0.0.1:8081/v2/enqueue", routing_key_file: /etc/slod/pd.key}
                  basic_auth: {username: slod, password_file: /etc/slod/pd.pass}
                  retry_for: 10m
                  queue_capacity: 100
            """
        let a = try loadConfig(text).get().alerting
        #expect(a.evaluationInterval == .milliseconds(500) && a.externalURL == "http://slod.example:4318")
        #expect(a.notifiers == [
            SlodConfiguration.Notifier(name: "am", kind: .alertmanager(urls: ["http://127.0.0.1:9093", "http://127.0.0.1:9094"], resendInterval: .seconds(30))),
            SlodConfiguration.Notifier(name: "hook", kind: .webhook(url: "http://127.0.0.1:8080/hook?token=x"),
                                       auth: .bearerTokenFile("/etc/slod/hook.token"), timeout: .seconds(2)),
            SlodConfiguration.Notifier(name: "pd", kind: .pagerDuty(url: "http://127.0.0.1:8081/v2/enqueue", routingKeyFile: "/etc/slod/pd.key"),
                                       auth: .basic(username: "slod", passwordFile: "/etc/slod/pd.pass"), retryFor: .seconds(600), queueCapacity: 100),
        ])
    }

    @Test func defaults() throws {
        let a = try loadConfig("log: {level: info}\n").get().alerting
        #expect(a == .default && a.evaluationInterval == .seconds(1) && a.notifiers.isEmpty)
    }

    static let invalid: [(String, String, String)] = [
        ("alerting:\n  notifiers:\n    - name: x\n      alertmanager: {urls: [\"https://am:9093\"]}\n", "4:29", "https is not supported"),
        ("alerting:\n  notifiers:\n    - name: x\n      webhook: {url: \"ftp://h\"}\n", "4:22", "expected a URL like http://"),
        ("alerting:\n  notifiers:\n    - name: x\n", "3:7", "needs one of alertmanager, webhook, pagerduty"),
        ("alerting:\n  notifiers:\n    - name: x\n      webhook: {url: \"http://h\"}\n      pagerduty: {url: \"http://p\", routing_key_file: k}\n", "3:7", "give exactly one of"),
        ("alerting:\n  notifiers:\n    - {name: x, webhook: {url: \"http://h\"}}\n    - {name: x, webhook: {url: \"http://h\"}}\n", "4:7", "is used twice"),
        ("alerting:\n  notifiers:\n    - name: x\n      pagerduty: {url: \"http://p\"}\n", "4:18", #"missing required key "routing_key_file""#),
        ("alerting:\n  notifiers:\n    - name: x\n      alertmanager: {resend_interval: 1m}\n", "4:21", #"missing required key "urls""#),
        ("alerting:\n  evaluation_interval: 10ms\n", "2:24", "out of range"),
        ("alerting:\n  notifiers:\n    - name: x\n      webhook: {url: \"http://h\"}\n      tiemout: 1s\n", "5:7", #"did you mean "timeout""#),
    ]

    @Test(arguments: invalid)
    func invalidNotifiersAreReportedWhereTheyAre(_ text: String, _ position: String, _ fragment: String) {
        let errors = configErrors(text)
        #expect(errors.count == 1, "\(errors)")
        guard let error = errors.first else { return }
        #expect("\(error.line):\(error.column)" == position, "\(error)")
        #expect(error.description.contains(fragment), "\(error)")
    }
}
