import Backups
import Foundation
import RaftCluster
import XCTest

/// Live environments: real `quorum agent` processes with real libdqlite nodes on loopback.
/// Every test kills whatever agents its home recorded, also when it fails.
class LiveCLITestCase: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws {
        cli = try QuorumCLI()
    }

    override func tearDown() {
        if let cli { LiveAgents.killAll(under: cli.home) }
        if let cli { try? FileManager.default.removeItem(at: cli.home) }
        super.tearDown()
    }

    /// Bootstraps a live modern environment on a random loopback range and a free port, so
    /// parallel runs do not collide; roles are adjusted every second instead of every 30 s.
    func bootstrapLive(_ name: String = "live", _ extra: [String] = []) throws {
        let base = Int.random(in: 20...150)
        let port = try LiveAgents.freePort()
        try cli.ok(["bootstrap", name, "--flavor", "modern", "--runtime", "live", "--live-address-base", String(base),
                    "--live-port", String(port), "--roles-interval", "1"] + extra)
    }

    /// The Dqlite column of `status -m controller`, per machine ("voter*" marks the leader).
    func dqliteColumn() throws -> [String: String] {
        var roles: [String: String] = [:]
        for line in try cli.ok(["status"]).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            roles[String(fields[0])] = String(fields.last!)
        }
        return roles
    }

    func machineStates() throws -> [String: String] {
        var states: [String: String] = [:]
        for line in try cli.ok(["status"]).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            states[String(fields[0])] = String(fields[1])
        }
        return states
    }

    /// Counts of voters, stand-bys and spares in the status view (the leader counts as a voter).
    func roleCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for role in try dqliteColumn().values { counts[role.replacingOccurrences(of: "*", with: ""), default: 0] += 1 }
        return counts
    }

    func haColumn() throws -> String {
        let lines = try cli.ok(["controllers", "--refresh"]).split(separator: "\n")
        guard let row = lines.last else { return "" }
        let fields = row.split(separator: " ", omittingEmptySubsequences: true)
        return fields.count >= 2 ? String(fields[fields.count - 2]) : ""
    }
}

enum LiveAgents {
    /// SIGKILLs every agent whose pid file lies under `home` (…/machines/N/agent.pid).
    static func killAll(under home: URL) {
        for pid in pids(under: home) { kill(pid, SIGKILL) }
    }

    static func pids(under home: URL) -> [pid_t] {
        guard let walker = FileManager.default.enumerator(atPath: home.path) else { return [] }
        var pids: [pid_t] = []
        for case let path as String in walker where path.hasSuffix("agent.pid") {
            if let text = try? String(contentsOfFile: home.appendingPathComponent(path).path, encoding: .utf8),
               let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                pids.append(pid)
            }
        }
        return pids
    }

    static func isAgent(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0,
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), !stat.contains(") Z ") else { return false }
        let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
        return String(decoding: cmdline, as: UTF8.self).contains("agent")
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

