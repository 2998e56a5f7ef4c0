import Testing
@testable import Exposition

/// A label set held by several parts (shards) is written once, newest point first.
@Suite struct CrossPartDuplicateTests {
    static func series(_ prefix: String, _ own: String, _ v: Double, time: UInt64, identity: UInt64) -> MetricSeries {
        MetricSeries(labels: RenderedLabels(prefix: Array(prefix.utf8), bytes: Array(own.utf8)), value: .number(v),
                     timeNanos: time, identity: identity)
    }

    static func family(_ s: [MetricSeries]) -> MetricFamily {
        var f = MetricFamily(name: "g", kind: .gauge, help: "", unit: "")
        f.series = s
        return f
    }

    @Test(arguments: [false, true]) func sameLabelsSplitDifferentlyAreWrittenOnce(newerFirst: Bool) {
        // job from the resource in one part, from a point attribute in the other: same labels.
        let a = Self.series(#"job="svc""#, #"x="1""#, 1, time: newerFirst ? 200 : 100, identity: 42)
        let b = Self.series("", #"job="svc",x="1""#, 2, time: newerFirst ? 100 : 200, identity: 42)
        let other = Self.series(#"job="svc""#, #"x="2""#, 5, time: 100, identity: 7)
        var out: [UInt8] = []
        FamilyRenderer.render(parts: [[Self.family([a, other])], [Self.family([b])]], format: .text004, into: &out)
        let text = String(decoding: out, as: UTF8.self)
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("g{") }
        #expect(lines.count == 2, "\(text)")
        #expect(lines.contains(newerFirst ? #"g{job="svc",x="1"} 1"# : #"g{job="svc",x="1"} 2"#), "\(text)")
        #expect(lines.contains(#"g{job="svc",x="2"} 5"#), "\(text)")
    }

    @Test func equalHashDifferentLabelsAreBothWritten() {
        // A 64-bit collision must not hide a series: the full label sets decide.
        let a = Self.series("", #"x="1""#, 1, time: 100, identity: 9)
        let b = Self.series("", #"x="2""#, 2, time: 200, identity: 9)
        var out: [UInt8] = []
        FamilyRenderer.render(parts: [[Self.family([a])], [Self.family([b])]], format: .text004, into: &out)
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("g{") }
        #expect(lines.count == 2)
    }

    @Test func sortedPairsMergesParts() {
        let l = RenderedLabels(prefix: Array(#"b="2",d="q\"x""#.utf8), bytes: Array(#"a="1",c="3""#.utf8))
        #expect(String(decoding: l.sortedPairs(), as: UTF8.self) == #"a="1",b="2",c="3",d="q\"x""#)
    }
}
