import Alerting
import SLO
import SLOEngine

/// The SLO list (`GET /`, `/ui/`): every SLO instance of one snapshot with its objective,
/// attainment over the period, budget left (a bar), burn rates, time to exhaustion and alert
/// state; filtered, sorted and paged by `SLOListQuery`. Grouped SLOs (`group_by`) collapse under
/// their definition (`<details>`, open while a page shows at most `openGroupLimit` of their
/// instances), so the page works without JavaScript.
///
/// Rendering reads the snapshot once, top to bottom: `rows` (filter), `sorted`, `page`, then
/// `write…` for each part of the document.
public struct SLOListPage: Sendable {
    public static let pageSize = 100
    static let openGroupLimit = 10
    /// The burn-rate columns, by window label: the windows of the default alert tiers.
    static let burnRateWindows = ["5m", "1h", "6h", "1d", "3d"]

    let snapshot: SLOSnapshot
    let alerts: [Alert]
    let query: SLOListQuery
    /// Per SLO: the index of each `burnRateWindows` window among its windows (nil: it has none).
    let burnRateColumns: [[Int?]]

    public init(snapshot: SLOSnapshot, alerts: [Alert], query: SLOListQuery) {
        self.snapshot = snapshot
        self.alerts = alerts
        self.query = query
        burnRateColumns = snapshot.specs.indices.map { slo in
            let descriptors = snapshot.windowDescriptors(ofSLO: slo)
            return Self.burnRateWindows.map { label in descriptors.firstIndex { !$0.isPeriod && $0.label == label } }
        }
    }

    /// One instance as the list shows it. Only what filtering and sorting need is read for
    /// every instance; the burn rates and labels of the rows on the page are read when written.
    struct Row {
        var instance: SLOSnapshot.Instance
        /// The most urgent phase of the instance's alert tiers, and the tiers in it.
        var alertPhase: AlertPhase
        var alertTiers: [String]
        var hasData: Bool { instance.budget.errorRatio != nil }
    }

    public func render() -> [UInt8] {
        let matching = sorted(rows())
        let pageCount = max(1, (matching.count + Self.pageSize - 1) / Self.pageSize)
        let pageIndex = min(query.page, pageCount)
        let start = (pageIndex - 1) * Self.pageSize
        let shown = matching[start..<min(matching.count, start + Self.pageSize)]

        var w = HTMLWriter(reservingCapacity: 4_096 + shown.count * 1_200)
        PageFrame.start(&w, title: "SLOs")
        writeFilters(&w)
        writeSummary(&w, matching: matching)
        if shown.isEmpty {
            w.raw("<p class=\"muted\">")
            w.raw(snapshot.specs.isEmpty ? "No SLOs are configured (see the <code>slos:</code> section of the configuration)."
                  : "No SLO instance matches these filters.")
            w.raw("</p>\n")
        }
        writeDefinitions(&w, Array(shown))
        writePages(&w, current: pageIndex, count: pageCount)
        PageFrame.end(&w)
        return w.bytes
    }

    /// A page with only a message (a refused query): the same frame, the message as text.
    public static func errorPage(_ message: String) -> [UInt8] {
        var w = HTMLWriter()
        PageFrame.start(&w, title: "SLOs")
        w.raw("<p class=\"error\" role=\"alert\">")
        w.text(message)
        w.raw("</p>\n<p><a href=\"/\">All SLOs</a></p>\n")
        PageFrame.end(&w)
        return w.bytes
    }

    // MARK: Rows

