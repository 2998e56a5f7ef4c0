import SLO

/// Imports SLOs from OpenSLO v1 and Sloth files.
///
/// The format is detected per YAML document: `apiVersion: openslo/v1` is OpenSLO (see
/// `OpenSLOImport.swift`); `apiVersion: sloth.slok.dev/v1` is a Sloth Kubernetes resource,
/// `kind: PrometheusServiceLevel` (see `SlothImport.swift`) or `kind: AlertWindows` (see
/// `SlothImport+AlertWindows.swift`); a document with `version` is a Sloth `prometheus/v1`
/// file. A file may hold several documents separated by `---`, of any of these formats (as
/// Kubernetes manifests do), and a document may be a YAML list of such objects (as OpenSLO
/// tools write them). References resolve across all the files of one call: OpenSLO
/// `indicatorRef`, `metricSourceRef`, `alertPolicyRef` and `conditionRef`, and the AlertWindows
/// of Sloth's period apply to every Sloth SLO. Every problem in every file is collected, with
/// `file:line:column` and a key path naming the SLO (`SLO checkout-availability.spec.…`,
/// `slos[0] (myservice/requests-availability).sli.…`, `spec.slos[0] (…)` in a Kubernetes
/// resource). Performs no I/O.
public enum SLOImport {
    /// One file to import: its name (for messages) and its bytes.
    public struct File: Sendable {
        public var name: String
        public var bytes: [UInt8]

        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// The SLOs of all `files`, in file and document order, or every problem found.
    public static func parse(_ files: [File], timeZones: TimeZoneResolver = .utcOnly) -> Result<[SLOSpec], ConfigErrors> {
        let (located, errors) = decode(files, timeZones: timeZones)
        let all = errors + duplicateSLOErrors(located)
        guard all.isEmpty else { return .failure(ConfigLoader.report(all, file: files.first?.name ?? "")) }
        return .success(located.map(\.spec))
    }

    /// The SLOs of one file.
    public static func parse(_ bytes: [UInt8], file: String, timeZones: TimeZoneResolver = .utcOnly) -> Result<[SLOSpec], ConfigErrors> {
        parse([File(name: file, bytes: bytes)], timeZones: timeZones)
    }

    /// One document of an imported file, by format.
    enum Document {
        case openSLO(SLODecoding.OpenSLODocument)
        case sloth(YAMLNode)
        case slothKubernetes(YAMLNode)
        case slothAlertWindows(YAMLNode)
    }

    /// The SLOs found (with their key paths) and the problems, without the duplicate check.
    static func decode(_ files: [File], timeZones: TimeZoneResolver) -> ([(spec: SLOSpec, keyPath: String)], [ConfigError]) {
        var decodings: [SLODecoding] = []
        var classified: [[Document]] = []
        for file in files {
            var decoding = SLODecoding(file: file.name, bytes: file.bytes, timeZones: timeZones)
            var nodes: [YAMLNode] = []
            do {
                for document in try YAML.parse(file.bytes) where !document.isNull {
                    if case .sequence(let items) = document.kind { nodes += items } else { nodes.append(document) }
                }
            } catch {
                decoding.report(line: error.line, column: error.column, "", error.message)
            }
            if nodes.isEmpty, decoding.errors.isEmpty {
                decoding.report(line: 0, column: 0, "", "holds no SLO documents")
            }
            classified.append(nodes.compactMap { decoding.classifyImportDocument($0) })
            decodings.append(decoding)
        }
        // The objects that others refer to, in dependency order: DataSources, AlertConditions
        // and AlertWindows, then the SLIs and AlertPolicies that use them.
        var catalog = OpenSLOCatalog()
        var windows: [Int64: SlothAlertWindows] = [:]
        for phase in SLODecoding.CatalogPhase.allCases {
            for index in files.indices {
                for document in classified[index] {
                    decodings[index].collect(document, phase: phase, into: &catalog, windows: &windows)
                }
            }
        }
        var located: [(spec: SLOSpec, keyPath: String)] = []
        var errors: [ConfigError] = []
        for index in files.indices {
            for document in classified[index] {
                switch document {
                case .openSLO(let header) where header.kind == "SLO":
                    if let one = decodings[index].decodeOpenSLO(header, catalog: catalog) { located.append(one) }
                case .sloth(let node):
                    located += decodings[index].decodeSloth(node, windows: windows)
                case .slothKubernetes(let node):
                    located += decodings[index].decodeSlothKubernetes(node, windows: windows)
                case .openSLO, .slothAlertWindows:
                    break
                }
            }
            errors += decodings[index].errors
        }
        return (located, errors)
    }
}

extension ConfigLoader {
    /// Parses a configuration file like `parse`, then imports the files listed in `slo_files`
    /// (read with `readFile`; relative paths are relative to the directory of `file`) and adds
    /// their SLOs to `slos`. SLO names must be unique per service across the configuration and
    /// all imported files. Problems in the configuration stop before the imports; problems in
    /// the imports (including unreadable files) are all reported together.
    public static func load(_ bytes: [UInt8], file: String, timeZones: TimeZoneResolver = .utcOnly,
                            readFile: (String) throws -> [UInt8]) -> Result<SlodConfiguration, ConfigErrors> {
        var configuration: SlodConfiguration
        switch parse(bytes, file: file, timeZones: timeZones) {
        case .failure(let errors): return .failure(errors)
        case .success(let parsed): configuration = parsed
        }
        guard !configuration.sloFiles.isEmpty else { return .success(configuration) }
        let directory = file.lastIndex(of: "/").map { String(file[...$0]) } ?? ""
        var errors: [ConfigError] = []
        var files: [SLOImport.File] = []
        for (index, path) in configuration.sloFiles.enumerated() {
            let resolved = path.hasPrefix("/") ? path : directory + path
            do {
                files.append(SLOImport.File(name: resolved, bytes: try readFile(resolved)))
            } catch {
                errors.append(ConfigError(file: file, line: 0, column: 0, keyPath: "slo_files[\(index)]",
                                          message: "cannot read \(resolved): \(error)"))
            }
        }
        let (imported, importErrors) = SLOImport.decode(files, timeZones: timeZones)
        let own = configuration.slos.enumerated().map { index, spec in
            (spec: spec, keyPath: "slos[\(index)] (\(spec.service)/\(spec.name))")
        }
        errors += importErrors + duplicateSLOErrors(own + imported)
        guard errors.isEmpty else { return .failure(report(errors, file: file)) }
        configuration.slos += imported.map(\.spec)
        return .success(configuration)
    }
}
