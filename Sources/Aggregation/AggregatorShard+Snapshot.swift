import Exposition
import OTLP
import Primitives

// Snapshots for /metrics: the shard's families with their series, in series order.
extension AggregatorShard {
    public func snapshot(into out: inout [MetricFamily]) {
        var familyOut = [Int](repeating: -1, count: families.count)
        var result: [MetricFamily] = []
        var lastBounds: BucketBounds? = nil
        var lastBoundsArray: [Double] = []
        for i in 0..<series.count {
            let e = series[i]
            guard e.family >= 0 else { continue }
            let value: MetricSeries.Value
            var startTime: UInt64 = 0
            var time: UInt64 = 0
            switch e.kind {
            case .counter:
                let st = counters[e.slot]
                guard st.hasValue else { continue }
                value = .number(st.value); startTime = st.startTimeUnixNano; time = st.timeUnixNano
            case .gauge, .info:
                let st = gauges[e.slot]
                guard st.hasValue else { continue }
                value = .number(st.value); time = st.timeUnixNano
            case .histogram:
                let st = histograms[e.slot]
                guard st.hasValue else { continue }
                if st.bounds !== lastBounds {
                    lastBounds = st.bounds
                    lastBoundsArray = Array(st.bounds.values)
                }
                var cumulative: [UInt64] = []
                cumulative.reserveCapacity(st.bounds.count + 1)
                st.forEachCumulativeBucket { _, c in cumulative.append(c) }
                cumulative.append(st.count)
                value = .histogram(HistogramPoint(bounds: lastBoundsArray, cumulativeCounts: cumulative, sum: st.hasSum ? st.sum : nil))
                startTime = st.startTimeUnixNano; time = st.timeUnixNano
            case .exponential:
                let st = exponentials[e.slot]
                guard st.hasValue else { continue }
                var bounds: [Double] = []
                var cumulative: [UInt64] = []
                ExponentialToClassic.forEachBucket(st) { le, c in bounds.append(le); cumulative.append(c) }
                cumulative.append(st.count)
                value = .histogram(HistogramPoint(bounds: bounds, cumulativeCounts: cumulative, sum: st.hasSum ? st.sum : nil))
                startTime = st.startTimeUnixNano; time = st.timeUnixNano
            case .summary:
                let st = summaries[e.slot]
                guard st.hasValue else { continue }
                value = .summary(SummaryPoint(quantiles: st.quantiles.map { ($0.quantile, $0.value) }, sum: st.sum, count: st.count))
                startTime = st.startTimeUnixNano; time = st.timeUnixNano
            }
            let f = Int(e.family)
            if familyOut[f] < 0 {
                let fam = families[f]!
                familyOut[f] = result.count
                result.append(MetricFamily(name: fam.name, kind: fam.kind, help: fam.help, unit: fam.unit))
            }
            result[familyOut[f]].series.append(MetricSeries(labels: RenderedLabels(prefix: contextLabelBytes(e), bytes: Array(pointLabels(e))), value: value, startTimeNanos: startTime, timeNanos: time, identity: e.labelHash))
        }
        out.append(contentsOf: result)
    }
}