    /// Every instance that passes the query's filters, in snapshot order.
    func rows() -> [Row] {
        var phases: [AlertInstanceKey: (phase: AlertPhase, tiers: [String])] = [:]
        for alert in alerts where alert.phase != .inactive {
            let key = AlertInstanceKey(slo: alert.key.slo, groupValues: alert.key.groupValues)
            var entry = phases[key] ?? (.inactive, [])
            if alert.phase == .firing && entry.phase != .firing { entry = (.firing, []) }
            if alert.phase == entry.phase || entry.phase == .inactive {
                entry.phase = alert.phase
                entry.tiers.append(alert.key.tier)
            }
            phases[key] = entry
        }
        let sloIDs = snapshot.specs.map(\.id)
        var out: [Row] = []
        out.reserveCapacity(snapshot.instances.count)
        for instance in snapshot.instances {
            if let service = query.service, snapshot.specs[instance.slo].service != service { continue }
            if let label = query.label, !instance.labelPairs.contains(where: { $0.name == label.name && $0.value == label.value }) { continue }
            var row = Row(instance: instance, alertPhase: .inactive, alertTiers: [])
            if !phases.isEmpty, let alert = phases[AlertInstanceKey(slo: sloIDs[instance.slo], groupValues: instance.groupValues)] {
                row.alertPhase = alert.phase
                row.alertTiers = alert.tiers.sorted()
            }
            switch query.state {
            case .any: break
            case .firing: if row.alertPhase != .firing { continue }
            case .pending: if row.alertPhase != .pending { continue }
            case .noData: if row.hasData { continue }
            }
            if let below = query.budgetBelow {
                guard let remaining = instance.budget.remaining, remaining < below else { continue }
            }
            out.append(row)
        }
        return out
    }

    struct AlertInstanceKey: Hashable {
        var slo: String
        var groupValues: [String]
    }

    /// `sort=name`: snapshot order (SLOs as configured, then group values), with SLOs by service
    /// and name. `sort=budget`: least budget left first, instances without data last.
    func sorted(_ rows: [Row]) -> [Row] {
        switch query.sort {
        case .name:
            let byName = snapshot.specs.indices.sorted { a, b in
                (snapshot.specs[a].service, snapshot.specs[a].name, a) < (snapshot.specs[b].service, snapshot.specs[b].name, b)
            }
            var rank = [Int](repeating: 0, count: snapshot.specs.count)
            for (r, slo) in byName.enumerated() { rank[slo] = r }
            return rows.enumerated().sorted { a, b in
                (rank[a.element.instance.slo], a.offset) < (rank[b.element.instance.slo], b.offset)
            }.map(\.element)
        case .budget:
            // Keys read once per row: `Instance.budget` is computed when read.
            let keys = rows.map { $0.instance.budget.remaining ?? .infinity }
            let hasData = rows.map(\.hasData)
            return rows.indices.sorted { a, b in
                switch (hasData[a], hasData[b]) {
                case (true, false): return true
                case (false, true): return false
                default: return keys[a] != keys[b] ? keys[a] < keys[b] : a < b
                }
            }.map { rows[$0] }
        }
    }

    // MARK: Document

    /// A GET form: each filter is a labelled field, so the page filters without JavaScript.
    func writeFilters(_ w: inout HTMLWriter) {
        w.raw("<form class=\"filters\" method=\"get\" action=\"/\" aria-label=\"Filters\">\n")
        w.raw("<label>Service<select name=\"service\"><option value=\"\">all</option>")
        var services: [String] = []
        for spec in snapshot.specs where !services.contains(spec.service) { services.append(spec.service) }
        for service in services.sorted() {
            w.raw("<option value=\"")
            w.text(service)
            w.raw(service == query.service ? "\" selected>" : "\">")
            w.text(service)
            w.raw("</option>")
        }
        w.raw("</select></label>\n<label>Label (name=value)<input name=\"label\" value=\"")
        if let label = query.label { w.text(label.name + "=" + label.value) }
        w.raw("\" placeholder=\"team=payments\"></label>\n<label>State<select name=\"state\">")
        for (state, text) in [(SLOListQuery.State.any, "any"), (.firing, "firing"), (.pending, "pending"), (.noData, "no data")] {
            w.raw("<option value=\"")
            w.text(state.rawValue)
            w.raw(state == query.state ? "\" selected>" : "\">")
            w.text(text)
            w.raw("</option>")
        }
        w.raw("</select></label>\n<label>Budget left below (%)<input name=\"budget_below\" inputmode=\"decimal\" size=\"5\" value=\"")
        if let below = query.budgetBelow { w.text(SLOListQuery.percentText(below)) }
        w.raw("\"></label>\n<label>Sort<select name=\"sort\">")
        w.raw(query.sort == .budget ? "<option value=\"budget\" selected>budget left</option><option value=\"name\">name</option>"
              : "<option value=\"budget\">budget left</option><option value=\"name\" selected>name</option>")
        w.raw("</select></label>\n<button type=\"submit\">Apply</button> <a href=\"/\">Clear</a>\n</form>\n")
    }

