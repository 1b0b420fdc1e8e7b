import XCTest
@testable import ModernJuju
import HACore
import RaftCluster

final class LeaseSingularTests: XCTestCase {
    /// 2024-01-01T00:00:00Z.
    private let epoch: Int64 = 1_704_067_200_000_000
    private let model = "e8c4d910-8818-4a8a-8839-25766a1875d3"
    private let controllerUUID = "deadbeef-1bad-500d-9000-4b1d0d06f00d"

    private func worker(_ holder: String, seed: UInt64 = 1) -> SingularLeaseWorker {
        SingularLeaseWorker(holder: holder, modelUUID: model, leaseName: controllerUUID,
                            settings: SingularLeaseSettings(epochUnixMicros: epoch), rng: SplitMix64(seed: seed))
    }

    private func at(_ seconds: Double) -> Instant { Instant(microseconds: Int64(seconds * 1_000_000)) }

    private func holding(_ holder: String = "0", since: Double = 0) -> SingularLeaseWorker {
        var w = worker(holder)
        _ = w.onTick(now: at(since))
        _ = w.onClaimResult(.claimed, now: at(since))
        return w
    }

    // MARK: - Time stamps

    func test_timestampsAreSQLiteDatetimeTextFromTheGivenEpoch() {
        let clock = LeaseClock(epochUnixMicros: epoch)
        XCTAssertEqual(clock.timestamp(at(0)), "2024-01-01 00:00:00")
        XCTAssertEqual(clock.timestamp(at(1.9)), "2024-01-01 00:00:01")
        XCTAssertEqual(clock.timestamp(at(86_400 + 3_661)), "2024-01-02 01:01:01")
        XCTAssertEqual(clock.expiry(from: at(1.5), duration: .seconds(60)), at(61))
        XCTAssertEqual(clock.expiry(from: at(0), duration: .milliseconds(59_001)), at(60), "durations round up to seconds")
    }

    // MARK: - Claiming

