// `make bench`: the performance figures of DESIGN §7 that exist so far, each with its unit,
// its target and a same-run comparison where one applies. Figures, never pass/fail.
import Foundation
import HACore
import Simulation

struct Figure {
    var name: String
    var value: String
    var unit: String
    var target: String
}

/// Simulated events per second on one core: a world of `machines` agents pinging presence.
func simulatorThroughput(machines: Int, simulated: Interval) -> (events: UInt64, seconds: Double) {
    var trace = Trace(recording: false)
    // A modern world: machines and presence only, no database cluster yet.
    var world = World(config: WorldConfig(name: "bench", flavor: .modern, seed: Seed(1)), trace: &trace)
    for _ in 1..<machines {
        let id = world.addMachine(jobs: [.hostUnits])
        world.provision(id, trace: &trace)
    }
    let start = world.eventCount
    let clock = ContinuousClock()
    let elapsed = clock.measure { world.run(until: world.now + simulated, trace: &trace) }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (world.eventCount - start, seconds)
}

/// Median wall time of `quorum status` on a sim environment of `machines` state servers
/// (bootstrap + ensure-availability), process start included.
func statusLatency(binary: URL, machines: Int, runs: Int) throws -> Double {
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-bench-\(getpid())")
    defer { try? FileManager.default.removeItem(at: home) }
    setenv("QUORUM_HOME", home.path, 1)
    // posix_spawn rather than Foundation's Process, whose own set-up would dominate the figure.
    func quorum(_ args: [String]) throws -> Double { try MigrationBench.spawnDirect([binary.path] + args).0 }
    _ = try quorum(["bootstrap", "bench", "--seed", "1", "--clock", "virtual"])
    _ = try quorum(["ensure-availability", "-n", String(machines)])
    _ = try quorum(["wait", "--until", "settled", "--timeout", "10m"])
    let times = try (0..<runs).map { _ in try quorum(["status"]) }.sorted()
    return times[times.count / 2]
}

/// `quorum simulate …` as a user runs it (every core); its summary line's figures.
func sweepRun(binary: URL, _ arguments: [String]) throws -> (seeds: Int, failed: Int, seconds: Double, seedsPerSecond: Double, eventsPerSecond: Double) {
    let process = Process()
    process.executableURL = binary
    process.arguments = ["simulate"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    // "2000 seeds, 2000 passed, 0 failed in 304.8s (6.6 seeds/s, 161472 events/s)"
    guard let line = output.split(separator: "\n").last(where: { $0.contains(" seeds, ") }) else {
        throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "no summary from simulate"])
    }
    let numbers = line.split(whereSeparator: { " (),s/".contains($0) }).compactMap { Double($0) }
    guard numbers.count >= 6 else { throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: String(line)]) }
    return (Int(numbers[0]), Int(numbers[2]), numbers[3], numbers[4], numbers[5])
}

/// A 5-member replica set under swarm faults with a write workload and every per-step check on,
/// one seed at a time on one core.
func replicaSetThroughput(seeds: Range<UInt64>) -> (events: UInt64, seconds: Double) {
    let options = SweepOptions(members: 5, faults: .swarm, duration: .minutes(10), writes: true)
    var events: UInt64 = 0
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        for seed in seeds {
            var trace = Trace(recording: false)
            events += ReplicaSetSweep.run(seed: seed, options: options, trace: &trace).events
        }
    }
    return (events, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

var figures: [Figure] = []
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("quorum")
/// `quorum-bench live-failover` measures only that figure.
let only = CommandLine.arguments.dropFirst().first

func liveFailoverFigures() {
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
        figures.append(Figure(name: "live modern failover", value: "not measured", unit: "", target: "build the quorum product first"))
        return
    }
    do {
        let times = try LiveFailoverBench(quorum: binary).measure(runs: 7).sorted()
        figures.append(Figure(name: "live modern failover: SIGKILL of the Dqlite leader → new leader answers LEADER, median of 7",
                              value: String(format: "%.2f", times[times.count / 2]), unit: "s", target: "≤ 5 (Dqlite defaults)"))
        figures.append(Figure(name: "  the 7 runs", value: times.map { String(format: "%.2f", $0) }.joined(separator: " "), unit: "s", target: ""))
    } catch {
        figures.append(Figure(name: "live modern failover", value: "not measured", unit: "", target: "\(error)"))
    }
}

