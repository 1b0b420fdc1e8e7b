import DqliteStore
import HACore
import RaftCluster
import XCTest

enum Fixture {
    static let controllerModel = "a1b2c3d4-0000-4000-8000-000000000001"
    static let otherModel = "a1b2c3d4-0000-4000-8000-000000000002"
    static let t0 = "2026-01-01T00:00:00.000Z"

    /// `t0` plus `seconds`, in the stored form.
    static func at(_ seconds: Double) -> String {
        SQLTimestamp.iso8601(unixMicroseconds: 1_767_225_600_000_000 + Int64(seconds * 1_000_000))
    }

    static func database(file: StaticString = #filePath, line: UInt = #line) throws -> NodeDatabase {
        try NodeDatabase()
    }

    static func count(_ db: NodeDatabase, _ table: String) throws -> Int64 {
        let result = try db.query(SQLStatement("SELECT count(*) FROM \(table)"))
        guard case .integer(let n) = result.rows.first?.first else {
            XCTFail("count(*) of \(table) is \(result)")
            return -1
        }
        return n
    }

    static func claim(_ db: NodeDatabase, _ uuid: String, name: String = "controller", holder: String,
                      now: String = t0, duration: Interval = .seconds(60)) throws {
        let result = try db.apply(LeaseStatements.claim(uuid: uuid, modelUUID: controllerModel, name: name,
                                                        holder: holder, now: now, duration: duration))
        XCTAssertEqual(result.rowsAffected, 1, "claim \(name) by \(holder)")
    }

    static func leases(_ db: NodeDatabase) throws -> [[SQLValue]] {
        try db.query(SQLStatement("SELECT name, holder, start, expiry FROM lease ORDER BY name")).rows
    }

    /// A failure of `body`, or a test failure if it succeeds or throws anything else.
    static func failure<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> SQLFailure? {
        do {
            let value = try body()
            XCTFail("expected a failure, got \(value)", file: file, line: line)
        } catch let failure as SQLFailure {
            return failure
        } catch {
            XCTFail("expected an SQLFailure, got \(error)", file: file, line: line)
        }
        return nil
    }
}
