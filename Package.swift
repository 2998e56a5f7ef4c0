// swift-tools-version:6.1
// slod — an SLO telemetry daemon. No package dependencies: toolchain modules and zlib only.
import PackageDescription

let optimize: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "slod",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "slod", targets: ["slod"]),
        .executable(name: "slod-bench", targets: ["slod-bench"]),
        .executable(name: "fuzz-http", targets: ["FuzzHTTP"]),
        .executable(name: "fuzz-http-response", targets: ["FuzzHTTPResponse"]),
        .executable(name: "fuzz-wal", targets: ["FuzzWAL"]),
        .executable(name: "fuzz-checkpoint", targets: ["FuzzCheckpoint"]),
        .executable(name: "fuzz-yaml", targets: ["FuzzYAML"]),
        .executable(name: "fuzz-otlp-proto", targets: ["FuzzOTLPProto"]),
        .executable(name: "fuzz-otlp-json", targets: ["FuzzOTLPJSON"]),
        .executable(name: "fuzz-selector", targets: ["FuzzSelector"]),
        .executable(name: "fuzz-tzif", targets: ["FuzzTZif"]),
        .executable(name: "fuzz-inflate", targets: ["FuzzInflate"]),
        .executable(name: "fuzz-ui", targets: ["FuzzUI"]),
    ],
    targets: [
        // C glue. No logic lives here.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CShims", path: "Sources/CShims"),
        // CRC-32 by carry-less multiplication (the one computation Swift cannot reach the instruction for).
        .target(name: "CCRC", path: "Sources/CCRC"),

        // Swift modules, lowest layer first: a module depends only on modules listed above it (see DESIGN.md §4).
        .target(name: "Platform", dependencies: ["CShims"], swiftSettings: optimize),
        .target(name: "Primitives", dependencies: ["Platform", "CShims", "CCRC", "CZlib"], swiftSettings: optimize),
        .target(name: "HTTP", dependencies: ["Platform", "Primitives"], swiftSettings: optimize),
        .target(name: "Wire", dependencies: ["Primitives"], swiftSettings: optimize),
        .target(name: "OTLP", dependencies: ["Wire", "Platform", "Primitives", "HTTP", "CZlib"], swiftSettings: optimize),
        .target(name: "Exposition", dependencies: ["Platform", "Primitives"], swiftSettings: optimize),
        // Prometheus series selectors and RE2-syntax regular expressions (pure, no dependencies).
        .target(name: "Selectors", dependencies: [], swiftSettings: optimize),
        // SLO specs, time-bucketed state, windows, budgets, burn rates. Pure: time is passed in.
        .target(name: "SLO", dependencies: ["Selectors", "Primitives"], swiftSettings: optimize),
        .target(name: "Config", dependencies: ["SLO", "Selectors"], swiftSettings: optimize),
        // Durability: write-ahead log framing (segments, records, CRCs), checkpoints.
        .target(name: "Storage", dependencies: ["Platform", "Primitives"], swiftSettings: optimize),
        // The SLO evaluator: instance registry, series matching, the instances' states fed by the shards' deltas,
        // Sloth-compatible exposition and the JSON API.
        .target(name: "SLOEngine", dependencies: ["SLO", "Selectors", "Exposition", "Primitives"], swiftSettings: optimize),
        // Aggregator shards: series tables, temporality, staleness, cardinality limits, the SLO deltas they collect.
        .target(name: "Aggregation", dependencies: ["OTLP", "Platform", "Primitives", "Exposition", "SLO", "SLOEngine"], swiftSettings: optimize),
        // Burn-rate alerting: alert state machines over SLO snapshots, alert content, notifiers.
        .target(name: "Alerting", dependencies: ["SLO", "SLOEngine", "Exposition", "Platform", "Primitives"], swiftSettings: optimize),
        // The built-in pages: server-rendered HTML of the SLO snapshots and alerts.
        .target(name: "UI", dependencies: ["SLO", "SLOEngine", "Alerting"], swiftSettings: optimize),
        .target(name: "Daemon", dependencies: ["Platform", "Primitives", "HTTP", "Wire", "OTLP", "Aggregation", "Exposition", "Config", "SLO", "SLOEngine", "Alerting", "Storage", "UI"], swiftSettings: optimize),
        .executableTarget(name: "slod", dependencies: ["Daemon"], swiftSettings: optimize),

        // Benchmarks: a package-less harness (`swift run -c release slod-bench …`).
        .executableTarget(name: "slod-bench", dependencies: ["HTTP", "OTLP", "Aggregation", "Config", "Platform", "SLO", "SLOEngine", "Selectors", "Alerting", "Storage", "UI"], path: "Benchmarks/slod-bench", swiftSettings: optimize),

        // Fuzz targets (build with -sanitize=fuzzer, see README).
        .target(name: "CFuzz", path: "Tests/Fuzz/CFuzz"),
        .executableTarget(name: "FuzzHTTP", dependencies: ["CFuzz", "HTTP"], path: "Tests/Fuzz/FuzzHTTP"),
        .executableTarget(name: "FuzzHTTPResponse", dependencies: ["CFuzz", "HTTP"], path: "Tests/Fuzz/FuzzHTTPResponse"),
        .executableTarget(name: "FuzzWAL", dependencies: ["CFuzz", "Storage", "Aggregation"], path: "Tests/Fuzz/FuzzWAL"),
        .executableTarget(name: "FuzzCheckpoint", dependencies: ["CFuzz", "Aggregation", "SLOEngine", "Alerting", "SLO", "Config", "Exposition"],
                          path: "Tests/Fuzz/FuzzCheckpoint"),
        .executableTarget(name: "FuzzYAML", dependencies: ["CFuzz", "Config"], path: "Tests/Fuzz/FuzzYAML"),
        .executableTarget(name: "FuzzOTLPProto", dependencies: ["CFuzz", "OTLP"], path: "Tests/Fuzz/FuzzOTLPProto"),
        .executableTarget(name: "FuzzOTLPJSON", dependencies: ["CFuzz", "OTLP"], path: "Tests/Fuzz/FuzzOTLPJSON"),
        .executableTarget(name: "FuzzSelector", dependencies: ["CFuzz", "Selectors"], path: "Tests/Fuzz/FuzzSelector"),
        .executableTarget(name: "FuzzTZif", dependencies: ["CFuzz", "SLO"], path: "Tests/Fuzz/FuzzTZif"),
        .executableTarget(name: "FuzzInflate", dependencies: ["CFuzz", "OTLP", "Primitives", "CZlib"], path: "Tests/Fuzz/FuzzInflate"),
        .executableTarget(name: "FuzzUI", dependencies: ["CFuzz", "UI", "SLOEngine", "SLO", "Selectors", "Alerting"], path: "Tests/Fuzz/FuzzUI"),

        .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
        .testTarget(name: "PrimitivesTests", dependencies: ["Primitives"]),
        .testTarget(name: "AggregationTests", dependencies: ["Aggregation", "OTLP", "SLO", "SLOEngine", "Selectors"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "Platform"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "SLO", "Selectors", "Primitives"]),
        .testTarget(name: "WireTests", dependencies: ["Wire"]),
        .testTarget(name: "OTLPTests", dependencies: ["OTLP", "Wire", "HTTP", "Primitives", "CZlib"]),
        .testTarget(name: "ExpositionTests", dependencies: ["Exposition"]),
        .testTarget(name: "SelectorsTests", dependencies: ["Selectors", "Primitives"]),
        .testTarget(name: "SLOTests", dependencies: ["SLO", "Selectors", "Primitives"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Primitives"]),
        .testTarget(name: "AlertingTests", dependencies: ["Alerting", "SLOEngine", "SLO", "Selectors", "Exposition", "Platform"]),
        .testTarget(name: "SLOEngineTests", dependencies: ["SLOEngine", "SLO", "Selectors", "Exposition", "Primitives", "UI", "Alerting"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Config", "HTTP"]),
        .testTarget(name: "IntegrationTests", dependencies: ["Platform"]),
    ],
    swiftLanguageModes: [.v6]
)