func migrationFigures() {
    guard FileManager.default.isExecutableFile(atPath: binary.path) else { return }
    let environment = ProcessInfo.processInfo.environment
    let baseline = environment["QUORUM_MIGRATE_BASELINE"].flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
    let bench = MigrationBench(quorum: binary.path, baseline: baseline)
    let sizes = (environment["QUORUM_MIGRATE_DOCS"] ?? "100000,1000000").split(separator: ",").compactMap { Int($0) }
    do {
        for size in sizes {
            let run = try bench.run(documents: size)
            let mb = Double(run.bytes) / 1_000_000
            let label = size >= 1_000_000 ? "\(size / 1_000_000)M" : "\(size / 1000)k"
            figures.append(Figure(name: "migrate-backup legacy → modern, \(label) documents (\(Int(mb)) MB of BSON), end to end",
                                  value: String(format: "%.0f", Double(run.documents) / run.ours.seconds), unit: "documents/s", target: "≥ 0.5 × C baseline"))
            figures.append(Figure(name: "  same run", value: String(format: "%.1f", mb / run.ours.seconds), unit: "MB/s", target: ""))
            figures.append(Figure(name: "  peak RSS, \(label) documents", value: String(format: "%.0f", Double(run.ours.peakKiB) / 1024), unit: "MiB",
                                  target: "≤ 256, not growing with the archive"))
            if let c = run.c {
                figures.append(Figure(name: "  C baseline (libbson → SQLite, one transaction), same documents",
                                      value: String(format: "%.0f", Double(run.documents) / c.seconds), unit: "documents/s",
                                      target: String(format: "%.1f MB/s, peak RSS %.0f MiB", mb / c.seconds, Double(c.peakKiB) / 1024)))
                figures.append(Figure(name: "  ratio migrate-backup / C baseline", value: String(format: "%.2f", c.seconds / run.ours.seconds),
                                      unit: "×", target: "≥ 0.5"))
            } else {
                figures.append(Figure(name: "  C baseline", value: "not measured", unit: "", target: "make bench builds it (QUORUM_MIGRATE_BASELINE)"))
            }
        }
    } catch {
        figures.append(Figure(name: "migrate-backup", value: "not measured", unit: "", target: "\(error)"))
    }
    bench.cleanUp()
}


/// `quorum-bench GROUP` measures one group of figures and prints them (bench/latest.md is
/// written by the full run only).
let groups: [String: () -> Void] = [
    "migration": migrationFigures,
    "legacy-failover": { legacyFailoverFigures(into: &figures, binary: binary) },
    "live-failover": liveFailoverFigures,
    "backup": { backupCommandFigures(into: &figures, binary: binary) },
]
if let only {
    guard let group = groups[only] else {
        FileHandle.standardError.write(Data("error: unknown figure group \(only) (\(groups.keys.sorted().joined(separator: ", ")))\n".utf8))
        exit(2)
    }
    group()
    for f in figures { print("| \(f.name) | \(f.value) | \(f.unit) | \(f.target) |") }
    exit(0)
}
let rs = replicaSetThroughput(seeds: 0..<20)
figures.append(Figure(name: "replica set, 5 members, swarm faults, writes, checks on (20 seeds × 10 min, 1 core)",
                      value: String(format: "%.0f", Double(rs.events) / rs.seconds), unit: "events/s", target: "≥ 1,000,000"))
figures.append(Figure(name: "  seeds per second on one core", value: String(format: "%.2f", 20 / rs.seconds), unit: "seeds/s",
                      target: "1,000 seeds in ≤ 60 s on 2 cores ⇒ ≥ 8.3 per core"))
let sim = simulatorThroughput(machines: 7, simulated: .hours(24 * 30))
figures.append(Figure(name: "machines and presence only, 7 machines, 30 simulated days", value: String(format: "%.0f", Double(sim.events) / sim.seconds),
                      unit: "events/s", target: "(engine overhead)"))
figures.append(Figure(name: "  events in that run", value: String(sim.events), unit: "events", target: ""))