    func writeSummary(_ w: inout HTMLWriter, matching: [Row]) {
        let firing = matching.filter { $0.alertPhase == .firing }.count
        let noData = matching.filter { !$0.hasData }.count
        w.raw("<p>")
        w.text("\(matching.count) SLO instance\(matching.count == 1 ? "" : "s") of \(snapshot.specs.count) SLO\(snapshot.specs.count == 1 ? "" : "s")")
        w.raw(" · <span class=\"")
        w.raw(firing > 0 ? "bad state" : "muted")
        w.raw("\">")
        w.text("\(firing) firing")
        w.raw("</span> · ")
        w.text("\(noData) without data")
        w.raw(" · <span class=\"muted\">")
        w.text("evaluated at \(UTCTimestamp.text(nanos: snapshot.nowNanos))")
        w.raw("</span></p>\n")
    }

    /// The rows of the page, definition by definition in the order of their first row: runs of
    /// ungrouped SLOs share a table, a grouped SLO gets a `<details>` with its own.
    func writeDefinitions(_ w: inout HTMLWriter, _ rows: [Row]) {
        var order: [Int] = []
        var bySLO: [Int: [Row]] = [:]
        for row in rows {
            if bySLO[row.instance.slo] == nil { order.append(row.instance.slo) }
            bySLO[row.instance.slo, default: []].append(row)
        }
        var tableOpen = false
        for slo in order {
            let group = bySLO[slo]!
            let spec = snapshot.specs[slo]
            if spec.groupBy.isEmpty {
                if !tableOpen { writeTableStart(&w, caption: nil); tableOpen = true }
                for row in group { writeRow(&w, row) }
                continue
            }
            if tableOpen { w.raw("</tbody></table>\n"); tableOpen = false }
            let firing = group.filter { $0.alertPhase == .firing }.count
            w.raw(group.count <= Self.openGroupLimit ? "<details open>\n<summary>" : "<details>\n<summary>")
            w.raw("<strong>")
            w.text(spec.service + " / " + spec.name)
            w.raw("</strong> ")
            w.text("by \(spec.groupBy.joined(separator: ", ")) · \(group.count) instance\(group.count == 1 ? "" : "s") shown")
            if let worst = group.compactMap({ $0.instance.budget.remaining }).min() {
                w.text(" · least budget left \(Format.percent(worst))")
            }
            if firing > 0 {
                w.raw(" · <span class=\"bad state\">")
                w.text("\(firing) firing")
                w.raw("</span>")
            }
            w.raw("</summary>\n")
            writeTableStart(&w, caption: spec)
            for row in group { writeRow(&w, row) }
            w.raw("</tbody></table>\n</details>\n")
        }
        if tableOpen { w.raw("</tbody></table>\n") }
    }

    func writeTableStart(_ w: inout HTMLWriter, caption spec: SLOSpec?) {
        w.raw("<table>\n")
        if let spec {
            w.raw("<caption class=\"muted\">")
            w.text("Instances of \(spec.service) / \(spec.name)")
            w.raw("</caption>\n")
        }
        w.raw("<thead><tr><th scope=\"col\">Service</th><th scope=\"col\">SLO</th><th scope=\"col\">Group</th>")
        w.raw("<th scope=\"col\" class=\"num\">Objective</th><th scope=\"col\">Period</th><th scope=\"col\" class=\"num\">Attainment</th>")
        w.raw("<th scope=\"col\">Budget left</th>")
        for label in Self.burnRateWindows {
            w.raw("<th scope=\"col\" class=\"num\"><abbr title=\"burn rate over ")
            w.text(label)
            w.raw("\">")
            w.text(label)
            w.raw("</abbr></th>")
        }
        w.raw("<th scope=\"col\">Exhausted in</th><th scope=\"col\">Alerts</th></tr></thead>\n<tbody>\n")
    }

