import DqliteStore
import HACore
import RaftCluster
import XCTest

/// The singular-controller lease as Juju's lease store runs it (spec §6.4), on the simulated
/// clock.
final class LeaseTests: XCTestCase {
    func test_claimStoresStartAndExpiryFromTheGivenClock() throws {
        let db = try NodeDatabase()
        try Fixture.claim(db, "l-1", holder: "controller-0", now: Fixture.t0, duration: .seconds(60))
        XCTAssertEqual(try Fixture.leases(db), [
            [.text("controller"), .text("controller-0"), .iso8601("2026-01-01T00:00:00.000Z"), .iso8601("2026-01-01T00:01:00.000Z")],
        ])
    }

    func test_claimingAHeldLeaseFailsWithTheUniqueConstraintCode() throws {
        let db = try NodeDatabase()
        try Fixture.claim(db, "l-1", holder: "controller-0")
        let failure = Fixture.failure {
            try db.apply(LeaseStatements.claim(uuid: "l-2", modelUUID: Fixture.controllerModel, name: "controller",
                                               holder: "controller-1", now: Fixture.at(5), duration: .seconds(60)))
        }
        XCTAssertEqual(failure?.code, 2067)
        XCTAssertEqual(failure?.code, SQLFailure.constraintUnique)
        XCTAssertEqual(failure?.primaryCode, SQLFailure.constraint)
        XCTAssertEqual(failure?.message, "UNIQUE constraint failed: lease.model_uuid, lease.lease_type_id, lease.name")
        XCTAssertEqual(failure?.dqliteFailure,
                       DqliteFailure(code: 2067, message: "UNIQUE constraint failed: lease.model_uuid, lease.lease_type_id, lease.name"))
        XCTAssertEqual(try Fixture.leases(db).map { $0[1] }, [.text("controller-0")])
    }

    func test_theSameNameMayBeClaimedOncePerLeaseType() throws {
        let db = try NodeDatabase()
        try Fixture.claim(db, "l-1", name: "mysql", holder: "controller-0")
        try db.apply(LeaseStatements.claim(uuid: "l-2", modelUUID: Fixture.controllerModel, name: "mysql", holder: "mysql/0",
                                           now: Fixture.t0, duration: .seconds(60), type: .applicationLeadership))
        XCTAssertEqual(try db.query(LeaseStatements.leases(type: .applicationLeadership, modelUUID: Fixture.controllerModel)).rows, [
            [.text("application-leadership"), .text(Fixture.controllerModel), .text("mysql"), .text("mysql/0"),
             .iso8601("2026-01-01T00:01:00.000Z")],
        ])
    }

    func test_extendOfALeaseHeldByAnotherHolderAffectsNoRows() throws {
        let db = try NodeDatabase()
        try Fixture.claim(db, "l-1", holder: "controller-0")
        let before = db.digest()
        let result = try db.apply(LeaseStatements.extend(modelUUID: Fixture.controllerModel, name: "controller",
                                                         holder: "controller-1", now: Fixture.at(30), duration: .seconds(60)))
        XCTAssertEqual(result.rowsAffected, 0)
        XCTAssertEqual(db.digest(), before)
        let unknown = try db.apply(LeaseStatements.extend(modelUUID: Fixture.controllerModel, name: "nothing",
                                                          holder: "controller-0", now: Fixture.at(30), duration: .seconds(60)))
        XCTAssertEqual(unknown.rowsAffected, 0)
    }

    func test_extendByTheHolderMovesTheExpiryFromNow() throws {
        let db = try NodeDatabase()
        try Fixture.claim(db, "l-1", holder: "controller-0")
        let result = try db.apply(LeaseStatements.extend(modelUUID: Fixture.controllerModel, name: "controller",
                                                         holder: "controller-0", now: Fixture.at(30), duration: .seconds(60)))
        XCTAssertEqual(result.rowsAffected, 1)
        XCTAssertEqual(try Fixture.leases(db).first?[3], .iso8601("2026-01-01T00:01:30.000Z"))
        XCTAssertEqual(try Fixture.leases(db).first?[2], .iso8601("2026-01-01T00:00:00.000Z"), "start stays")
    }

    func test_revokeDeletesOnlyTheHoldersLease() throws {
        let db = try NodeDatabase()
        try Fixture.claim(db, "l-1", holder: "controller-0")
        let byOther = try db.apply(LeaseStatements.revoke(modelUUID: Fixture.controllerModel, name: "controller", holder: "controller-1"))
        XCTAssertEqual(byOther.rowsAffected, 0)
        XCTAssertEqual(try Fixture.count(db, "lease"), 1)
        let byHolder = try db.apply(LeaseStatements.revoke(modelUUID: Fixture.controllerModel, name: "controller", holder: "controller-0"))
        XCTAssertEqual(byHolder.rowsAffected, 1)
        XCTAssertEqual(try Fixture.count(db, "lease"), 0)
        // Free again: another controller can claim it.
        try Fixture.claim(db, "l-2", holder: "controller-1", now: Fixture.at(1))
    }

