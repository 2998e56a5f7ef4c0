import Exposition
import OTLP
import Primitives

// Contexts and families: translated once per (tenant, resource, scope, metric header).
extension AggregatorShard {
    /// Looks up or creates the context for a context record's blob.
    func context(hash: UInt64, blob: ByteView) -> Int32 {
        let found = contextIndex.find(hash: hash) { i in
            contexts[Int(i)]!.key.withUnsafeBytes { k in
                k.count == blob.count && (k.count == 0 || memcmp(k.baseAddress!, blob.base!, k.count) == 0)
            }
        }
        if let found { return found }
        let c = ContextBlob(blob)
        decodeAttributes(c.resourceAttributes, into: &attributeScratch)
        let resource = attributeScratch.withUnsafeBufferPointer { PrometheusResourceLabels(attributes: $0) }
        decodeAttributes(c.scopeAttributes, into: &attributeScratch)
        let scope = attributeScratch.withUnsafeBufferPointer {
            PrometheusScopeLabels(ScopeView(name: c.scopeName, version: c.scopeVersion, attributes: $0, schemaURL: c.scopeSchemaURL))
        }
        let metricName = c.name.string
        let context = Context(metricName: metricName, kind: c.kind, temporality: c.temporality, isMonotonic: c.isMonotonic,
                              resource: resource, scope: scope, extraLabels: extraLabels(tenant: c.tenant),
                              hash: hash, key: blob.array)
        if !c.tenant.isEmpty {
            let bytes = c.tenant.array
            if let t = tenantIndex[bytes] {
                context.tenant = t
            } else {
                context.tenant = Int32(tenantSeries.count)
                tenantIndex[bytes] = context.tenant
                tenantNames.append(c.tenant.string)
                tenantSeries.append(0)
            }
        }
        let unit = c.unit.string
        if let name = PrometheusNaming.metricName(name: metricName, unit: unit, kind: c.kind, isMonotonic: c.isMonotonic) {
            let kind = Self.familyKind(c.kind, isMonotonic: c.isMonotonic)
            if let f = familyByName[name] {
                if families[Int(f)]!.kind == kind {
                    context.family = f
                } else {
                    context.rejectReason = "type_conflict"
                    context.rejectMessage = "metric \"\(metricName)\" maps to Prometheus family \"\(name)\", which already has another type"
                }
            } else {
                context.family = newFamily(Family(name: name, kind: kind, help: c.description.string,
                                                  unit: Self.unitWord(unit), seriesCount: 0))
            }
        } else {
            context.rejectReason = "invalid_name"
            context.rejectMessage = "metric \"\(metricName)\" has no exportable Prometheus name"
        }
        let index: Int32
        if let i = freeContexts.popLast() { contexts[Int(i)] = context; index = i } else {
            contexts.append(context); index = Int32(contexts.count - 1)
        }
        contextIndex.insert(hash: hash, value: index)
        return index
    }

    func newFamily(_ f: Family) -> Int32 {
        let index: Int32
        if let i = freeFamilies.popLast() { families[Int(i)] = f; index = i } else {
            families.append(f); index = Int32(families.count - 1)
        }
        familyByName[f.name] = index
        return index
    }

    func extraLabels(tenant: ByteView) -> [PrometheusLabel] {
        guard let tenantLabel, !tenant.isEmpty else { return [] }
        return [PrometheusLabel(name: tenantLabel, value: tenant.string)]
    }

    static func familyKind(_ kind: MetricKind, isMonotonic: Bool) -> MetricFamily.Kind {
        switch kind {
        case .gauge: .gauge
        case .sum: isMonotonic ? .counter : .gauge
        case .histogram, .exponentialHistogram: .histogram
        case .summary: .summary
        }
    }

    static func stateKind(_ kind: MetricKind) -> StateKind {
        switch kind {
        case .gauge: .gauge
        case .sum: .counter
        case .histogram: .histogram
        case .exponentialHistogram: .exponential
        case .summary: .summary
        }
    }

    /// The Prometheus unit word for `# UNIT` (the unit suffix the name got, e.g. `seconds`,
    /// `bytes_per_second`); empty for annotations / no unit.
    static func unitWord(_ unit: String) -> String {
        let (main, per) = PrometheusNaming.unitSuffixes(unit)
        var m = PrometheusNaming.cleanUnit(main)
        var p = PrometheusNaming.cleanUnit(per)
        if p == "per_" { p = "" } else if p.hasSuffix("_") { p.removeLast() }
        if !p.isEmpty, m.hasSuffix("_") { m.removeLast() }
        if m.isEmpty { return p }
        return p.isEmpty ? m : m + "_" + p
    }
}

#if canImport(Glibc)
import Glibc
#endif
