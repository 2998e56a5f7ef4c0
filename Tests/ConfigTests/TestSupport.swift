@testable import Config
import Primitives

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses a YAML string.
func parseYAML(_ text: String) throws(YAMLError) -> [YAMLNode] {
    try YAML.parse(Array(text.utf8))
}

/// A compact, position-free rendering of a node: scalars quoted, `null`, `[a, b]`, `{"k": v}`.
func render(_ node: YAMLNode) -> String {
    switch node.kind {
    case .null: return "null"
    case .scalar(let text, _): return quoted(text, limit: 10_000)
    case .sequence(let items): return "[" + items.map(render).joined(separator: ", ") + "]"
    case .mapping(let entries):
        return "{" + entries.map { render($0.key) + ": " + render($0.value) }.joined(separator: ", ") + "}"
    }
}

/// All documents of a stream rendered and joined by ` --- `; or `error L:C: message`.
func renderStream(_ text: String) -> String {
    do {
        return try parseYAML(text).map(render).joined(separator: " --- ")
    } catch {
        return "error \(error)"
    }
}

/// The value of key `v` in the first document.
func valueOfV(_ text: String) throws -> YAMLNode? {
    let docs = try parseYAML(text)
    guard case .mapping(let entries)? = docs.first?.kind else { return nil }
    return entries.first { $0.key.scalar == "v" }?.value
}

func loadConfig(_ text: String, file: String = "slod.yaml") -> Result<SlodConfiguration, ConfigErrors> {
    ConfigLoader.parse(Array(text.utf8), file: file)
}

/// The errors of a config that must fail, or an empty list (which fails the caller's check).
func configErrors(_ text: String) -> [ConfigError] {
    if case .failure(let errors) = loadConfig(text) { return errors.errors }
    return []
}

/// The repository root: the nearest directory above this file holding `config/slod.yaml`
/// (or `$SLOD_REPO_ROOT`).
func repositoryRoot(from filePath: String = #filePath) -> String? {
    if let env = getenv("SLOD_REPO_ROOT") { return String(cString: env) }
    var directory = filePath
    while let slash = directory.lastIndex(of: "/") {
        directory = String(directory[..<slash])
        if access(directory + "/config/slod.yaml", F_OK) == 0 { return directory }
    }
    return nil
}

func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        out += buffer[0..<count]
    }
    return out
}

