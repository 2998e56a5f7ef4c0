/// The good and total counts of one window, in the layout's fixed-point units
/// (`SLOLayout.unitsPerCount` units per event or per slice).
///
/// Window sums add: the sums of several states (e.g. several SLO instances rolled up) can be added
/// window by window and ratios computed from the totals (`SLOLayout.status(sums:period:now:)`).
/// Addition wraps instead of trapping; the units leave room for 2.2 × 10^15 events per window.
public struct WindowSums: Sendable, Hashable, CustomStringConvertible {
    public var good: Int64
    public var total: Int64

    public init(good: Int64, total: Int64) {
        self.good = good
        self.total = total
    }

    public static let zero = WindowSums(good: 0, total: 0)

    @inlinable
    public static func + (a: WindowSums, b: WindowSums) -> WindowSums {
        WindowSums(good: a.good &+ b.good, total: a.total &+ b.total)
    }

    @inlinable
    public static func += (a: inout WindowSums, b: WindowSums) {
        a.good = a.good &+ b.good
        a.total = a.total &+ b.total
    }

    public var description: String { "(good: \(good), total: \(total))" }
}
