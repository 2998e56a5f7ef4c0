// The SLO module: objectives, error budgets and burn rates over time-bucketed good/total counts.
//
// Pure: no I/O, no clocks, no Foundation. Time is always passed in as Unix nanoseconds (`Int64`),
// time zones arrive as bytes (`TZif.parse`) or through a file-reading closure
// (`TimeZoneLoader.load`). The pieces, bottom up:
//
// | file | subject |
// |---|---|
// | `Objective.swift`, `DecimalText.swift` | objectives in exact fixed point, budget = 1 − objective |
// | `BudgetMath.swift` | error ratio, burn rate, remaining budget, time to exhaustion (never NaN/Inf) |
// | `Duration.swift`, `Period.swift`, `CalendarPeriod.swift`, `CivilDate.swift` | windows and periods |
// | `TimeZoneRules.swift`, `TZif.swift`, `TZif+Footer.swift`, `TimeZoneLoader.swift` | IANA zones |
// | `SLOConfiguration.swift`, `SLOLayout.swift` | validated spec and the tier/window layout it implies |
// | `BucketTiers*.swift`, `WindowSums.swift` | multi-resolution buckets with O(1) running window sums |
// | `Timeslices.swift` | open slices for the timeslices and ratio_timeslices budgeting methods |
// | `SLOState*.swift`, `SLOStatus.swift` | one SLO instance: ingest, advance, evaluate, checkpoint |
// | `AlertPolicy*.swift` | burn-rate alert tiers and their windows, the labels and annotations of every alert |
// | `RuleGenerator*.swift` | the equivalent Prometheus recording and alerting rules (`slod rules`) |
