import SLO

/// Imports SLOs from OpenSLO v1 and Sloth `prometheus/v1` files.
///
/// The format is detected per YAML document: a document with `apiVersion` is OpenSLO (see
/// `OpenSLOImport.swift`), one with `version` is Sloth (see `SlothImport.swift`); a file may
/// hold several documents separated by `---`, of either format. OpenSLO `indicatorRef`s are
/// resolved across all the files of one call. Every problem in every file is collected, with
/// `file:line:column` and a key path naming the SLO (`SLO checkout-availability.spec.…`,
/// `slos[0] (myservice/requests-availability).sli.…`). Performs no I/O.
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

    /// The SLOs found (with their key paths) and the problems, without the duplicate check.
    static func decode(_ files: [File], timeZones: TimeZoneResolver) -> ([(spec: SLOSpec, keyPath: String)], [ConfigError]) {
        var errors: [ConfigError] = []
        var decodings: [SLODecoding] = []
        var documents: [[YAMLNode]] = []
        for file in files {
            var decoding = SLODecoding(file: file.name, bytes: file.bytes, timeZones: timeZones)
            do {
                documents.append(try YAML.parse(file.bytes).filter { !$0.isNull })
            } catch {
                decoding.report(line: error.line, column: error.column, "", error.message)
                documents.append([])
            }
            if documents.last!.isEmpty, decoding.errors.isEmpty {
                decoding.report(line: 0, column: 0, "", "holds no SLO documents")
            }
            decodings.append(decoding)
        }
        // Pass 1: classify documents and collect the kind SLI indicators of all files.
        enum Document {
            case openSLO(SLODecoding.OpenSLODocument)
            case sloth(YAMLNode)
        }
        var classified: [[Document]] = []
        var indicators: [String: OpenSLOIndicator] = [:]
        var indicatorSources: [String: String] = [:]
        for index in files.indices {
            var list: [Document] = []
            for node in documents[index] {
                guard case .mapping(let entries) = node.kind else {
                    decodings[index].report(node, "", "expected a mapping (an OpenSLO or Sloth document), got \(node.kindDescription)")
                    continue
                }
                if entries.contains(where: { $0.key.scalar == "apiVersion" }) {
                    guard let header = decodings[index].openSLOHeader(node) else { continue }
                    switch header.kind {
                    case "SLO": list.append(.openSLO(header))
                    case "SLI":
                        if let earlier = indicatorSources[header.name] {
                            decodings[index].report(node, "SLI \(header.name)", "a kind SLI named \(quoted(header.name)) is defined twice: here and at \(earlier)")
                        } else if let indicator = decodings[index].decodeOpenSLOIndicator(node, "SLI \(header.name)", inline: false) {
                            indicators[header.name] = indicator
                            indicatorSources[header.name] = "\(files[index].name):\(node.line):\(node.column)"
                        }
                    case let kind where SLODecoding.ignoredOpenSLOKinds.contains(kind):
                        break
                    case let kind:
                        decodings[index].report(node, "kind", "unknown OpenSLO kind \(quoted(kind)) (slod imports SLO and SLI)")
                    }
                } else if entries.contains(where: { $0.key.scalar == "version" }) {
                    list.append(.sloth(node))
                } else {
                    decodings[index].report(node, "", "neither an OpenSLO document (apiVersion: openslo/v1) nor a Sloth file (version: prometheus/v1)")
                }
            }
            classified.append(list)
        }
        // Pass 2: the SLOs.
        var located: [(spec: SLOSpec, keyPath: String)] = []
        for index in files.indices {
            for document in classified[index] {
                switch document {
                case .openSLO(let header):
                    if let one = decodings[index].decodeOpenSLO(header, indicators: indicators) { located.append(one) }
                case .sloth(let node):
                    located += decodings[index].decodeSloth(node)
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
