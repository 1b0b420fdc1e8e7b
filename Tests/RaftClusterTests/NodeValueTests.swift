import Foundation
import HACore
import XCTest
@testable import RaftCluster

/// The node is plain data (DESIGN §3): it round-trips through Codable mid-run and then behaves
/// exactly as the original; the log and configuration helpers keep their invariants.
final class NodeValueTests: XCTestCase {
    func test_nodeRoundTripsThroughJSONAndResumesIdentically() throws {
        var leader = Fixture.leader(1, Fixture.config(voters: [1, 2, 3], standBys: [4], spares: [5]), terms: [1, 1])
        let now = Fixture.t0 + .seconds(20)
        _ = leader.onClientRequest(.execSQL(SQLStatement("INSERT INTO t VALUES (?)", [.text("it's"), .blob([0, 255]), .null])),
                                   id: Fixture.request(1), now: now)
        _ = leader.onClientRequest(.transfer(id: 3), id: Fixture.request(2), now: now)
        var copy = try JSONDecoder().decode(RaftNode.self, from: JSONEncoder().encode(leader))
        let inputs: [(inout RaftNode) -> [RaftDirective]] = [
            { $0.onHeartbeatTimer(now: now + .milliseconds(500)) },
            { Fixture.acknowledge(&$0, from: 2, now: now + .seconds(1)) },
            { $0.onMessage(from: 3, .appendEntriesResult(.init(term: $0.term, rejected: 2, lastLogIndex: 1)), now: now + .seconds(1)) },
            { $0.onHeartbeatTimer(now: now + .seconds(4)) },
            { $0.onElectionTimeout(now: now + .seconds(30)) },
        ]
        for input in inputs {
            XCTAssertEqual(input(&leader), input(&copy))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        XCTAssertEqual(try encoder.encode(leader), try encoder.encode(copy))
    }

    func test_sameSeedDrawsTheSameTimeouts() {
        let config = Fixture.config(voters: [1, 2, 3])
        XCTAssertEqual(Fixture.node(2, config, seed: 11).electionDeadline, Fixture.node(2, config, seed: 11).electionDeadline)
    }

    func test_logAnswersTermsAndUpToDateness() {
        let log = Fixture.log(Fixture.config(voters: [1]), terms: [2, 3])
        XCTAssertEqual(log.lastIndex, 3)
        XCTAssertEqual(log.lastTerm, 3)
        XCTAssertEqual(log.term(at: 0), 0)
        XCTAssertEqual(log.term(at: 2), 2)
        XCTAssertNil(log.term(at: 4))
        XCTAssertEqual(log.entries(from: 2, limit: 1).map(\.index), [2])
        XCTAssertTrue(log.isAtMostAsUpToDate(asLastIndex: 3, lastTerm: 3))
        XCTAssertTrue(log.isAtMostAsUpToDate(asLastIndex: 1, lastTerm: 4))
        XCTAssertFalse(log.isAtMostAsUpToDate(asLastIndex: 2, lastTerm: 3))
        XCTAssertFalse(log.isAtMostAsUpToDate(asLastIndex: 9, lastTerm: 2))
        XCTAssertTrue(RaftLog().isAtMostAsUpToDate(asLastIndex: 0, lastTerm: 0))
    }

    func test_configurationKeepsServersSortedAndCountsVoters() {
        let config = RaftConfiguration([DqliteNode(id: 9, address: "a:1", role: .standBy), DqliteNode(id: 2, address: "b:1", role: .voter),
                                        DqliteNode(id: 5, address: "c:1", role: .voter), DqliteNode(id: 7, address: "d:1", role: .spare)])
        XCTAssertEqual(config.servers.map(\.id), [2, 5, 7, 9])
        XCTAssertEqual(config.voterIDs, [2, 5])
        XCTAssertEqual(config.quorum, 2)
        XCTAssertTrue(config.replicates(to: 9))
        XCTAssertFalse(config.replicates(to: 7))
        XCTAssertEqual(config.adding(id: 0, address: "e:1", role: .spare), .failure(.badID))
        XCTAssertEqual(config.assigning(.voter, to: 9).voterIDs, [2, 5, 9])
        XCTAssertEqual(config.removing(5).voterIDs, [2])
    }

    func test_bootstrapDiskHoldsTheFirstConfigurationAtIndexOne() {
        let disk = RaftDurableState.bootstrap(id: 1, address: "127.0.0.1:17666")
        XCTAssertEqual(disk.term, 1)
        XCTAssertEqual(disk.log.entries, [LogEntry(index: 1, term: 1, payload: .configuration(
            RaftConfiguration([DqliteNode(id: 1, address: "127.0.0.1:17666", role: .voter)])))])
    }

    func test_requestsCarryTheirWireCodes() {
        XCTAssertEqual(DqliteRequest.leader.wireCode, 0)
        XCTAssertEqual(DqliteRequest.execSQL(SQLStatement("SELECT 1")).wireCode, 8)
        XCTAssertEqual(DqliteRequest.querySQL(SQLStatement("SELECT 1")).wireCode, 9)
        XCTAssertEqual(DqliteRequest.add(id: 1, address: "").wireCode, 12)
        XCTAssertEqual(DqliteRequest.assign(id: 1, role: .voter).wireCode, 13)
        XCTAssertEqual(DqliteRequest.remove(id: 1).wireCode, 14)
        XCTAssertEqual(DqliteRequest.cluster(format: 1).wireCode, 16)
        XCTAssertEqual(DqliteRequest.transfer(id: 1).wireCode, 17)
        XCTAssertEqual(SQLValue.boolean(true).wireType, 11)
        XCTAssertEqual(SQLValue.text("it's").description, "'it''s'")
    }
}