    func test_expireDeletesOnlyExpiredUnpinnedLeases() throws {
        let db = try NodeDatabase()
        try Fixture.claim(db, "l-a", name: "a-expired", holder: "controller-0", duration: .seconds(10))
        try Fixture.claim(db, "l-b", name: "b-expired-pinned", holder: "controller-0", duration: .seconds(10))
        try Fixture.claim(db, "l-c", name: "c-expires-now", holder: "controller-0", duration: .seconds(20))
        try Fixture.claim(db, "l-d", name: "d-live", holder: "controller-0", duration: .seconds(60))
        try db.apply(LeaseStatements.pin(uuid: "p-1", modelUUID: Fixture.controllerModel, name: "b-expired-pinned", entity: "machine-0"))

        let result = try db.apply(LeaseStatements.expire(now: Fixture.at(20)))
        XCTAssertEqual(result.rowsAffected, 1)
        XCTAssertEqual(try Fixture.leases(db).map { $0[0] }, [.text("b-expired-pinned"), .text("c-expires-now"), .text("d-live")])

        // Unpinned, the expired lease goes at the next expiry.
        let unpin = try db.apply(LeaseStatements.unpin(modelUUID: Fixture.controllerModel, name: "b-expired-pinned", entity: "machine-0"))
        XCTAssertEqual(unpin.rowsAffected, 1)
        XCTAssertEqual(try db.apply(LeaseStatements.expire(now: Fixture.at(20.001))).rowsAffected, 2)
        XCTAssertEqual(try Fixture.leases(db).map { $0[0] }, [.text("d-live")])
    }

    func test_pinningTwiceIsNotAnError() throws {
        let db = try NodeDatabase()
        try Fixture.claim(db, "l-1", holder: "controller-0")
        try db.apply(LeaseStatements.pin(uuid: "p-1", modelUUID: Fixture.controllerModel, name: "controller", entity: "machine-0"))
        let again = try db.apply(LeaseStatements.pin(uuid: "p-2", modelUUID: Fixture.controllerModel, name: "controller", entity: "machine-0"))
        XCTAssertEqual(again.rowsAffected, 0)
        XCTAssertEqual(try Fixture.count(db, "lease_pin"), 1)
    }

    func test_aClaimWithAnUnreadableClockFailsOnNotNull() throws {
        let db = try NodeDatabase()
        let failure = Fixture.failure {
            try db.apply(LeaseStatements.claim(uuid: "l-1", modelUUID: Fixture.controllerModel, name: "controller",
                                               holder: "controller-0", now: "yesterday", duration: .seconds(60)))
        }
        XCTAssertEqual(failure?.code, SQLFailure.constraintNotNull)
        XCTAssertEqual(failure?.message, "NOT NULL constraint failed: lease.start")
    }

    func test_durationsRoundUpToWholeSecondsAsJujuDoes() {
        XCTAssertEqual(LeaseStatements.modifier(.seconds(60)), "+60 seconds")
        XCTAssertEqual(LeaseStatements.modifier(.milliseconds(1)), "+1 seconds")
        XCTAssertEqual(LeaseStatements.modifier(.milliseconds(59_001)), "+60 seconds")
        XCTAssertEqual(LeaseStatements.modifier(.zero), "+0 seconds")
    }

    func test_statementsNeverReadTheDatabaseClock() {
        let statements = [
            LeaseStatements.claim(uuid: "u", modelUUID: "m", name: "n", holder: "h", now: Fixture.t0, duration: .seconds(1)),
            LeaseStatements.extend(modelUUID: "m", name: "n", holder: "h", now: Fixture.t0, duration: .seconds(1)),
            LeaseStatements.revoke(modelUUID: "m", name: "n", holder: "h"),
            LeaseStatements.expire(now: Fixture.t0),
            LeaseStatements.pin(uuid: "u", modelUUID: "m", name: "n", entity: "e"),
            LeaseStatements.unpin(modelUUID: "m", name: "n", entity: "e"),
            LeaseStatements.leases(modelUUID: "m"),
        ]
        for statement in statements {
            XCTAssertFalse(statement.sql.lowercased().contains("now"), statement.sql)
        }
    }

    func test_timestampsAreFixedWidthMillisecondsAsStrftimeWritesThem() throws {
        XCTAssertEqual(SQLTimestamp.iso8601(unixMicroseconds: 1_767_225_600_000_000), "2026-01-01T00:00:00.000Z")
        XCTAssertEqual(SQLTimestamp.iso8601(unixMicroseconds: 1_767_225_600_123_999), "2026-01-01T00:00:00.123Z")
        XCTAssertEqual(SQLTimestamp.iso8601(unixMicroseconds: 0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(SQLTimestamp.iso8601(unixMicroseconds: -1), "1969-12-31T23:59:59.999Z")
        let db = try NodeDatabase()
        for micros: Int64 in [0, 1_767_225_600_000_000, 1_767_225_600_123_000, 951_782_400_999_000] {
            let text = SQLTimestamp.iso8601(unixMicroseconds: micros)
            let normalised = try db.query(SQLStatement("SELECT strftime(?, ?)", [.text(LeaseStatements.timeFormat), .text(text)]))
            XCTAssertEqual(normalised.rows, [[.text(text)]])
        }
    }
}
