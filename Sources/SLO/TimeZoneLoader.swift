/// Finds IANA time zones by name. The module does no I/O: the caller passes a closure that
/// reads a whole file (the daemon gives one built on `Platform` that caps the size).
public enum TimeZoneLoader {
    /// Where Debian (and most Linux distributions) keep the compiled zone files.
    public static let defaultDirectory = "/usr/share/zoneinfo"

    /// Checks that `name` is a plausible zone name that cannot escape the zoneinfo directory:
    /// 1…255 bytes of `A-Z a-z 0-9 _ + - . /`, no leading or trailing `/`, no empty, `.` or `..`
    /// component. It does not check that the zone exists.
    public static func validate(name: String) throws(SLOConfigurationError) {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 255 else {
            throw SLOConfigurationError("time_zone", "\"\(name)\" must be 1 to 255 characters long")
        }
        for b in bytes {
            let ok = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "/")
            guard ok else {
                throw SLOConfigurationError("time_zone", "\"\(name)\" may only contain letters, digits, _ + - . and /")
            }
        }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty, component != ".", component != ".." else {
                throw SLOConfigurationError("time_zone", "\"\(name)\" must be a relative name like Europe/Berlin without empty, . or .. components")
            }
        }
    }

    /// Loads the zone `name`: `UTC` is built in (no file is read); any other name is validated,
    /// then `read(directory + "/" + name)` must return the TZif bytes, which are parsed.
    /// A failing read or a malformed file is reported as an `SLOConfigurationError` that names
    /// the path and the problem.
    public static func load(name: String, directory: String = defaultDirectory,
                            read: (String) throws -> [UInt8]) throws(SLOConfigurationError) -> TimeZoneRules {
        if name == "UTC" { return .utc }
        try validate(name: name)
        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        let bytes: [UInt8]
        do {
            bytes = try read(path)
        } catch {
            throw SLOConfigurationError("time_zone", "cannot read \(path) for zone \"\(name)\": \(error)")
        }
        do {
            return try TZif.parse(bytes, name: name)
        } catch {
            throw SLOConfigurationError("time_zone", "\(path) is not a valid TZif file: \(error)")
        }
    }
}
