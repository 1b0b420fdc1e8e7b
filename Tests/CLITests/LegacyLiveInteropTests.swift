import BSON
import Foundation
import XCTest

/// A live legacy environment (state servers as `quorum agent` processes speaking the MongoDB
/// wire protocol) seen through real pymongo drivers from `.venv/` (made by `make test`):
/// discovery from one seed, majority writes, replSetGetStatus, and a real failover.
final class LegacyLiveInteropTests: LiveCLITestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = root.appendingPathComponent("Tests/Interop/mongo_interop.py").path

    /// The interpreter of a pymongo virtual environment, nil when `make test` could not make it.
    static func python(_ flavor: String) -> String? {
        let path = root.appendingPathComponent(".venv/pymongo-\(flavor)/bin/python").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    private func run(_ python: String, _ arguments: [String]) throws -> [String: Any] {
        let (data, code) = try InteropScript.run(python: python, script: Self.script, arguments)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? ["error": String(decoding: data, as: UTF8.self)]
        XCTAssertEqual(code, 0, "\(arguments): \(object)")
        return object
    }

    private var base = 0, port = 0

    private func address(_ machine: Int) -> String { "127.0.0.\(base + machine):\(port)" }

    /// Fast elections, and the agents' peergrouper polling every `peergrouperInterval` (nil: Juju's minute).
    private func bootstrapLegacyLive(peergrouperInterval: String? = "1s") throws {
        base = Int.random(in: 20...150)
        port = Int(try LiveAgents.freePort())
        try cli.ok(["bootstrap", "legacy", "--flavor", "legacy", "--runtime", "live", "--live-address-base", String(base),
                    "--live-port", String(port), "--election-timeout", "1s", "--heartbeat", "200ms"]
                   + (peergrouperInterval.map { ["--peergrouper-interval", $0] } ?? []))
    }

    func testPymongoDiscoversWritesAndSurvivesTheKillOfThePrimary() throws {
        guard let latest = Self.python("latest") else { throw XCTSkip("no .venv/pymongo-latest: run make test (needs PyPI) to make it") }
        try bootstrapLegacyLive()
        let started = LiveAgents.pids(under: cli.home).count
        XCTAssertEqual(started, 1)
        try cli.ok(["ensure-availability", "-n", "3"])
        // Two new agent processes, each its own state server.
        XCTAssertEqual(Set(LiveAgents.pids(under: cli.home)).count, 3)
        // The primary's peergrouper gives them their votes once they are ready secondaries.
        try cli.ok(["wait", "--until", "settled", "--timeout", "60s"])
        // Juju's view, read over the wire: three state servers, each with its vote.
        let status = try cli.ok(["status"])
        XCTAssertEqual(status.components(separatedBy: "state-server-member-status: has-vote").count - 1, 3, status)
        XCTAssertEqual(status.components(separatedBy: "agent-state: started").count - 1, 3, status)

        // One seed is enough: the driver discovers every member and sees them voting.
        let topology = try run(latest, ["topology", address(0), "3"])
        XCTAssertEqual((topology["nodes"] as? [String]).map(Set.init), [address(0), address(1), address(2)], "\(topology)")
        XCTAssertEqual((topology["secondaries"] as? [String])?.count, 2, "\(topology)")
        XCTAssertEqual((topology["votes"] as? [[Any]])?.map { $0[1] as? Int }, [1, 1, 1], "\(topology)")
        let states = (topology["status"] as? [[String]])?.map { $0[1] }.sorted()
        XCTAssertEqual(states, ["PRIMARY", "SECONDARY", "SECONDARY"], "\(topology)")

        // Majority writes through the newest driver (OP_MSG only) and through 4.17 (OP_QUERY handshake).
        var keys: [String] = []
        for (flavor, python) in [("latest", latest), ("4.17", Self.python("4.17"))] {
            guard let python else { continue }
            if flavor == "4.17" {
                let old = try run(python, ["topology", address(2), "3"])
                XCTAssertEqual((old["nodes"] as? [String]).map(Set.init), [address(0), address(1), address(2)], "\(old)")
                XCTAssertEqual(old["version"] as? String, "4.17.0")
            }
            let key = "before-\(flavor)"
            let written = try run(python, ["write", address(1), key])
            XCTAssertEqual(written["acknowledged"] as? Bool, true, "\(written)")
            XCTAssertEqual(written["found"] as? Bool, true, "\(written)")
            keys.append(key)
        }
        if Self.python("4.17") == nil { print("note: .venv/pymongo-4.17 is missing; only the newest pymongo ran") }

        // SIGKILL the primary's process: a retryable write succeeds once a new primary is elected.
        let primary = try XCTUnwrap(topology["primary"] as? String)
        let machine = try XCTUnwrap((0..<3).first { address($0) == primary })
        let pid = try XCTUnwrap(pid_t(String(contentsOfFile: cli.path("legacy/machines/\(machine)/agent.pid"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(kill(pid, SIGKILL), 0)
        let survivor = address((machine + 1) % 3)
        let after = try run(latest, ["write", survivor, "after-failover"])
        XCTAssertEqual(after["found"] as? Bool, true, "\(after)")
        XCTAssertNotEqual(after["primary"] as? String, primary, "\(after)")
        keys.append("after-failover")
        // Every acknowledged majority write is still there.
        let read = try run(latest, ["read", survivor] + keys)
        XCTAssertEqual(read["found"] as? [String], keys, "\(read)")

        // The old primary, restarted, comes back with its data and rejoins as a secondary.
        try cli.ok(["start", String(machine)])
        let rejoined = try run(latest, ["secondary", survivor, primary])
        XCTAssertEqual(rejoined["secondary"] as? String, primary, "\(rejoined)")
    }

    func testAMalformedMessageClosesOnlyItsConnectionAndStateSurvivesARestart() throws {
        try bootstrapLegacyLive()
        // The handshake both ways: OP_QUERY isMaster gets OP_REPLY, OP_MSG hello gets OP_MSG.
        let wire = try TCPClient(address(0))
        try wire.send(try Self.opQuery(["isMaster": .int32(1)], requestID: 1))
        let (legacyOp, legacyReply) = try wire.receiveMessage()
        XCTAssertEqual(legacyOp, 1)
        XCTAssertEqual(legacyReply["ismaster"], .bool(true))
        XCTAssertEqual(legacyReply["setName"], .string("juju"))
        try wire.send(try Self.opMsg(["hello": .int32(1), "$db": .string("admin")], requestID: 2))
        let (op, hello) = try wire.receiveMessage()
        XCTAssertEqual(op, 2013)
        XCTAssertEqual(hello["isWritablePrimary"], .bool(true))
        XCTAssertEqual(hello["maxMessageSizeBytes"], .int32(48_000_000))
        // Awaitable hello: with the current topologyVersion it waits out maxAwaitTimeMS (nothing
        // changes); with a stale one it answers at once.
        let tv = try XCTUnwrap(hello["topologyVersion"]?.documentValue)
        var start = Date()
        try wire.send(try Self.opMsg(["hello": .int32(1), "topologyVersion": .document(tv), "maxAwaitTimeMS": .int64(400),
                                      "$db": .string("admin")], requestID: 3))
        _ = try wire.receiveMessage()
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.35)
        var stale = tv
        stale = Document(stale.map { $0.0 == "counter" ? ($0.0, .int64(-1)) : $0 })
        start = Date()
        try wire.send(try Self.opMsg(["hello": .int32(1), "topologyVersion": .document(stale), "maxAwaitTimeMS": .int64(5_000),
                                      "$db": .string("admin")], requestID: 4))
        _ = try wire.receiveMessage()
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        // A command the server does not know is CommandNotFound (59).
        try wire.send(try Self.opMsg(["noSuchCommand": .int32(1), "$db": .string("admin")], requestID: 5))
        XCTAssertEqual(try wire.receiveMessage().1["code"], .int32(59))

        // A garbage header on one connection: that connection is closed, the server keeps serving.
        let bad = try TCPClient(address(0))
        try bad.send([0xFF, 0xFF, 0xFF, 0x7F] + [UInt8](repeating: 0, count: 12))
        XCTAssertTrue(bad.closedByPeer(within: 5))
        XCTAssertTrue(try cli.ok(["db-status"]).contains("state: PRIMARY"))

        // SIGTERM then restart: the member comes back with its config and term, and is primary again.
        try cli.ok(["fail", "0", "--mode", "stop"])
        XCTAssertTrue(LiveAgents.pids(under: cli.home).isEmpty || LiveAgents.pids(under: cli.home).allSatisfy { kill($0, 0) != 0 })
        try cli.ok(["start", "0"])
        let deadline = Date().addingTimeInterval(20)
        var status = ""
        while Date() < deadline {
            status = try cli.ok(["db-status"])
            if status.contains("state: PRIMARY") { break }
            usleep(200_000)
        }
        XCTAssertTrue(status.contains("state: PRIMARY"), status)
        XCTAssertTrue(status.contains("name: \(address(0))"), status)
        // The stop was clean, and Juju's documents written at bootstrap came back from disk.
        let log = try String(contentsOfFile: cli.path("legacy/machines/0/agent.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("stopped"), log)
        let juju = try cli.ok(["status"])
        XCTAssertTrue(juju.contains("state-server-member-status: has-vote"), juju)
    }
}

extension LegacyLiveInteropTests {
    static func frame(_ opCode: Int32, requestID: Int32, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for v in [Int32(16 + payload.count), requestID, 0, opCode] { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        return out + payload
    }

    static func opMsg(_ body: Document, requestID: Int32) throws -> [UInt8] {
        frame(2013, requestID: requestID, [0, 0, 0, 0, 0] + (try body.encode()))
    }

    static func opQuery(_ command: Document, requestID: Int32) throws -> [UInt8] {
        var payload: [UInt8] = [0, 0, 0, 0] + Array("admin.$cmd".utf8) + [0]
        withUnsafeBytes(of: Int32(0).littleEndian) { payload += $0 }
        withUnsafeBytes(of: Int32(-1).littleEndian) { payload += $0 }
        return frame(2004, requestID: requestID, payload + (try command.encode()))
    }
}

extension LegacyLiveInteropTests {
    /// db-status's members as name → state.
    func memberStates() throws -> [String: String] {
        var states: [String: String] = [:]
        var name: String?
        for line in try cli.ok(["db-status"]).split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("- name: ") { name = String(text.dropFirst("- name: ".count)) }
            if text.hasPrefix("state: "), let n = name { states[n] = String(text.dropFirst("state: ".count)) }
        }
        return states
    }

    func waitForStates(_ wanted: ([String: String]) -> Bool, seconds: Double = 20) throws -> [String: String] {
        let deadline = Date().addingTimeInterval(seconds)
        var states = try memberStates()
        while !wanted(states), Date() < deadline {
            usleep(200_000)
            states = try memberStates()
        }
        return states
    }

    func testAPartitionedOrPausedPrimaryIsReplacedAndRejoins() throws {
        try bootstrapLegacyLive()
        try cli.ok(["ensure-availability", "-n", "3"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "60s"])
        var states = try waitForStates { $0.values.sorted() == ["PRIMARY", "SECONDARY", "SECONDARY"] }
        XCTAssertEqual(states[address(0)], "PRIMARY", "\(states)")
        try cli.ok(["partition", "0"])
        states = try waitForStates { $0[address(1)] == "PRIMARY" || $0[address(2)] == "PRIMARY" }
        XCTAssertTrue(states[address(1)] == "PRIMARY" || states[address(2)] == "PRIMARY", "\(states)")
        XCTAssertNotEqual(states[address(0)], "PRIMARY", "\(states)")
        try cli.ok(["heal", "--all"])
        states = try waitForStates { $0[address(0)] == "SECONDARY" && $0.values.filter { $0 == "PRIMARY" }.count == 1 }
        XCTAssertEqual(states[address(0)], "SECONDARY", "\(states)")
        XCTAssertEqual(states.values.sorted(), ["PRIMARY", "SECONDARY", "SECONDARY"], "\(states)")

        // SIGSTOP of the primary's agent: the others elect a new one; SIGCONT: it rejoins as a secondary.
        let paused = try XCTUnwrap((0..<3).first { states[address($0)] == "PRIMARY" })
        try cli.ok(["fail", String(paused), "--mode", "pause"])
        states = try waitForStates { s in (0..<3).contains { $0 != paused && s[address($0)] == "PRIMARY" } }
        XCTAssertTrue((0..<3).contains { $0 != paused && states[address($0)] == "PRIMARY" }, "\(states)")
        try cli.ok(["start", String(paused)])
        states = try waitForStates { $0[address(paused)] == "SECONDARY" && $0.values.filter { $0 == "PRIMARY" }.count == 1 }
        XCTAssertEqual(states[address(paused)], "SECONDARY", "\(states)")
    }
}

extension LegacyLiveInteropTests {
    /// `state-server-member-status` of every state server, in machine order.
    func votes() throws -> [String] {
        try cli.ok(["status"]).split(separator: "\n").filter { $0.contains("state-server-member-status") }
            .map { String($0.split(separator: ":").last!.dropFirst()) }
    }

    func agentLog(_ machine: Int) throws -> String {
        try String(contentsOfFile: cli.path("legacy/machines/\(machine)/agent.log"), encoding: .utf8)
    }

    /// Juju 1.20's division of labour: ensure-availability only records its decision and starts
    /// the new agents; the peergrouper worker of the agent whose member is primary adds the
    /// members, moves the votes with replSetReconfig and records hasvote.
    func testThePrimarysPeergrouperMovesTheVotes() throws {
        try bootstrapLegacyLive()
        XCTAssertEqual(try cli.ok(["ensure-availability", "-n", "3"]), "maintaining machines: 0\nadding machines: 1, 2\n\n")
        try cli.ok(["wait", "--until", "settled", "--timeout", "60s"])
        XCTAssertEqual(try votes(), ["has-vote", "has-vote", "has-vote"])
        let master = try agentLog(0)
        XCTAssertTrue(master.contains("juju.worker.peergrouper: the local member \(address(0)) is primary"), master)
        XCTAssertTrue(master.contains("juju.worker.peergrouper: machine 1 hasvote true"), master)
        XCTAssertTrue(master.contains("juju.worker.peergrouper: replica set members changed; voting machines: 0, 1, 2"), master)
        for machine in [1, 2] {
            XCTAssertFalse(try agentLog(machine).contains("replSetReconfig"), "machine \(machine) is not primary and changes nothing")
        }

        // A voter other than the primary dies; ensure-availability demotes it and adds machine 3.
        let states = try memberStates()
        let primary = try XCTUnwrap((0..<3).first { states[address($0)] == "PRIMARY" }, "\(states)")
        let victim = try XCTUnwrap((0..<3).first { $0 != primary })
        try cli.ok(["fail", String(victim), "--mode", "crash"])
        let kept = (0..<3).filter { $0 != victim }.map(String.init).joined(separator: ", ")
        XCTAssertEqual(try cli.ok(["ensure-availability"]),
                       "maintaining machines: \(kept)\nadding machines: 3\ndemoting machines \(victim)\n\n")
        try cli.ok(["wait", "--until", "settled", "--timeout", "60s"])
        var expected = ["has-vote", "has-vote", "has-vote", "has-vote"]
        expected[victim] = "no-vote"
        XCTAssertEqual(try votes(), expected, "the vote moved from machine \(victim) to machine 3")
        let log = try agentLog(primary)
        XCTAssertTrue(log.contains("machine 3 hasvote true"), log)
        XCTAssertTrue(log.contains("replica set members changed; voting machines: \(kept), 3"), log)
        XCTAssertTrue(log.contains("machine \(victim) hasvote false"), log)

        // Once its vote is gone it can be removed; its member then leaves the replica set.
        XCTAssertEqual(try cli.ok(["ensure-availability"]), "maintaining machines: \(kept), 3\nremoving machines \(victim)\n\n")
        try cli.ok(["wait", "--until", "settled", "--timeout", "60s"])
        XCTAssertEqual(try memberStates().keys.sorted(), ([0, 1, 2, 3].filter { $0 != victim }).map(address).sorted())
    }
}

extension LegacyLiveInteropTests {
    /// With Juju's one-minute poll, the watched machine documents still bring a pass within
    /// seconds (the new members join without a vote), but the votes wait for the next poll,
    /// because member health is not watched: `wait` gives up (exit 4) and says so.
    func testWithJujusPollIntervalNewMembersJoinAtOnceAndVoteAtTheNextPoll() throws {
        try bootstrapLegacyLive(peergrouperInterval: nil)
        try cli.ok(["ensure-availability", "-n", "3"])
        let states = try waitForStates({ $0.count == 3 && $0.values.sorted() == ["PRIMARY", "SECONDARY", "SECONDARY"] }, seconds: 20)
        XCTAssertEqual(states.values.sorted(), ["PRIMARY", "SECONDARY", "SECONDARY"], "\(states)")
        let log = try agentLog(0)
        XCTAssertTrue(log.contains("replica set members changed; voting machines: 0\n"), log)
        XCTAssertEqual(try votes(), ["has-vote", "adding-vote", "adding-vote"])
        let wait = try cli.run(["wait", "--until", "settled", "--timeout", "2s"])
        XCTAssertEqual(wait.code, 4, wait.stderr)
        XCTAssertEqual(wait.stderr, "error: not settled after 2s\n")
        XCTAssertEqual(try cli.run(["wait", "--until", "voters"]).code, 2)
    }
}

/// A raw TCP connection for feeding the wire server bytes no driver would send.
final class TCPClient {
    let fd: Int32

    init(_ address: String) throws {
        let parts = address.split(separator: ":")
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(parts[1])!).bigEndian
        inet_pton(AF_INET, String(parts[0]), &addr.sin_addr)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { close(fd); throw NSError(domain: "connect", code: Int(errno)) }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        guard write(fd, bytes, bytes.count) == bytes.count else { throw NSError(domain: "write", code: Int(errno)) }
    }

    private func receive(_ count: Int) throws -> [UInt8] {
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: count)
        while out.count < count {
            let n = read(fd, &buffer, count - out.count)
            guard n > 0 else { throw NSError(domain: "read", code: Int(errno)) }
            out += buffer[0..<n]
        }
        return out
    }

    /// One whole reply: its opCode and document (OP_MSG body or OP_REPLY's first document).
    func receiveMessage() throws -> (Int32, Document) {
        let header = try receive(16)
        let length = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
        let op = Int32(header[12]) | Int32(header[13]) << 8 | Int32(header[14]) << 16 | Int32(header[15]) << 24
        let rest = try receive(length - 16)
        let skip = op == 2013 ? 5 : 20
        return (op, try Document(bson: Array(rest[skip...])))
    }

    /// Whether the peer closed the connection (read returns 0 or an error) within `seconds`.
    func closedByPeer(within seconds: Double) -> Bool {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &buffer, buffer.count)
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }
}
