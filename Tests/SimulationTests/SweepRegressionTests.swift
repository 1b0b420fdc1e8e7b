import HACore
@testable import Simulation
import XCTest

/// Seeds the 10,000-seed sweeps flagged, kept so what they taught stays learnt, and the sweep
/// features that make seeds do more (operator steps, clock skew).
final class SweepRegressionTests: XCTestCase {
    private func run(legacySeed seed: UInt64) -> (SeedOutcome, String) {
        var trace = Trace()
        let options = SweepOptions(members: 5, faults: .swarm, duration: .minutes(10), writes: true)
        let outcome = ReplicaSetSweep.run(seed: seed, options: options, trace: &trace)
        return (outcome, trace.lines.joined(separator: "\n"))
    }

    /// Seed 8762: machine-0 wins term 5, is paused while catching up, machine-3 wins term 6 and
    /// commits, machine-0 resumes, finishes its catch-up and is writable for an instant before
    /// the term-6 heartbeat steps it down. Term 6's entries are not owed to term 5's primary.
    func test_seed8762_aPrimaryPausedDuringCatchUpIsNotOwedALaterTermsEntries() {
        let (outcome, trace) = run(legacySeed: 8762)
        XCTAssertEqual(outcome.violations, [])
        XCTAssertTrue(trace.contains("machine-3 mongod: election succeeded, assuming primary role in term 6"), "the newer term was won")
        XCTAssertTrue(trace.contains("machine-0 mongod: stepping down from primary: term 6 seen in heartbeat"), "the stale primary stepped down")
    }

    func test_skewIsInjectedAndSeedsStillPass() {
        var skewed = 0
        for seed in 1...12 as ClosedRange<UInt64> {
            var trace = Trace(recording: false)
            let outcome = ReplicaSetSweep.run(seed: seed, options: SweepOptions(members: 3, faults: .swarm, duration: .minutes(5), writes: true),
                                              trace: &trace)
            XCTAssertEqual(outcome.violations, [], "seed \(seed)")
            skewed += outcome.faults.filter { $0.contains(" skew ") }.count
        }
        XCTAssertGreaterThan(skewed, 0, "some seeds skew clocks")
    }

    func test_modernOperatorGrowsRemovesAndBacksUp() {
        var steps: [String] = []
        for seed in 1...6 as ClosedRange<UInt64> {
            var trace = Trace(recording: false)
            let outcome = DqliteSweep.run(seed: seed, options: SweepOptions(members: 3, faults: .swarm, duration: .minutes(10), writes: true),
                                          trace: &trace)
            XCTAssertEqual(outcome.violations, [], "seed \(seed)")
            steps += outcome.faults
        }
        XCTAssertTrue(steps.contains { $0.contains("enable-ha -n") }, "the operator grew a cluster")
        XCTAssertTrue(steps.contains { $0.hasSuffix("create-backup") }, "the operator took a backup that held every acknowledged key")
    }
}
