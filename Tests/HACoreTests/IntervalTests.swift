import XCTest
@testable import HACore

final class IntervalTests: XCTestCase {
    func test_formatsLikeGoDurationString() {
        let cases: [(Interval, String)] = [
            (.zero, "0s"), (.microseconds(1), "1µs"), (.microseconds(1_500), "1.5ms"), (.milliseconds(500), "500ms"),
            (.seconds(1), "1s"), (.milliseconds(1_500), "1.5s"), (.seconds(30), "30s"), (.minutes(2), "2m0s"),
            (.seconds(90), "1m30s"), (.minutes(90), "1h30m0s"), (.hours(2), "2h0m0s"),
            (.microseconds(54_137_637), "54.137637s"), (.seconds(-5), "-5s"),
        ]
        for (interval, text) in cases { XCTAssertEqual(interval.description, text) }
    }

    func test_parsesGoDurationSyntax() {
        let cases: [(String, Interval)] = [
            ("0", .zero), ("500ms", .milliseconds(500)), ("30s", .seconds(30)), ("2m", .minutes(2)),
            ("1h30m", .minutes(90)), ("1.5s", .milliseconds(1_500)), ("250us", .microseconds(250)),
            ("2m0s", .minutes(2)), ("-1s", .seconds(-1)), ("1500ns", .microseconds(1)),
        ]
        for (text, interval) in cases { XCTAssertEqual(Interval(parsing: text), interval, text) }
    }

    func test_rejectsMalformedDurations() {
        for text in ["", "5", "s", "1x", "1.2.3s", "m5", "--1s", "1h 30m"] {
            XCTAssertNil(Interval(parsing: text), text)
        }
    }

    func test_formatThenParseIsIdentity() {
        var rng = SplitMix64(seed: 9)
        for _ in 0..<1_000 {
            let interval = Interval(microseconds: Int64(rng.next() % 100_000_000_000))
            XCTAssertEqual(Interval(parsing: interval.description), interval)
        }
    }

    func test_instantPrintsFixedWidthSinceBootstrap() {
        XCTAssertEqual(Instant.zero.description, "00:00:00.000000")
        XCTAssertEqual((Instant.zero + .minutes(61) + .microseconds(5)).description, "01:01:00.000005")
    }
}

final class RandomTests: XCTestCase {
    func test_splitMix64MatchesReferenceSequence() {
        // Reference outputs of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        var rng = SplitMix64(seed: 0)
        XCTAssertEqual(rng.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(rng.next(), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(rng.next(), 0x06C4_5D18_8009_454F)
    }

    func test_derivedSeedsAreStableAndIndependent() {
        let root = Seed(42)
        XCTAssertEqual(root.derive("network"), Seed(42).derive("network"))
        XCTAssertNotEqual(root.derive("network"), root.derive("faults"))
        XCTAssertNotEqual(root.derive("network"), Seed(43).derive("network"))
    }

    func test_intervalDrawStaysWithinBounds() {
        var rng = SplitMix64(seed: 1)
        for _ in 0..<10_000 {
            let d = rng.interval(in: .seconds(20), .seconds(60))
            XCTAssertTrue(d >= .seconds(20) && d <= .seconds(60))
        }
        XCTAssertEqual(rng.interval(in: .seconds(5), .seconds(5)), .seconds(5))
    }

    func test_chanceZeroNeverFiresAndOneAlwaysFires() {
        var rng = SplitMix64(seed: 2)
        XCTAssertFalse((0..<1_000).contains { _ in rng.chance(0) })
        XCTAssertTrue((0..<1_000).allSatisfy { _ in rng.chance(1) })
    }
}

final class QuorumMathTests: XCTestCase {
    func test_majorityOfOddAndEvenVoterCounts() {
        XCTAssertEqual([1, 2, 3, 4, 5, 6, 7].map(QuorumMath.majority(of:)), [1, 2, 2, 3, 3, 4, 4])
    }

    func test_threeVotersSurviveOneFailureNotTwo() {
        XCTAssertTrue(QuorumMath.hasQuorum(up: 2, of: 3))
        XCTAssertFalse(QuorumMath.hasQuorum(up: 1, of: 3))
        XCTAssertEqual(QuorumMath.faultTolerance(of: 3), 1)
    }

    func test_fiveVotersSurviveTwoFailures() {
        XCTAssertTrue(QuorumMath.hasQuorum(up: 3, of: 5))
        XCTAssertFalse(QuorumMath.hasQuorum(up: 2, of: 5))
        XCTAssertEqual(QuorumMath.faultTolerance(of: 7), 3)
    }

    func test_summaryReportsNeededVoters() {
        let summary = QuorumSummary(votersUp: 1, voters: 3)
        XCTAssertEqual(summary.needed, 2)
        XCTAssertFalse(summary.hasQuorum)
    }
}

final class MachineIDTests: XCTestCase {
    func test_parsesJujuMachineIDs() {
        XCTAssertEqual(MachineID(parsing: "0"), 0)
        XCTAssertEqual(MachineID(parsing: "12"), 12)
        for bad in ["", "-1", "01", "1/lxc/0", "a", " 1"] { XCTAssertNil(MachineID(parsing: bad), bad) }
    }

    func test_liveAddressIsLoopbackTenPlusN() {
        XCTAssertEqual(MachineID(0).address, "127.0.0.10")
        XCTAssertEqual(MachineID(5).address, "127.0.0.15")
        XCTAssertEqual(MachineID(3).tag, "machine-3")
    }
}