    func writeRow(_ w: inout HTMLWriter, _ row: Row) {
        let spec = snapshot.specs[row.instance.slo], budget = row.instance.budget
        w.raw("<tr><td>")
        w.text(spec.service)
        w.raw("</td><th scope=\"row\"><a href=\"")
        SLOPage.writeLink(&w, spec: spec, groupValues: row.instance.groupValues)
        w.raw("\">")
        w.text(spec.name)
        w.raw("</a>")
        // The SLO's own labels (the group labels have their column).
        let labels = row.instance.labelPairs.filter { !spec.groupBy.contains($0.name) }
        if !labels.isEmpty {
            w.raw("<br><small class=\"muted\">")
            w.text(labels.map { "\($0.name)=\($0.value)" }.joined(separator: ", "))
            w.raw("</small>")
        }
        w.raw("</th><td>")
        let groups = zip(spec.groupBy, row.instance.groupValues).map { "\($0)=\($1.isEmpty ? "∅" : $1)" }
        if groups.isEmpty { w.raw("<span class=\"muted\">—</span>") } else { w.text(groups.joined(separator: ", ")) }
        w.raw("</td><td class=\"num\">")
        w.text(Format.objective(spec.objective))
        w.raw("</td><td>")
        w.text(spec.period.label)
        w.raw("</td><td class=\"num\">")
        if let errorRatio = budget.errorRatio {
            w.text(Format.percent(1 - errorRatio, decimals: 3))
        } else {
            w.raw("<span class=\"muted\">no data</span>")
        }
        w.raw("</td><td>")
        writeBudget(&w, remaining: budget.remaining)
        w.raw("</td>")
        let windows = snapshot.windows(of: row.instance)
        for column in burnRateColumns[row.instance.slo] {
            let rate = column.flatMap { windows[$0].burnRate }
            w.raw("<td class=\"num\">")
            if let rate {
                w.raw(rate >= 1 ? "<span class=\"warn\">" : "<span>")
                w.text(Format.burnRate(rate))
                w.raw("</span>")
            } else {
                w.raw("<span class=\"muted\">—</span>")
            }
            w.raw("</td>")
        }
        w.raw("<td>")
        if let remaining = budget.remaining, remaining <= 0 {
            w.raw("<span class=\"bad\">exhausted</span>")
        } else if let seconds = budget.exhaustionSeconds {
            w.text(Format.duration(seconds: seconds))
        } else {
            w.raw("<span class=\"muted\">—</span>")
        }
        w.raw("</td><td>")
        switch row.alertPhase {
        case .firing:
            w.raw("<span class=\"bad state\">firing</span> ")
            w.text(row.alertTiers.joined(separator: ", "))
        case .pending:
            w.raw("<span class=\"warn state\">pending</span> ")
            w.text(row.alertTiers.joined(separator: ", "))
        case .inactive:
            w.raw("<span class=\"ok\">ok</span>")
        }
        w.raw("</td></tr>\n")
    }

    /// The remaining budget as a figure and a bar (inline SVG: no style attribute, so the
    /// Content-Security-Policy needs no inline styles). Below zero the bar is empty.
    func writeBudget(_ w: inout HTMLWriter, remaining: Double?) {
        guard let remaining else {
            w.raw("<span class=\"muted\">no data</span>")
            return
        }
        let level: StaticString = remaining <= 0 ? "bad" : remaining < 0.25 ? "warn" : "ok"
        let width = Int((min(1, max(0, remaining)) * 100).rounded())
        w.raw("<span class=\"bar ")
        w.raw(level)
        w.raw("\"><svg viewBox=\"0 0 100 10\" width=\"100%\" height=\"100%\" preserveAspectRatio=\"none\" aria-hidden=\"true\">")
        w.raw("<rect x=\"0\" y=\"0\" height=\"10\" fill=\"currentColor\" width=\"")
        w.text(String(width))
        w.raw("\"/></svg></span><span class=\"")
        w.raw(level)
        w.raw("\">")
        w.text(Format.percent(remaining))
        w.raw("</span>")
    }

    func writePages(_ w: inout HTMLWriter, current: Int, count: Int) {
        guard count > 1 else { return }
        w.raw("<nav class=\"pages\" aria-label=\"Pages of SLO instances\">")
        if current > 1 {
            w.raw("<a rel=\"prev\" href=\"/")
            w.append(query.queryString(page: current - 1))
            w.raw("\">← previous</a>")
        }
        w.text("page \(current) of \(count)")
        if current < count {
            w.raw("<a rel=\"next\" href=\"/")
            w.append(query.queryString(page: current + 1))
            w.raw("\">next →</a>")
        }
        w.raw("</nav>\n")
    }
}