final class LiveRuntimeTests: LiveCLITestCase {
    func testBootstrapEnableHAAndDestroyStopEveryAgent() throws {
        try bootstrapLive()
        XCTAssertEqual(try dqliteColumn(), ["0": "voter*"])
        XCTAssertTrue(try cli.ok(["environments"]).contains("live*        modern  live"))
        XCTAssertEqual(try cli.ok(["enable-ha"]), "maintaining machines: 0\nadding machines: 1, 2\n")
        XCTAssertTrue(try cli.ok(["wait", "--until", "settled", "--timeout", "30s"]).hasPrefix("settled after "))
        XCTAssertEqual(try roleCounts(), ["voter": 3])
        XCTAssertEqual(try dqliteColumn().values.filter { $0.hasSuffix("*") }.count, 1, "one leader")
        XCTAssertEqual(try haColumn(), "3")
        let show = try cli.ok(["show-controller", "--format", "json"])
        XCTAssertEqual(show.components(separatedBy: "\"ha-status\":\"ha-enabled\"").count - 1, 3, show)
        let dbStatus = try cli.ok(["db-status"])
        XCTAssertTrue(dbStatus.contains("has-quorum: true"), dbStatus)
        XCTAssertEqual(dbStatus.components(separatedBy: "role: voter").count - 1, 3, dbStatus)

        // Commands the live runtime does not carry say so instead of touching anything.
        let skew = try cli.run(["skew", "1", "30s"])
        XCTAssertEqual(skew.code, 1)
        XCTAssertTrue(skew.stderr.contains("not available on the live runtime"), skew.stderr)

        let pids = LiveAgents.pids(under: cli.home)
        XCTAssertEqual(pids.count, 3)
        XCTAssertTrue(pids.allSatisfy(LiveAgents.isAgent))
        try cli.ok(["destroy-environment", "live", "-y"])
        XCTAssertFalse(pids.contains(where: LiveAgents.isAgent), "destroy-environment stops every agent")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.path("live")))
    }

    /// The controller_node rows come from the agents: each machine's dbaccessor reads its
    /// controller.conf, joins or starts its node, logs that it serves and records its row
    /// through the Dqlite leader; the CLI only waits for the rows.
    func testEachAgentsDBAccessorRecordsItsOwnControllerNode() throws {
        try bootstrapLive()
        try cli.ok(["enable-ha"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "30s"])

        // Node ids and addresses as the CLI started the machines (db-status), not from the table.
        let status = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try cli.ok(["db-status", "--format", "json"]).utf8)) as? [String: Any])
        let nodes = try XCTUnwrap(status["nodes"] as? [[String: Any]])
        XCTAssertEqual(nodes.count, 3)

        try cli.ok(["create-backup", "--filename", "nodes.tar.gz"])
        guard case .modern(let backup) = try BackupReader.read(path: cli.path("nodes.tar.gz")).0 else { return XCTFail("not a modern backup") }
        let table = try XCTUnwrap(backup.controller.table("controller_node"))
        let rows = table.sqlRows.map { row in
            Dictionary(uniqueKeysWithValues: zip(table.columns, row.map { value -> String in
                if case .text(let text) = value { return text }
                return "\(value)"
            }))
        }
        XCTAssertEqual(rows.map { $0["controller_id"] }, ["0", "1", "2"], "\(rows)")

        // Machines 0, 1, 2 in order, as db-status lists them.
        XCTAssertEqual(nodes.compactMap { $0["machine"] as? String }, ["0", "1", "2"])
        let addresses = nodes.compactMap { $0["address"] as? String }.map { String($0.split(separator: ":")[0]) }
        let conf = "db-bind-addresses:\n" + addresses.enumerated().map { "  '\($0.offset)': \($0.element)\n" }.joined()
        for node in nodes {
            let machine = try XCTUnwrap(node["machine"] as? String)
            let id = try XCTUnwrap(node["id"] as? String)
            let ip = try XCTUnwrap((node["address"] as? String)?.split(separator: ":").first.map(String.init))
            let row = try XCTUnwrap(rows.first { $0["controller_id"] == machine }, "no controller_node row for machine \(machine)")
            XCTAssertEqual(row["dqlite_node_id"], id, "machine \(machine)")
            XCTAssertEqual(row["dqlite_bind_address"], ip, "machine \(machine)")

            // The charm's controller.conf lists every controller; the agent's dbaccessor read it
            // and served its node with Juju's words.
            XCTAssertEqual(try String(contentsOfFile: cli.path("live/machines/\(machine)/controller.conf"), encoding: .utf8), conf)
            let log = try String(contentsOfFile: cli.path("live/machines/\(machine)/agent.log"), encoding: .utf8)
            XCTAssertTrue(log.contains("INFO juju.worker.dbaccessor serving Dqlite application (ID: \(id))"), log)
            XCTAssertTrue(log.contains("INFO juju.worker.dbaccessor read cluster config: map[0:\(addresses[0]) 1:\(addresses[1]) 2:\(addresses[2])]"), log)
            XCTAssertTrue(log.contains(machine == "0" ? "Dqlite node is configured to bind to a cloud-local address" : "joining Dqlite cluster"), log)
        }
        try cli.ok(["destroy-environment", "live", "-y"])
    }

    /// dbaccessor's back-stop on real nodes (spec §3.4, juju/juju#15959): the last controller,
    /// whose node cannot become ready without its lost peers, is recovered as the only voter
    /// once its controller.conf lists it alone. The ready timeout is 3 s instead of a minute.
    func testTheLastControllerLeftIsRecoveredAsTheOnlyVoter() throws {
        try bootstrapLive("live", ["--ready-timeout", "3"])
        try cli.ok(["enable-ha"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "30s"])
        for id in ["1", "2", "0"] { try cli.ok(["fail", id, "--mode", "crash"]) }
        try cli.ok(["start", "0"])
        try cli.ok(["remove-machine", "1", "2", "--force"])
        XCTAssertTrue(try cli.ok(["wait", "--until", "primary", "--timeout", "30s"]).hasPrefix("primary after "))
        let dbStatus = try cli.ok(["db-status"])
        XCTAssertTrue(dbStatus.contains("voters: 1\n"), dbStatus)
        XCTAssertTrue(dbStatus.contains("has-quorum: true"), dbStatus)
        let log = try String(contentsOfFile: cli.path("live/machines/0/agent.log"), encoding: .utf8)
        let recovery = log.components(separatedBy: "WARNING juju.worker.dbaccessor reconfiguring Dqlite cluster with this node as the only member")
        XCTAssertEqual(recovery.count, 2, log)
        XCTAssertTrue(recovery.last?.contains("INFO juju.worker.dbaccessor successfully reconfigured Dqlite; restarting worker") == true, log)
        XCTAssertTrue(recovery.last?.contains("INFO juju.worker.dbaccessor serving Dqlite application (ID: ") == true, log)
        try cli.ok(["destroy-environment", "live", "-y"])
    }

    func testStopOfTheLeaderHandsItsVoteAndLeadershipOver() throws {
        try bootstrapLive()
        try cli.ok(["enable-ha", "-n", "5"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "30s"])
        XCTAssertEqual(try roleCounts(), ["voter": 3, "stand-by": 2])
        let leader = try XCTUnwrap(try dqliteColumn().first { $0.value == "voter*" }?.key)
        try cli.ok(["fail", leader, "--mode", "stop"])
        // go-dqlite's Handover: a stand-by takes the vote, leadership is transferred, the
        // departing node demotes itself to spare, all before the process exits.
        let log = try String(contentsOfFile: cli.path("live/machines/\(leader)/agent.log"), encoding: .utf8)
        let handover = log.components(separatedBy: "received signal 15").last ?? ""
        XCTAssertTrue(handover.contains("assigned voter to node"), log)
        XCTAssertTrue(handover.contains("transferred leadership to node"), log)
        XCTAssertTrue(handover.contains("demoted ourselves to spare"), log)
        // The new leader's adjustment may briefly see four voters; once settled there are three.
        try cli.ok(["wait", "--until", "settled", "--timeout", "30s"])
        let roles = try dqliteColumn()
        XCTAssertEqual(roles[leader], "spare")
        XCTAssertEqual(roles.values.filter { $0.hasPrefix("voter") }.count, 3, "\(roles)")
        XCTAssertEqual(roles.values.filter { $0 == "voter*" }.count, 1, "\(roles)")
        XCTAssertEqual(try machineStates()[leader], "down")
        try cli.ok(["destroy-environment", "live", "-y"])
    }

    func testPartitionCutsTheLeaderOffUntilHealed() throws {
        try bootstrapLive()
        try cli.ok(["enable-ha"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "30s"])
        let leader = try XCTUnwrap(try dqliteColumn().first { $0.value == "voter*" }?.key)
        try cli.ok(["partition", leader])
        // Cut off from both peers, the old leader steps down and the majority elects another.
        let deadline = Date().addingTimeInterval(20)
        var leaders: [String] = []
        while Date() < deadline {
            leaders = try dqliteColumn().filter { $0.value == "voter*" }.map(\.key)
            if leaders.count == 1, leaders[0] != leader { break }
            usleep(250_000)
        }
        XCTAssertEqual(leaders.count, 1)
        XCTAssertNotEqual(leaders.first, leader, "the partitioned leader still leads")
        XCTAssertEqual(try machineStates()[leader], "started", "a partition is not a crash")
        try cli.ok(["heal", "--all"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "30s"])
        XCTAssertEqual(try roleCounts(), ["voter": 3])
        try cli.ok(["destroy-environment", "live", "-y"])
    }

    func testCrashStopPauseAndStartAreRealSignals() throws {
        try bootstrapLive()
        try cli.ok(["enable-ha"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "30s"])
        let leader = try XCTUnwrap(try dqliteColumn().first { $0.value == "voter*" }?.key)

        // SIGKILL of the leader: a survivor is elected by Raft.
        try cli.ok(["fail", leader, "--mode", "crash"])
        XCTAssertEqual(try machineStates()[leader], "down")
        XCTAssertTrue(try cli.ok(["wait", "--until", "primary", "--timeout", "20s"]).hasPrefix("primary after "))
        let newLeader = try XCTUnwrap(try dqliteColumn().first { $0.value == "voter*" }?.key)
        XCTAssertNotEqual(newLeader, leader)

        // start restarts the crashed process, which rejoins with its data.
        try cli.ok(["start", leader])
        XCTAssertEqual(try machineStates()[leader], "started")
        try cli.ok(["wait", "--until", "settled", "--timeout", "30s"])
        XCTAssertEqual(try roleCounts(), ["voter": 3])

        // SIGSTOP: the process is there but does not answer.
        let follower = try XCTUnwrap(try dqliteColumn().first { $0.value == "voter" }?.key)
        try cli.ok(["fail", follower, "--mode", "pause"])
        XCTAssertEqual(try machineStates()[follower], "down")
        try cli.ok(["start", follower])
        XCTAssertEqual(try machineStates()[follower], "started")

        // SIGTERM: a clean exit.
        try cli.ok(["fail", follower, "--mode", "stop"])
        XCTAssertEqual(try machineStates()[follower], "down")
        let log = try String(contentsOfFile: cli.path("live/machines/\(follower)/agent.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("stopped"), log)
        try cli.ok(["destroy-environment", "live", "-y"])
    }
}

final class LiveBackupTests: LiveCLITestCase {
    func testCreateBackupReadsTheLiveClusterAndRestoreBuildsANewLiveController() throws {
        try bootstrapLive("src")
        try cli.ok(["enable-ha"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "30s"])
        let created = try cli.ok(["create-backup", "--filename", "live.tar.gz"])
        XCTAssertTrue(created.hasSuffix("Downloaded to live.tar.gz\n"), created)
        let verified = try cli.ok(["verify-backup", cli.path("live.tar.gz")])
        XCTAssertTrue(verified.contains("format: modern (format 2)"), verified)
        XCTAssertTrue(verified.contains("HA nodes: 3"), verified)
        XCTAssertTrue(verified.contains("controller_node: 3"), verified)
        let controllerUUID = try XCTUnwrap(verified.split(separator: "\n").first { $0.hasPrefix("controller: ") }).dropFirst("controller: ".count)
        try cli.ok(["destroy-environment", "src", "-y"])

        let base = Int.random(in: 160...230)
        let port = try LiveAgents.freePort()
        XCTAssertEqual(try cli.ok(["restore-backup", cli.path("live.tar.gz"), "--into", "restored", "--runtime", "live",
                                   "--live-address-base", String(base), "--live-port", String(port)]),
                       "restore from \"\(cli.path("live.tar.gz"))\" completed\n")
        XCTAssertEqual(try dqliteColumn(), ["0": "voter*"], "the restored controller is a single live node")
        // A backup of the restored controller carries the original identity and one controller node.
        try cli.ok(["create-backup", "--filename", "again.tar.gz"])
        let again = try cli.ok(["verify-backup", cli.path("again.tar.gz")])
        XCTAssertTrue(again.contains("controller: \(controllerUUID)"), again)
        XCTAssertTrue(again.contains("controller_node: 1"), again)
        try cli.ok(["destroy-environment", "restored", "-y"])
    }
}