if FileManager.default.isExecutableFile(atPath: binary.path) {
    do {
        let sweep = try sweepRun(binary: binary, ["--members", "5", "--seeds", "0..999", "--duration", "10m"])
        figures.append(Figure(name: "quorum simulate, legacy, 5 members, 1,000 swarm seeds × 10 simulated min, all cores",
                              value: String(format: "%.1f", sweep.seconds), unit: "s",
                              target: "≤ 60 on 2 cores (\(sweep.failed) of \(sweep.seeds) seeds failed)"))
        let modern = try sweepRun(binary: binary, ["--flavor", "modern", "--members", "5", "--seeds", "0..199", "--duration", "10m"])
        figures.append(Figure(name: "quorum simulate, modern, 5 controllers, 200 swarm seeds × 10 simulated min, all cores",
                              value: String(format: "%.2f", modern.seedsPerSecond), unit: "seeds/s",
                              target: String(format: "(%.0f events/s; %d of %d seeds failed)", modern.eventsPerSecond, modern.failed, modern.seeds)))
        let median = try statusLatency(binary: binary, machines: 7, runs: 21)
        figures.append(Figure(name: "quorum status, 7-machine legacy sim environment, median of 21", value: String(format: "%.1f", median * 1000),
                              unit: "ms", target: "≤ 50, process start included"))
    } catch {
        figures.append(Figure(name: "quorum simulate / status", value: "not measured", unit: "", target: "\(error)"))
    }
    backupCommandFigures(into: &figures, binary: binary)
} else {
    figures.append(Figure(name: "quorum simulate / status / backups", value: "not measured", unit: "", target: "build the quorum product first"))
}

liveFailoverFigures()
legacyFailoverFigures(into: &figures, binary: binary)

let archives = ArchiveBench()
do {
    try archives.prepare()
    let (write, read) = try archives.measure()
    let mb = Double(archives.totalBytes) / 1_000_000
    figures.append(Figure(name: "archive write, \(Int(mb)) MB of BSON (ours, gzip)", value: String(format: "%.1f", mb / write.0), unit: "MB/s",
                          target: "≥ 0.8 × tar czf"))
    figures.append(Figure(name: "  tar czf, same files", value: String(format: "%.1f", mb / write.1), unit: "MB/s",
                          target: String(format: "ratio %.2f", write.1 / write.0)))
    figures.append(Figure(name: "archive read and hash (ours)", value: String(format: "%.1f", mb / read.0), unit: "MB/s",
                          target: "≥ 0.8 × tar xzf"))
    figures.append(Figure(name: "  tar xzf, same archive", value: String(format: "%.1f", mb / read.1), unit: "MB/s",
                          target: String(format: "ratio %.2f", read.1 / read.0)))
} catch {
    figures.append(Figure(name: "archive write/read", value: "not measured", unit: "", target: "\(error)"))
}
archives.cleanUp()

migrationFigures()

let width = figures.map(\.name.count).max() ?? 0
var table = "| figure | value | unit | target |\n|---|---:|---|---|\n"
for f in figures {
    table += "| \(f.name.padding(toLength: width, withPad: " ", startingAt: 0)) | \(f.value) | \(f.unit) | \(f.target) |\n"
}
print(table, terminator: "")
// The full run's table is kept in bench/latest.md (make bench runs from the repository root).
let stamp = ISO8601DateFormatter().string(from: Date())
// The seed-sweep section (`make sweep` records it) is kept across bench runs.
let sweeps = (try? String(contentsOfFile: "bench/latest.md", encoding: .utf8))
    .flatMap { text in text.range(of: "\n## Seed sweeps").map { String(text[$0.lowerBound...]) } } ?? ""
let report = "# make bench, \(stamp)\n\n\(ProcessInfo.processInfo.activeProcessorCount) cores; figures from one run, "
    + "comparisons made in the same run.\n\n" + table + sweeps
if FileManager.default.fileExists(atPath: "bench") || (try? FileManager.default.createDirectory(atPath: "bench", withIntermediateDirectories: true)) != nil {
    if !FileManager.default.createFile(atPath: "bench/latest.md", contents: Data(report.utf8)) {
        FileHandle.standardError.write(Data("quorum-bench: cannot write bench/latest.md\n".utf8))
    }
}
