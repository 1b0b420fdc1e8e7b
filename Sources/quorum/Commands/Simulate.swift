import ArgumentParser
import Dispatch
import Foundation
import HACore
import Simulation

enum SimulateFlavor: String, ExpressibleByArgument, CaseIterable {
    /// A MongoDB-style replica set of state servers.
    case legacy
    /// A Dqlite (Raft) cluster of controllers.
    case modern

    /// One seed of this flavor's sweep.
    func run(seed: UInt64, options: SweepOptions, trace: inout Trace) -> SeedOutcome {
        switch self {
        case .legacy: return ReplicaSetSweep.run(seed: seed, options: options, trace: &trace)
        case .modern: return DqliteSweep.run(seed: seed, options: options, trace: &trace)
        }
    }
}

extension FaultSelection: ExpressibleByArgument {}

enum WorkloadKind: String, ExpressibleByArgument, CaseIterable {
    case none, writes
}

/// An inclusive range of seeds written `A..B` (or a single seed).
struct SeedRange: ExpressibleByArgument {
    var first: UInt64
    var last: UInt64

    init?(argument: String) {
        let parts = argument.components(separatedBy: "..")
        guard parts.count <= 2, let a = UInt64(parts[0]), let b = UInt64(parts.last!), a <= b else { return nil }
        first = a
        last = b
    }
}

/// `quorum simulate`: seed sweeps of the replica set (legacy) or the Dqlite cluster (modern)
/// with faults, per-step invariant checks and an end-of-run history check; a failing seed is
/// printed with the command that replays it.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sweep seeds of a simulated cluster under faults and check its invariants.")

    @Option(help: "Which database cluster to simulate.")
    var flavor: SimulateFlavor = .legacy

    @Option(help: "Number of replica-set members (legacy) or controllers (modern): 3, 5 or 7.")
    var members = 3

    @Option(help: "Seeds to run, A..B inclusive.")
    var seeds: SeedRange?

    @Option(help: "swarm: each seed draws its own fault mix; none: no faults.")
    var faults: FaultSelection = .swarm

    @Option(help: "Simulated time of the fault phase per seed.")
    var duration: Interval = .minutes(10)

    @Option(help: "none, or writes: a client inserting keys with w:majority (legacy), or with EXEC_SQL through the Dqlite leader (modern).")
    var workload: WorkloadKind = .writes

    @Option(help: "Run this one seed with a full trace.")
    var replay: UInt64?

    @Option(help: "With --replay, write the trace to this file.")
    var trace: String?

    @Option(help: "With --replay, draw the members over simulated time into this SVG file.")
    var timeline: String?

    @Flag(name: .shortAndLong, help: "Print every seed's outcome, not only failures.")
    var verbose = false

    func validate() throws {
        guard [3, 5, 7].contains(members) else { throw ValidationError("--members must be 3, 5 or 7") }
        guard (seeds == nil) != (replay == nil) else { throw ValidationError("give either --seeds A..B or --replay SEED") }
        guard trace == nil || replay != nil else { throw ValidationError("--trace goes with --replay") }
        guard timeline == nil || replay != nil else { throw ValidationError("--timeline goes with --replay") }
        guard duration > .zero else { throw ValidationError("--duration must be positive") }
    }

    private var options: SweepOptions {
        SweepOptions(members: members, faults: faults, duration: duration, writes: workload == .writes)
    }

    func run() throws {
        SeedCrashReport.install(replayCommand: replayCommand(seed: nil))
        if let replay { return try runReplay(replay) }
        guard let seeds else { return }
        let started = DispatchTime.now()
        let outcomes = sweep(seeds)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let failed = outcomes.filter { !$0.passed }
        for outcome in outcomes where verbose || !outcome.passed { print(describe(outcome)) }
        let events = outcomes.reduce(UInt64(0)) { $0 + $1.events }
        print(String(format: "%d seeds, %d passed, %d failed in %.1fs (%.1f seeds/s, %.0f events/s)",
                     outcomes.count, outcomes.count - failed.count, failed.count, seconds,
                     Double(outcomes.count) / seconds, Double(events) / seconds))
        if !failed.isEmpty {
            throw Failure("\(failed.count) seed\(failed.count == 1 ? "" : "s") violated an invariant", code: .invariantViolated)
        }
    }

    /// Runs the seeds on every core; results come back in seed order whatever finished first.
    private func sweep(_ range: SeedRange) -> [SeedOutcome] {
        let count = Int(range.last - range.first + 1)
        let box = OutcomeBox(count: count)
        let options = self.options
        let flavor = self.flavor
        DispatchQueue.concurrentPerform(iterations: ProcessInfo.processInfo.activeProcessorCount) { worker in
            var index = worker
            let workers = ProcessInfo.processInfo.activeProcessorCount
            while index < count {
                var trace = Trace(recording: false)
                let seed = range.first + UInt64(index)
                SeedCrashReport.enter(worker: worker, seed: seed)
                box.set(index, flavor.run(seed: seed, options: options, trace: &trace))
                SeedCrashReport.leave(worker: worker)
                index += workers
            }
        }
        return box.all
    }

    private func runReplay(_ seed: UInt64) throws {
        var trace = Trace()
        SeedCrashReport.enter(worker: 0, seed: seed)
        var options = self.options
        options.timeline = timeline != nil
        let outcome = flavor.run(seed: seed, options: options, trace: &trace)
        SeedCrashReport.leave(worker: 0)
        if let path = trace.isRecording ? self.trace : nil {
            guard FileManager.default.createFile(atPath: path, contents: Data(trace.text.utf8)) else {
                throw Failure("cannot write \(path)")
            }
        }
        if let path = timeline, let recorded = outcome.timeline {
            let title = "quorum simulate --flavor \(flavor.rawValue) --members \(members) --replay \(seed)"
            try FileSystem.writeAtomically(Data(TimelineSVG(timeline: recorded, title: title).render().utf8), to: path)
        }
        print(describe(outcome))
        for fault in outcome.faults where verbose { print("  fault \(fault)") }
        if !outcome.passed { throw Failure("seed \(seed) violated an invariant", code: .invariantViolated) }
    }

    private func describe(_ o: SeedOutcome) -> String {
        let summary = "events \(o.events), acknowledged \(o.acknowledged), unknown \(o.unknown), refused \(o.refused), faults \(o.faults.count)"
        guard !o.passed else { return "seed \(o.seed): ok (\(summary))" }
        var lines = ["seed \(o.seed): FAILED (\(summary))"]
        lines += o.violations.map { "  \($0)" }
        lines.append("  replay: \(replayCommand(seed: o.seed))")
        return lines.joined(separator: "\n")
    }

    /// The command that replays `seed` (nil: up to where the seed goes).
    private func replayCommand(seed: UInt64?) -> String {
        let command = "quorum simulate --flavor \(flavor.rawValue) --members \(members) --faults \(faults.rawValue) --duration \(duration) --workload \(workload.rawValue) --replay "
        return seed.map { command + "\($0) --trace seed-\($0).trace" } ?? command
    }
}

/// Collects outcomes from concurrent workers.
private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [SeedOutcome?]

    init(count: Int) { outcomes = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ outcome: SeedOutcome) {
        lock.lock()
        outcomes[index] = outcome
        lock.unlock()
    }

    var all: [SeedOutcome] { outcomes.compactMap { $0 } }
}
