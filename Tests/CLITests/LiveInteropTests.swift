import Foundation
import XCTest

/// A live environment seen through an independent Dqlite client (Tests/Interop/dqlite_client.py,
/// Python standard library only): the cluster, the controller database, and a real failover.
final class LiveInteropTests: LiveCLITestCase {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/dqlite_client.py")

    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    private func python(_ arguments: [String]) throws -> (out: String, code: Int32) {
        let (data, code) = try InteropScript.run(python: Self.python!, script: Self.script.path, arguments)
        return (String(decoding: data, as: UTF8.self), code)
    }

    /// Node addresses as db-status lists them.
    private func addresses() throws -> [String] {
        try cli.ok(["db-status"]).split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("address: ") ? String(trimmed.dropFirst("address: ".count)) : nil
        }
    }

    func testAnIndependentClientSeesTheClusterTheControllerTableAndAFailover() throws {
        guard Self.python != nil else { throw XCTSkip("python3 is not installed: the interop test needs it") }
        try bootstrapLive()
        try cli.ok(["enable-ha"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "30s"])
        let addresses = try addresses()
        XCTAssertEqual(addresses.count, 3)

        let cluster = try python(["cluster"] + addresses)
        XCTAssertEqual(cluster.code, 0)
        let nodes = cluster.out.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(nodes.count, 3, cluster.out)
        XCTAssertEqual(Set(nodes.map { $0[1] }), Set(addresses))
        XCTAssertEqual(nodes.map { $0[2] }, ["voter", "voter", "voter"])

        let rows = try python(["query", "controller", "SELECT controller_id, dqlite_node_id, dqlite_bind_address FROM controller_node ORDER BY controller_id"] + addresses)
        XCTAssertEqual(rows.code, 0)
        let decoded = try rows.out.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [Any] }
        XCTAssertEqual(decoded.map { $0[0] as? String }, ["0", "1", "2"], rows.out)
        // Each row names the node the independent client saw in CLUSTER, at the machine's IP.
        for row in decoded {
            let node = try XCTUnwrap(nodes.first { $0[0] == row[1] as? String }, "\(row)")
            XCTAssertEqual(node[1].split(separator: ":").first.map(String.init), row[2] as? String)
        }

        // The controllers' singular-controller lease lives in the real database: one holder.
        var holders: [String] = []
        let leaseDeadline = Date().addingTimeInterval(15)
        while Date() < leaseDeadline, holders.isEmpty {
            let lease = try python(["query", "controller",
                                    "SELECT l.holder FROM lease l JOIN lease_type t ON t.id = l.lease_type_id WHERE t.type = 'singular-controller'"]
                                   + addresses)
            holders = lease.out.split(separator: "\n").map(String.init)
            if holders.isEmpty { usleep(500_000) }
        }
        XCTAssertEqual(holders.count, 1, "\(holders)")
        XCTAssertTrue(["[\"0\"]", "[\"1\"]", "[\"2\"]"].contains(holders.first ?? ""), "\(holders)")

        let before = try python(["leader"] + addresses)
        XCTAssertEqual(before.code, 0)
        let leaderAddress = try XCTUnwrap(before.out.split(separator: " ").last).trimmingCharacters(in: .whitespacesAndNewlines)
        let leaderIP = String(leaderAddress.split(separator: ":")[0])
        let machine = try XCTUnwrap(try cli.ok(["status"]).split(separator: "\n").first { $0.contains(" \(leaderIP) ") })
            .split(separator: " ")[0]
        let pid = try XCTUnwrap(pid_t(String(contentsOfFile: cli.path("live/machines/\(machine)/agent.pid"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(kill(pid, SIGKILL), 0)

        let deadline = Date().addingTimeInterval(20)
        var newLeader: String?
        while Date() < deadline, newLeader == nil {
            let answer = try python(["leader"] + addresses)
            if answer.code == 0, !answer.out.contains(leaderAddress) { newLeader = answer.out }
            usleep(200_000)
        }
        XCTAssertNotNil(newLeader, "no new leader answered LEADER within 20s of SIGKILL of \(leaderAddress)")
        try cli.ok(["destroy-environment", "live", "-y"])
    }
}
