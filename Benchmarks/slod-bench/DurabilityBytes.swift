import Foundation

extension DurabilityBench {
    /// `bytes`: WAL bytes per applied point on the default configuration, per point type.
    ///
    /// The fixtures hold as many number points as 15-bucket histogram points, so the mixed
    /// figure alone cannot tell the two targets apart. The number-only and histogram-only bodies
    /// are `metrics_medium.pb` with the other metric cut out (`OTLPMetricFilter`): same series,
    /// values and timestamps. Each body gets its own fresh slod and run; the figure is
    /// Δ `slod_wal_bytes_total` / Δ `slod_points_applied_total` over the run, so it includes
    /// whatever the WAL writes besides the points (record headers, per-request tenant, series
    /// definitions when a segment starts: every series is known after the first request).
    func bytes() {
        let seconds = options.seconds ?? 60
        let medium = loadFixture("metrics_medium.pb")
        var bodies: [(body: LoadBody, target: Double?)] = []
        for (kind, label, target) in [(OTLPMetricFilter.Kind.sum, "number", 24.0), (.histogram, "histogram", 96.0)] {
            guard let cut = OTLPMetricFilter.keeping(kind, of: medium), cut.points > 0 else { fail("cannot cut the \(label) metric out of metrics_medium.pb") }
            let path = dir.appendingPathComponent("metrics_medium_\(label).pb").path
            _ = FileManager.default.createFile(atPath: path, contents: Data(cut.body))
            bodies.append((LoadBody(name: "\(label) points only (medium, protobuf, \(cut.body.count) B)", path: path, contentType: "application/x-protobuf",
                                    contentEncoding: "", points: cut.points), target))
        }
        for fixture in ingestFixtures where fixture.fileName == "metrics_medium.pb" || fixture.fileName == "metrics_medium.json" {
            bodies.append((fixture, nil))
        }
        print("\nbytes: \(seconds) s per body on the default configuration, B/point = Δ slod_wal_bytes_total / Δ slod_points_applied_total")
        for (body, target) in bodies {
            let m = measureFresh(body, .interval, seconds: seconds)
            let perPoint = m.appliedPoints > 0 ? m.walBytes / m.appliedPoints : 0
            print(String(format: "  %@: %.1f B/point (%.0f MB of WAL for %@ points applied, %@ acknowledged, %.1f s)", body.name, perPoint,
                         m.walBytes / 1e6, formatCount(m.appliedPoints), formatCount(m.acknowledgedPoints), m.seconds))
            report.add(.bytes, body.name, measured: String(format: "%.0f MB WAL / %@ points", m.walBytes / 1e6, formatCount(m.appliedPoints)),
                       reference: String(format: "body %.0f B/point", Double(fileSize(body.path)) / Double(body.points)),
                       result: String(format: "%.1f B/point", perPoint), target: target.map { String(format: "≤ %.0f B", $0) } ?? "",
                       pass: target.map { perPoint > 0 && perPoint <= $0 })
        }
    }
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}
