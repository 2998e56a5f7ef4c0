/// The named classes of RE2 syntax: Perl (`\d \s \w` and negations), POSIX (`[[:alpha:]]`) and
/// Unicode general categories (`\pL`, `\p{Lu}`, `\p{Any}`).
///
/// Perl and POSIX classes are ASCII-only, as in Go. Unicode categories are the ones Go knows
/// (one- and two-letter names; `C` is `Cc|Cf|Co|Cs`, without unassigned code points, as in Go)
/// plus `Any`; they are computed from the stdlib's `Unicode.Scalar.Properties.generalCategory`,
/// so they follow the toolchain's Unicode version. Scripts (`\p{Greek}`) are not supported: the
/// parser rejects them with `unsupportedUnicodeClass` rather than guess.
enum NamedClasses {
    /// `\d`, `\s`, `\w` (lower case) and their negations (upper case); nil for other letters.
    static func perl(_ letter: UInt8) -> (set: ScalarSet, negated: Bool)? {
        let set: ScalarSet
        switch letter | 0x20 {
        case UInt8(ascii: "d"): set = digit
        case UInt8(ascii: "s"): set = perlSpace
        case UInt8(ascii: "w"): set = word
        default: return nil
        }
        return (set, letter & 0x20 == 0)
    }

    /// `[0-9]`.
    static let digit = ScalarSet.range(0x30, 0x39)
    /// `[0-9A-Za-z_]`: `\w`, and the word characters of `\b`.
    static let word = ScalarSet(unsortedBounds: [0x30, 0x39, 0x41, 0x5A, 0x5F, 0x5F, 0x61, 0x7A])
    /// `[\t\n\f\r ]`: Go's `\s` (no `\v`).
    static let perlSpace = ScalarSet(unsortedBounds: [0x09, 0x0A, 0x0C, 0x0D, 0x20, 0x20])

    /// A POSIX class by name (the text between `[:` and `:]`, without a leading `^`).
    static func posix(_ name: some Sequence<UInt8>) -> ScalarSet? {
        let bounds: [UInt32]
        switch String(decoding: Array(name), as: UTF8.self) {
        case "alnum": bounds = [0x30, 0x39, 0x41, 0x5A, 0x61, 0x7A]
        case "alpha": bounds = [0x41, 0x5A, 0x61, 0x7A]
        case "ascii": bounds = [0x00, 0x7F]
        case "blank": bounds = [0x09, 0x09, 0x20, 0x20]
        case "cntrl": bounds = [0x00, 0x1F, 0x7F, 0x7F]
        case "digit": bounds = [0x30, 0x39]
        case "graph": bounds = [0x21, 0x7E]
        case "lower": bounds = [0x61, 0x7A]
        case "print": bounds = [0x20, 0x7E]
        case "punct": bounds = [0x21, 0x2F, 0x3A, 0x40, 0x5B, 0x60, 0x7B, 0x7E]
        case "space": bounds = [0x09, 0x0D, 0x20, 0x20]
        case "upper": bounds = [0x41, 0x5A]
        case "word": bounds = [0x30, 0x39, 0x41, 0x5A, 0x5F, 0x5F, 0x61, 0x7A]
        case "xdigit": bounds = [0x30, 0x39, 0x41, 0x46, 0x61, 0x66]
        default: return nil
        }
        return ScalarSet(unsortedBounds: bounds)
    }

    /// A Unicode class by name (`L`, `Lu`, `Any`, …); nil when unknown or unsupported.
    static func unicode(_ name: String) -> ScalarSet? {
        if name == "Any" { return .all }
        return UnicodeCategories.shared.sets[name]
    }
}

/// Code points by Unicode general category, built once on first use of `\p`.
///
/// One pass over the planes that have assigned code points (0–3 and 14) reads each scalar's
/// category: about 35 ms in release builds. Planes 4–13 are unassigned, and planes 15–16 are
/// private use except their last two code points (noncharacters); the surrogate block is `Cs`.
/// A test checks samples of these assumptions against the stdlib.
struct UnicodeCategories: Sendable {
    static let shared = UnicodeCategories()

    /// The one- and two-letter category names with their sets.
    let sets: [String: ScalarSet]

    private init() {
        // Runs of equal category, collected per category index (see `names`).
        var bounds = [[UInt32]](repeating: [], count: Self.names.count)
        func scan(_ range: ClosedRange<UInt32>) {
            var runStart = range.lowerBound
            var runCategory = Self.index(range.lowerBound)
            for value in range.lowerBound + 1 ... range.upperBound {
                let category = Self.index(value)
                if category != runCategory {
                    bounds[runCategory].append(contentsOf: [runStart, value - 1])
                    runStart = value
                    runCategory = category
                }
            }
            bounds[runCategory].append(contentsOf: [runStart, range.upperBound])
        }
        scan(0...0x3FFFF)
        scan(0xE0000...0xEFFFF)
        let privateUse = Self.names.firstIndex(of: "Co")!
        bounds[privateUse].append(contentsOf: [0xF0000, 0xFFFFD, 0x100000, 0x10FFFD])

        var sets: [String: ScalarSet] = [:]
        for (index, name) in Self.names.enumerated() where name != "Cn" {
            sets[name] = ScalarSet(unsortedBounds: bounds[index])
        }
        for major in ["L", "M", "N", "P", "S", "Z"] {
            let union = Self.names.indices.filter { Self.names[$0].hasPrefix(major) }.flatMap { bounds[$0] }
            sets[major] = ScalarSet(unsortedBounds: union)
        }
        sets["C"] = ScalarSet(unsortedBounds: ["Cc", "Cf", "Co", "Cs"].flatMap { bounds[Self.names.firstIndex(of: $0)!] })
        self.sets = sets
    }

    /// Two-letter codes, in the order of `index(_:)`.
    static let names = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe",
                        "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"]

    /// The category of a code point as an index into `names` (`Cs` for surrogate values).
    static func index(_ value: UInt32) -> Int {
        guard let scalar = Unicode.Scalar(value) else { return 27 }
        return index(scalar.properties.generalCategory)
    }

    /// The index into `names` of a stdlib general category.
    static func index(_ category: Unicode.GeneralCategory) -> Int {
        switch category {
        case .uppercaseLetter: 0
        case .lowercaseLetter: 1
        case .titlecaseLetter: 2
        case .modifierLetter: 3
        case .otherLetter: 4
        case .nonspacingMark: 5
        case .spacingMark: 6
        case .enclosingMark: 7
        case .decimalNumber: 8
        case .letterNumber: 9
        case .otherNumber: 10
        case .connectorPunctuation: 11
        case .dashPunctuation: 12
        case .openPunctuation: 13
        case .closePunctuation: 14
        case .initialPunctuation: 15
        case .finalPunctuation: 16
        case .otherPunctuation: 17
        case .mathSymbol: 18
        case .currencySymbol: 19
        case .modifierSymbol: 20
        case .otherSymbol: 21
        case .spaceSeparator: 22
        case .lineSeparator: 23
        case .paragraphSeparator: 24
        case .control: 25
        case .format: 26
        case .surrogate: 27
        case .privateUse: 28
        case .unassigned: 29
        @unknown default: 29
        }
    }
}
