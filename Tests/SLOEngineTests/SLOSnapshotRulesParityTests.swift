import SLO
import SLOEngine
import Testing

/// slod's own Sloth-compatible series and the recording rules `slod rules` writes for the same
/// SLOs must be interchangeable: the same names, and the same labels apart from the group
/// labels that the rules' `sum by (…)` adds and `sloth_mode`'s value (`slod` / `slod-rules`).
@Suite struct SLOSnapshotRulesParityTests {
    struct Series: Hashable {
        var name: String
        var labels: [String: String]
    }

    /// The recording rules of a rule file: `record` names and their static labels.
    static func records(_ yaml: String) -> [Series] {
        var out: [Series] = []
        var inRecord = false    // the current rule is a recording rule (not an alert)
        var inLabels = false
        for line in yaml.split(separator: "\n") {
            if line.hasPrefix("  - ") {
                inRecord = line.hasPrefix("  - record: ")
                if inRecord { out.append(Series(name: unquote(line.dropFirst("  - record: ".count)), labels: [:])) }
                inLabels = false
            } else if line == "    labels:" {
                inLabels = inRecord
            } else if inLabels, line.hasPrefix("      "), let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].drop { $0 == " " }
                out[out.count - 1].labels[String(key)] = unquote(line[line.index(colon, offsetBy: 2)...])
            } else {
                inLabels = false        // expr, annotations, group headers
            }
        }
        return out.filter { !$0.name.isEmpty }
    }

    static func unquote(_ s: Substring) -> String {
        String(s.dropFirst().dropLast())    // test values hold no escapes
    }

    /// `name{a="x",b="y"}` keys of the parsed exposition (test values hold no escapes or commas).
    static func exposed(_ snapshot: SLOSnapshot) -> [Series] {
        SLOSnapshotExpositionTests.Parsed(snapshot.text).samples.keys.map { key in
            let brace = key.firstIndex(of: "{")!
            var labels: [String: String] = [:]
            for pair in key[key.index(after: brace)..<key.index(before: key.endIndex)].split(separator: ",") {
                let eq = pair.firstIndex(of: "=")!
                labels[String(pair[..<eq])] = String(pair[pair.index(eq, offsetBy: 2)..<pair.index(before: pair.endIndex)])
            }
            return Series(name: String(key[..<brace]), labels: labels)
        }
    }

    /// Labels compared: `sloth_mode` is compared by name only.
    static func comparable(_ labels: [String: String]) -> [String: String] {
        var l = labels
        if l["sloth_mode"] != nil { l["sloth_mode"] = "*" }
        return l
    }

    @Test func exposedSeriesAreTheRecordedOnes() throws {
        let specs = try Scenario.specs()
        let rules = Self.records(RuleGenerator(version: "1.2.3").yaml(for: specs)).map {
            Series(name: $0.name, labels: Self.comparable($0.labels))
        }
        #expect(rules.count == 2 * 15)
        let groupBy = Dictionary(uniqueKeysWithValues: specs.map { ($0.id, Set($0.groupBy)) })
        let exposed = Self.exposed(try Scenario.snapshot())
            .filter { $0.name.hasPrefix("slo:") || $0.name.hasPrefix("sloth_") }
            .map { s in
                // Without the instance's group labels, which the rules add per `sum by` group.
                let group = groupBy[s.labels["sloth_id"]!]!
                return Series(name: s.name, labels: Self.comparable(s.labels.filter { !group.contains($0.key) }))
            }
        // Every series slod writes is one the rules record…
        for s in exposed {
            #expect(rules.contains(s), "\(s) is not recorded by slod rules")
        }
        // …and for the instance with data in every window (checkout /pay), every recorded series
        // is written.
        let pay = Set(exposed.filter { $0.labels["sloth_id"] == "checkout-availability" })
        for r in rules where r.labels["sloth_id"] == "checkout-availability" {
            #expect(pay.contains(r), "\(r) is recorded but not exposed")
        }
    }
}
