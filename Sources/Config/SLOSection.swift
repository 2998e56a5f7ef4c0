import SLO
import Selectors

/// The top-level `slos:` list (slod's own SLO format) and `slo_files:` (files to import).
///
/// Each entry of `slos:` is decoded by `SLODecoding.decodeSLO` (see `SLOSection+Item.swift`);
/// errors carry the key path `slos[INDEX] (SERVICE/NAME).KEY` (0-based index) so a message
/// names the SLO even in a long list. Two SLOs with the same service and name are an error that
/// names both positions.
extension SlodConfiguration {
    /// Decodes `slos:` and `slo_files:` from the top-level mapping (marking both keys as known)
    /// and returns the problems found. `bytes` is the file's text, used to place selector errors
    /// at their exact column.
    mutating func decodeSLOs(from mapping: inout ConfigMapping, bytes: [UInt8], timeZones: TimeZoneResolver) -> [ConfigError] {
        var decoding = SLODecoding(file: mapping.file, bytes: bytes, timeZones: timeZones)
        if let entry = mapping.entry("slos"), !entry.value.isNull {
            if case .sequence(let items) = entry.value.kind {
                var located: [(spec: SLOSpec, keyPath: String)] = []
                for (index, item) in items.enumerated() {
                    if let spec = decoding.decodeSLO(item, index: index) {
                        located.append((spec, SLODecoding.itemLabel(item, index: index)))
                    }
                }
                decoding.append(duplicateSLOErrors(located))
                slos = located.map(\.spec)
            } else {
                decoding.report(entry.value, "slos", "expected a list of SLOs (each item starting with - service: …), got \(entry.value.kindDescription)")
            }
        }
        if let entry = mapping.entry("slo_files"), !entry.value.isNull,
           let paths = decoding.stringList(entry.value, "slo_files") {
            for (index, (path, node)) in paths.enumerated() where path.isEmpty {
                decoding.report(node, "slo_files[\(index)]", "an empty path")
            }
            sloFiles = paths.map(\.0)
        }
        return decoding.errors
    }
}

/// One error for each SLO whose (service, name) an earlier one already has, at the later
/// definition, naming the earlier one's position.
func duplicateSLOErrors(_ specs: [(spec: SLOSpec, keyPath: String)]) -> [ConfigError] {
    struct Key: Hashable {
        var service: String
        var name: String
    }
    var first: [Key: SLOSpec.Source] = [:]
    var errors: [ConfigError] = []
    for (spec, keyPath) in specs {
        let key = Key(service: spec.service, name: spec.name)
        if let earlier = first[key] {
            errors.append(ConfigError(
                file: spec.source.file, line: spec.source.line, column: spec.source.column, keyPath: keyPath,
                message: "SLO \(spec.service)/\(spec.name) is defined twice: here and at \(earlier) (names must be unique within a service)"))
        } else {
            first[key] = spec.source
        }
    }
    return errors
}