    func test_firstTickSweepsExpiredLeasesThenClaims() {
        var w = worker("0")
        let out = w.onTick(now: at(12.25))
        XCTAssertEqual(out.count, 2)
        guard case .expireLeases(let expire) = out[0], case .claim(let claim) = out[1] else {
            return XCTFail("\(out)")
        }
        XCTAssertEqual(expire.parameters, [.iso8601("2024-01-01 00:00:12")])
        XCTAssertTrue(expire.sql.contains("l.expiry < ?"))
        XCTAssertEqual(claim.sql, """
            INSERT INTO lease (uuid, lease_type_id, model_uuid, name, holder, start, expiry)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        XCTAssertEqual(Array(claim.parameters.dropFirst()), [
            .integer(0), .text(model), .text(controllerUUID), .text("0"),
            .iso8601("2024-01-01 00:00:12"), .iso8601("2024-01-01 00:01:12"),
        ])
        guard case .text(let uuid) = claim.parameters[0] else { return XCTFail() }
        XCTAssertEqual(uuid.count, 36)
        XCTAssertEqual(Array(uuid)[14], "4", "version-4 UUID")
        XCTAssertFalse(w.runsSingularWorkers)
    }

    func test_leaseUUIDsComeFromTheGivenGenerator() {
        var a = worker("0", seed: 42), b = worker("0", seed: 42)
        XCTAssertEqual(a.onTick(now: at(0)), b.onTick(now: at(0)))
    }

    func test_successfulClaimRaisesTheFlag() {
        var w = worker("0")
        _ = w.onTick(now: at(0))
        XCTAssertEqual(w.onClaimResult(.claimed, now: at(0.2)), [.setFlag(true)])
        XCTAssertTrue(w.runsSingularWorkers)
    }

    func test_claimAnsweredAfterTheLeaseLapsedDoesNotRaiseTheFlag() {
        var w = worker("0")
        _ = w.onTick(now: at(0))
        XCTAssertEqual(w.onClaimResult(.claimed, now: at(61)), [])
        XCTAssertFalse(w.runsSingularWorkers)
    }

    func test_heldLeaseIsCheckedWithAnExtensionBeforeGivingUp() {
        var w = worker("1")
        _ = w.onTick(now: at(0))
        let out = w.onClaimResult(.held, now: at(0.1))
        guard case .extend(let extend)? = out.first else { return XCTFail("\(out)") }
        XCTAssertEqual(extend.parameters, [.iso8601("2024-01-01 00:01:00"), .integer(0), .text(model), .text(controllerUUID), .text("1")])
        XCTAssertEqual(w.onExtendResult(rowsAffected: 0, now: at(0.2)), [])
        XCTAssertFalse(w.runsSingularWorkers)
        XCTAssertEqual(w.onTick(now: at(4)), [], "waits for the retry interval")
        XCTAssertEqual(w.onTick(now: at(5.2)).count, 2)
    }

    func test_heldLeaseThatIsOursIsTakenBackByExtension() {
        var w = worker("0")
        _ = w.onTick(now: at(0))
        _ = w.onClaimResult(.held, now: at(0.1))
        XCTAssertEqual(w.onExtendResult(rowsAffected: 1, now: at(0.2)), [.setFlag(true)])
    }

    // MARK: - Keeping it

    func test_holderExtendsEveryThirtySeconds() {
        var w = holding(since: 0)
        XCTAssertEqual(w.onTick(now: at(10)), [])
        XCTAssertEqual(w.onTick(now: at(29.9)), [])
        let out = w.onTick(now: at(30))
        guard case .extend(let extend)? = out.first, out.count == 1 else { return XCTFail("\(out)") }
        XCTAssertEqual(extend.sql, """
            UPDATE lease
            SET    expiry = ?
            WHERE  lease_type_id = ?
            AND    model_uuid = ?
            AND    name = ?
            AND    holder = ?
            """)
        XCTAssertEqual(extend.parameters.first, .iso8601("2024-01-01 00:01:30"))
        XCTAssertEqual(w.onExtendResult(rowsAffected: 1, now: at(30.1)), [])
        XCTAssertEqual(w.phase, .holding(expiry: at(90), renewedAt: at(30)))
        XCTAssertEqual(w.nextDeadline, at(60))
        XCTAssertTrue(w.runsSingularWorkers)
    }

    func test_extensionAffectingNoRowsLowersTheFlag() {
        var w = holding()
        _ = w.onTick(now: at(30))
        XCTAssertEqual(w.onExtendResult(rowsAffected: 0, now: at(30.1)), [.setFlag(false)])
        XCTAssertEqual(w.phase, .idle)
    }

    func test_holderThatCannotRenewDropsTheFlagWhenItsLeaseExpires() {
        var w = holding()
        _ = w.onTick(now: at(30))                    // extension sent, never answered
        XCTAssertEqual(w.onTick(now: at(59.9)), [])
        XCTAssertEqual(w.onTick(now: at(60)), [.setFlag(false)])
        XCTAssertEqual(w.onExtendResult(rowsAffected: 1, now: at(61)), [], "a late answer is ignored")
        XCTAssertFalse(w.runsSingularWorkers)
    }

    func test_storeFailureLowersTheFlag() {
        var w = holding()
        _ = w.onTick(now: at(30))
        XCTAssertEqual(w.onRequestFailed(now: at(31)), [.setFlag(false)])
        XCTAssertEqual(w.nextClaimAt, at(36))
    }

    func test_stoppingLowersTheFlag() {
        var w = holding()
        XCTAssertEqual(w.onStop(), [.setFlag(false)])
        XCTAssertEqual(w.onStop(), [])
    }

    // MARK: - Several controllers on one lease table

    /// Executes the lease statements against an in-memory table the way SQLite would for the
    /// parameters they carry: unique key, text comparison of timestamps.
    private struct LeaseTable {
        struct Row { var holder: String; var expiry: String }
        var rows: [LeaseKey: Row] = [:]

        mutating func expire(_ s: SQLStatement) {
            guard case .iso8601(let now) = s.parameters[0] else { return }
            rows = rows.filter { !($0.value.expiry < now) }
        }

        mutating func claim(_ s: SQLStatement) -> LeaseClaimOutcome {
            guard case .integer(let type) = s.parameters[1], case .text(let model) = s.parameters[2],
                  case .text(let name) = s.parameters[3], case .text(let holder) = s.parameters[4],
                  case .iso8601(let expiry) = s.parameters[6] else { fatalError() }
            let key = LeaseKey(type: LeaseType(rawValue: type)!, modelUUID: model, name: name)
            if rows[key] != nil { return .held }
            rows[key] = Row(holder: holder, expiry: expiry)
            return .claimed
        }

        mutating func extend(_ s: SQLStatement) -> Int {
            guard case .iso8601(let expiry) = s.parameters[0], case .integer(let type) = s.parameters[1],
                  case .text(let model) = s.parameters[2], case .text(let name) = s.parameters[3],
                  case .text(let holder) = s.parameters[4] else { fatalError() }
            let key = LeaseKey(type: LeaseType(rawValue: type)!, modelUUID: model, name: name)
            guard rows[key]?.holder == holder else { return 0 }
            rows[key]!.expiry = expiry
            return 1
        }
    }

    private func run(_ workers: inout [SingularLeaseWorker], _ table: inout LeaseTable, alive: [Bool], now: Instant) {
        for i in workers.indices where alive[i] {
            var pending = workers[i].onTick(now: now)
            while !pending.isEmpty {
                let directive = pending.removeFirst()
                switch directive {
                case .expireLeases(let s): table.expire(s)
                case .claim(let s): pending += workers[i].onClaimResult(table.claim(s), now: now)
                case .extend(let s): pending += workers[i].onExtendResult(rowsAffected: table.extend(s), now: now)
                case .setFlag: break
                }
            }
        }
    }

    func test_onlyOneControllerRunsSingularWorkersAndAnotherTakesOverAfterExpiry() {
        var workers = ["0", "1", "2"].enumerated().map { worker($0.element, seed: UInt64($0.offset + 1)) }
        var table = LeaseTable()
        var alive = [true, true, true]
        var holders: [[String]] = []
        var deadHolder: String?
        var diedAt: Instant?
        for step in 0..<400 {
            let now = Instant(microseconds: Int64(step) * 700_000)   // ticks every 0.7 s
            if step == 100, let index = workers.firstIndex(where: \.runsSingularWorkers) {
                alive[index] = false                                  // the holder's machine dies
                deadHolder = workers[index].holder
                diedAt = now
            }
            run(&workers, &table, alive: alive, now: now)
            let flagged = workers.indices.filter { alive[$0] && workers[$0].runsSingularWorkers }.map { workers[$0].holder }
            XCTAssertLessThanOrEqual(flagged.count, 1, "step \(step): \(flagged)")
            holders.append(flagged)
        }
        XCTAssertEqual(holders[5], ["0"], "the first claimant wins")
        let takeover = holders.indices.first { $0 > 100 && !holders[$0].isEmpty && holders[$0] != [deadHolder!] }
        XCTAssertNotNil(takeover)
        if let takeover, let diedAt {
            let waited = Instant(microseconds: Int64(takeover) * 700_000) - diedAt
            XCTAssertLessThanOrEqual(waited, .seconds(70), "a rival takes over once the dead holder's lease has expired")
        }
    }
}
