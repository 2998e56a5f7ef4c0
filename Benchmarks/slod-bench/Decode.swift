import Foundation
import OTLP

/// Best-of-rounds time per call of `body`, in seconds.
func timeBest(rounds: Int, minSeconds: Double = 0.3, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    // Under valgrind (instruction counts, repeatable on a busy machine): a fixed number of
    // iterations, no calibration.
    if let fixed = ProcessInfo.processInfo.environment["SLOD_BENCH_ITERATIONS"].flatMap(Int.init) {
        let t = clock.measure { for _ in 0..<fixed { body() } }
        return seconds(t) / Double(max(fixed, 1))
    }
    var iterations = 1
    // Calibrate so a round lasts at least `minSeconds`.
    while true {
        let t = clock.measure { for _ in 0..<iterations { body() } }
        if seconds(t) >= minSeconds / 3 { break }
        iterations *= 2
    }
    var best = Double.infinity
    for _ in 0..<max(3, rounds) {
        let t = clock.measure { for _ in 0..<iterations { body() } }
        best = min(best, seconds(t) / Double(iterations))
    }
    return best
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func benchDecode(_ o: Options) {
    let sink = DiscardingSink()
    let pb = OTLPProtobufDecoder()
    let js = OTLPJSONDecoder()
    let inflater = Inflater(maxOutputBytes: 1 << 30, maxRatio: 100_000)
    print("slod-bench decode: best of \(max(3, o.rounds)) rounds, discarding sink, one core")
    print("fixture                   input      points  ns/point   MB/s (uncompressed)   M points/s")
    func report(_ name: String, bytes: Int, uncompressed: Int, points: Int, time: Double) {
        let padded = name.padding(toLength: 24, withPad: " ", startingAt: 0)
        print(padded + String(format: " %8d B  %6d  %8.1f  %10.0f            %8.2f", bytes, points,
                     time / Double(points) * 1e9, Double(uncompressed) / time / 1e6, Double(points) / time / 1e6))
    }
    for size in ["small", "medium", "large"] {
        let raw = loadFixture("metrics_\(size).pb")
        let gz = loadFixture("metrics_\(size).pb.gz")
        var points = 0
        let tRaw = timeBest(rounds: o.rounds) {
            raw.withUnsafeBytes { b in
                let s = try! pb.decode(b, context: RequestContext(encoding: .protobuf), into: sink)
                points = s.acceptedPoints
            }
        }
        report("metrics_\(size).pb", bytes: raw.count, uncompressed: raw.count, points: points, time: tRaw)
        let tGz = timeBest(rounds: o.rounds) {
            gz.withUnsafeBytes { b in
                let body = try! inflater.inflate(b, coding: .gzip)
                _ = try! pb.decode(body, context: RequestContext(encoding: .protobuf), into: sink)
            }
        }
        report("metrics_\(size).pb.gz", bytes: gz.count, uncompressed: raw.count, points: points, time: tGz)
        let tZlib = timeBest(rounds: o.rounds) {
            gz.withUnsafeBytes { b in consume(try! inflater.inflate(b, coding: .gzip).count) }
        }
        print(String(format: "  zlib inflate alone (ceiling of the gzip path): %.0f MB/s of output; gzip path = %.0f%% of it",
                     Double(raw.count) / tZlib / 1e6, tZlib / tGz * 100))
    }
    let json = loadFixture("metrics_medium.json")
    var jsonPoints = 0
    let tJSON = timeBest(rounds: o.rounds) {
        json.withUnsafeBytes { b in
            let s = try! js.decode(b, context: RequestContext(encoding: .json), into: sink)
            jsonPoints = s.acceptedPoints
        }
    }
    report("metrics_medium.json", bytes: json.count, uncompressed: json.count, points: jsonPoints, time: tJSON)
    let large = loadFixture("metrics_large.pb")
    let tLarge = timeBest(rounds: o.rounds) {
        large.withUnsafeBytes { b in _ = try! pb.decode(b, context: RequestContext(encoding: .protobuf), into: sink) }
    }
    let tMedJSON = tJSON
    print(String(format: "RESULT decode: protobuf %.2f GB/s (target >= 1.0), JSON %.0f MB/s (target >= 150)",
                 Double(large.count) / tLarge / 1e9, Double(json.count) / tMedJSON / 1e6))
}
