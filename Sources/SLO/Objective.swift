/// An SLO objective (target), held exactly in parts per billion.
///
/// Configuration text is a percentage (`99.9`, `99.95`, `95`: up to 7 decimals) or, from OpenSLO,
/// a ratio (`0.999`: up to 9 decimals). The value must lie strictly between 0 and 100 %: an
/// objective of 100 % has no error budget (every burn rate would divide by zero) and 0 % is
/// meaningless, so both are rejected at start-up.
///
/// `ratio` and `errorBudget` are computed from the exact integer as `ppb / 10^9`, one correctly
/// rounded division, so they are the doubles nearest to the decimal values and print as
/// `0.999` and `0.001` (where `1 - 0.999` would print `0.0010000000000000009`).
public struct Objective: Sendable, Hashable, CustomStringConvertible {
    /// 10^9: the fixed-point scale.
    public static let scale: Int64 = 1_000_000_000

    /// The objective in parts per billion, in `1 ..< 10^9`.
    public let partsPerBillion: Int64

    public init(partsPerBillion: Int64) throws(SLOConfigurationError) {
        guard partsPerBillion > 0, partsPerBillion < Objective.scale else {
            throw SLOConfigurationError("objective", "\(partsPerBillion) parts per billion must be strictly between 0 and 10^9")
        }
        self.partsPerBillion = partsPerBillion
    }

    /// Parses a percentage such as `99.9` (no `%` sign, no exponent, at most 7 decimals).
    public init(percent text: String) throws(SLOConfigurationError) {
        guard let ppb = DecimalText.parseFixed(text, fractionDigits: 7) else {
            throw SLOConfigurationError("objective", "\"\(text)\" is not a percentage like 99.9 (digits, one optional point, at most 7 decimals)")
        }
        guard ppb > 0, ppb < Objective.scale else {
            throw SLOConfigurationError("objective", "\"\(text)\" must be a percentage strictly between 0 and 100")
        }
        self.partsPerBillion = ppb
    }

    /// Parses a ratio such as `0.999` (OpenSLO `target`; at most 9 decimals).
    public init(ratio text: String) throws(SLOConfigurationError) {
        guard let ppb = DecimalText.parseFixed(text, fractionDigits: 9) else {
            throw SLOConfigurationError("objective", "\"\(text)\" is not a ratio like 0.999 (digits, one optional point, at most 9 decimals)")
        }
        guard ppb > 0, ppb < Objective.scale else {
            throw SLOConfigurationError("objective", "\"\(text)\" must be a ratio strictly between 0 and 1")
        }
        self.partsPerBillion = ppb
    }

    /// The objective as a ratio, e.g. `0.999`.
    public var ratio: Double { Double(partsPerBillion) / Double(Objective.scale) }

    /// The error budget `1 − objective` in parts per billion (exact).
    public var errorBudgetPartsPerBillion: Int64 { Objective.scale - partsPerBillion }

    /// The error budget `1 − objective` as a ratio, e.g. `0.001`; always > 0.
    public var errorBudget: Double { Double(errorBudgetPartsPerBillion) / Double(Objective.scale) }

    /// The percentage as shortest exact decimal text, e.g. `99.9`.
    public var percentText: String { DecimalText.render(partsPerBillion, fractionDigits: 7) }

    /// The ratio as shortest exact decimal text, e.g. `0.999`.
    public var ratioText: String { DecimalText.render(partsPerBillion, fractionDigits: 9) }

    /// The error budget as shortest exact decimal text, e.g. `0.001`.
    public var errorBudgetText: String { DecimalText.render(errorBudgetPartsPerBillion, fractionDigits: 9) }

    public var description: String { percentText + "%" }
}
