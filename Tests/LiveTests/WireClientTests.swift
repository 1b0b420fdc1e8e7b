import Foundation
import Live
import ModernJuju
import RaftCluster
import XCTest

/// Real libdqlite nodes in this test process, driven through the Swift wire client.
final class WireClientTests: XCTestCase {
    private var nodes: [DqliteNodeHost] = []
    private var directories: [String] = []

    override func tearDown() {
        for node in nodes { node.destroy() }
        nodes.removeAll()
        for dir in directories { try? FileManager.default.removeItem(atPath: dir) }
        directories.removeAll()
        super.tearDown()
    }

    private func startNode(id: UInt64) throws -> DqliteNodeHost {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-live-\(UUID().uuidString)").path
        directories.append(dir)
        let address = "127.0.0.1:\(try freePort())"
        let node = try DqliteNodeHost(id: id, address: address, dataDirectory: dir)
        nodes.append(node)
        try node.start()
        return node
    }

    /// Polls `probe` every 100 ms for at most `seconds`.
    private func eventually<T>(_ seconds: Double, _ probe: () -> T?) -> T? {
        let deadline = monotonicSeconds() + seconds
        while monotonicSeconds() < deadline {
            if let value = probe() { return value }
            usleep(100_000)
        }
        return nil
    }

    func testSingleNodeRoundTripsEveryValueTypeAndManyBatches() throws {
        let node = try startNode(id: JujuDqlite.bootstrapID)
        let leader = eventually(10) { () -> (UInt64, String)? in
            guard let c = try? DqliteConnection(address: node.address), let l = try? c.leader(), !l.address.isEmpty else { return nil }
            return (l.id, l.address)
        }
        XCTAssertEqual(leader?.0, JujuDqlite.bootstrapID)
        XCTAssertEqual(leader?.1, node.address)

        let client = DqliteClient(addresses: [node.address])
        let c = try client.connectToLeader()
        defer { c.close() }
        XCTAssertEqual(try c.cluster(), [DqliteNode(id: JujuDqlite.bootstrapID, address: node.address, role: .voter)])
        try c.weight(7)
        XCTAssertEqual(try c.describe(), NodeMetadata(failureDomain: 0, weight: 7))

        XCTAssertEqual(try c.open("test"), 0)
        XCTAssertThrowsError(try c.open("other")) { error in
            guard case DqliteError.busy = error else { return XCTFail("\(error)") }
        }
        try c.exec("CREATE TABLE t (i INTEGER, f REAL, s TEXT, b BLOB, n TEXT, ts DATETIME, iso DATETIME, ok BOOLEAN)")
        let blob: [UInt8] = Array(0...20)
        let inserted = try c.exec("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                  [.integer(-42), .float(2.5), .text("exactly8"), .blob(blob), .null,
                                   .unixTime(1_700_000_000), .iso8601("2026-11-22 06:00:00+00:00"), .boolean(true)])
        XCTAssertEqual(inserted.rowsAffected, 1)
        let rows = try c.query("SELECT * FROM t WHERE i = ?", [.integer(-42)])
        XCTAssertEqual(rows.columns, ["i", "f", "s", "b", "n", "ts", "iso", "ok"])
        XCTAssertEqual(rows.rows.count, 1)
        let row = rows.rows[0]
        XCTAssertEqual(row[0], .integer(-42))
        XCTAssertEqual(row[1], .float(2.5))
        XCTAssertEqual(row[2], .text("exactly8"))
        XCTAssertEqual(row[3], .blob(blob))
        XCTAssertEqual(row[4], .null)
        XCTAssertEqual(row[5], .unixTime(1_700_000_000))
        XCTAssertEqual(row[6].textValue?.hasPrefix("2026-11-22"), true, "\(row[6])")
        XCTAssertEqual(row[7], .boolean(true))

        // Enough rows that the server splits them over several ROWS messages.
        try c.exec("CREATE TABLE many (k INTEGER PRIMARY KEY, v TEXT)")
        try c.exec("BEGIN")
        for k in 0..<3000 { try c.exec("INSERT INTO many (k, v) VALUES (?, ?)", [.integer(Int64(k)), .text(String(repeating: "x", count: k % 50))]) }
        try c.exec("COMMIT")
        let many = try c.query("SELECT k, v FROM many ORDER BY k")
        XCTAssertEqual(many.rows.count, 3000)
        XCTAssertGreaterThan(many.batches, 1)
        XCTAssertEqual(many.rows.last, [.integer(2999), .text(String(repeating: "x", count: 2999 % 50))])

        let files = try c.dump("test")
        XCTAssertEqual(files.first?.name, "test")
        XCTAssertEqual(Array(files.first?.data.prefix(15) ?? []), Array("SQLite format 3".utf8))

        XCTAssertThrowsError(try c.remove(id: 999)) { error in
            guard case DqliteError.notFound = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try c.exec("INSERT INTO nowhere VALUES (1)")) { error in
            guard case DqliteError.failure(let code, let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(code, 1)
            XCTAssertTrue(message.contains("no such table"), message)
        }
    }

    func testThreeNodesFormWithAddAndAssignAndElectANewLeader() throws {
        let first = try startNode(id: 1)
        let second = try startNode(id: 2)
        let third = try startNode(id: 3)
        let client = DqliteClient(addresses: [first.address])
        _ = eventually(10) { client.findLeader() }
        try client.withLeader { c in
            try c.add(id: 2, address: second.address)
            try c.add(id: 3, address: third.address)
            XCTAssertEqual(try c.cluster().map(\.role), [.voter, .spare, .spare])
            try c.assign(id: 2, role: .voter)
            try c.assign(id: 3, role: .voter)
            XCTAssertEqual(try c.cluster().map(\.role), [.voter, .voter, .voter])
        }
        client.setAddresses([first.address, second.address, third.address])
        try client.withLeader(database: "db") { c in
            try c.exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)")
            try c.exec("INSERT INTO kv VALUES ('a', 'b')")
        }
        // A follower refuses writes with "not leader".
        let follower = try DqliteConnection(address: second.address)
        try follower.open("db")
        XCTAssertThrowsError(try follower.exec("INSERT INTO kv VALUES ('c', 'd')")) { error in
            guard case DqliteError.notLeader = error else { return XCTFail("\(error)") }
        }
        follower.close()

        let oldLeader = try XCTUnwrap(client.findLeader())
        XCTAssertEqual(oldLeader.address, first.address)
        first.stop()
        let newLeader = eventually(20) { () -> (id: UInt64, address: String)? in
            guard let l = client.findLeader(), l.address != first.address else { return nil }
            return l
        }
        XCTAssertNotNil(newLeader)
        XCTAssertNotEqual(newLeader?.id, 1)
        let value = try client.withLeader(database: "db") { c in try c.query("SELECT v FROM kv WHERE k = 'a'").rows }
        XCTAssertEqual(value, [[.text("b")]])
    }
}
