import BSON
import XCTest
@testable import LegacyJuju

/// The end-to-end timeline of spec §8, at the level of the state layer: what each
/// `ensure-availability` run decides and writes, and what `destroy-machine` allows afterwards.
final class EnsureAvailabilityTimelineTests: XCTestCase {
    private typealias F = EnsureAvailabilityFixtures

    private static let bootstrap = BootstrapParameters(
        environmentName: "rehearsal", environmentUUID: EnsureAvailabilityFixtures.uuid, series: "trusty",
        address: "127.0.0.10", seed: 42)

    /// After step 4: machines 0, 1, 2 all hold their votes; the sequence is at 3.
    private static func afterStep4(machine2Alive: Bool) -> StateSnapshot {
        F.snapshot([F.stateServer("0"), F.stateServer("1"), F.stateServer("2", alive: machine2Alive)], next: 3)
    }

    /// After step 6: the peergrouper moved the vote from 2 to 3; 2 is still down.
    private static var afterStep6: StateSnapshot {
        F.snapshot([F.stateServer("0"), F.stateServer("1"), F.stateServer("2", alive: false, noVote: true, hasVote: false),
                    F.stateServer("3")], voting: ["0", "1", "3"], stateServers: ["0", "1", "2", "3"], next: 4)
    }

    /// (collection, id, kind) of each write, to read the order at a glance.
    private static func outline(_ result: EnsureAvailabilityResult) -> [String] {
        result.writes.map { write in
            let kind: String
            switch write.operation {
            case .insert: kind = "insert"
            case .update: kind = write.isTransactional ? "update" : "bump"
            }
            return "\(write.collection) \(write.id) \(kind)"
        }
    }

    func test_step2AddsMachinesOneAndTwoAsVotersInBothLists() throws {
        let result = try F.run(Self.bootstrap.initialSnapshot(machine0AgentAlive: true))
        XCTAssertEqual(result.changes, StateServersChanges(maintained: ["0"], added: ["1", "2"]))
        XCTAssertEqual(Self.outline(result), [
            "sequence machine bump", "sequence machine bump", "machines 1 insert", "constraints m#1 insert",
            "machines 2 insert", "constraints m#2 insert", "stateServers e update",
        ])
        XCTAssertEqual(result.writes.last?.operation, .update(
            ["$addToSet": ["machineids": ["$each": ["1", "2"]], "votingmachineids": ["$each": ["1", "2"]]]], upsert: false))
        let inserted = EnsureAvailabilityAlgorithmTests.insertedMachines(result)
        XCTAssertEqual(inserted.map { $0["novote"] }, [false, false], "they want a vote at once")
        XCTAssertEqual(inserted.map { $0["hasvote"] }, [false, false], "the peergrouper grants it later")
        XCTAssertEqual(result.changes.formatted(as: .simple, version: .juju1_20), "maintaining machines: 0\nadding machines: 1, 2\n\n")
    }

    func test_step5DemotesDeadMachineTwoAndAddsThree() throws {
        let result = try F.run(Self.afterStep4(machine2Alive: false))
        XCTAssertEqual(result.changes, StateServersChanges(maintained: ["0", "1"], added: ["3"], demoted: ["2"]))
        XCTAssertEqual(Self.outline(result), [
            "sequence machine bump", "machines 2 update", "stateServers e update", "machines 3 insert",
            "constraints m#3 insert", "stateServers e update",
        ])
        XCTAssertEqual(result.writes[1].assertion, .matches(["novote": false]))
        XCTAssertEqual(result.writes[1].operation, .update(["$set": ["novote": true]], upsert: false))
        XCTAssertEqual(result.writes[2].operation, .update(["$pull": ["votingmachineids": "2"]], upsert: false))
        XCTAssertEqual(result.nextMachineSequence, 4)
        XCTAssertEqual(result.changes.formatted(as: .simple, version: .juju1_20),
                       "maintaining machines: 0, 1\nadding machines: 3\ndemoting machines 2\n\n")
        XCTAssertEqual(result.changes.formatted(as: .simple, version: .juju1_25),
                       "maintaining machines: 0, 1\nadding machines: 3\ndemoting machines: 2\n\n")
    }

    func test_step5In125AddressesMachinesByPrefixedIds() throws {
        let result = try F.run(Self.afterStep4(machine2Alive: false), version: .juju1_25)
        let uuid = F.uuid
        XCTAssertEqual(Self.outline(result), [
            "sequence \(uuid):machine bump", "machines \(uuid):2 update", "stateServers e update",
            "constraints \(uuid):m#3 insert", "machines \(uuid):3 insert", "stateServers e update",
        ])
    }

    func test_step7RemovesMachineTwoOnceItLostItsVote() throws {
        let result = try F.run(Self.afterStep6)
        XCTAssertEqual(result.changes, StateServersChanges(maintained: ["0", "1", "3"], removed: ["2"]))
        XCTAssertEqual(Self.outline(result), ["machines 2 update", "stateServers e update"])
        XCTAssertEqual(result.writes[0].assertion, .matches(["novote": true, "hasvote": false]))
        XCTAssertEqual(result.writes[0].operation, .update(["$pull": ["jobs": .int32(2)], "$set": ["novote": false]], upsert: false))
        XCTAssertEqual(result.writes[1].operation, .update(["$pull": ["machineids": "2"]], upsert: false))
        XCTAssertEqual(result.nextMachineSequence, 4)
        XCTAssertEqual(result.changes.formatted(as: .simple, version: .juju1_20),
                       "maintaining machines: 0, 1, 3\nremoving machines 2\n\n")
    }

    func test_machineTwoCanOnlyBeDestroyedAfterStep7() throws {
        let before = try XCTUnwrap(Self.afterStep6.machines.first { $0.id == "2" })
        XCTAssertEqual(DestroyMachine.refusal(.destroy, of: before), .requiredByEnvironment("2"))
        var after = before
        after.jobs = [.hostUnits]
        after.noVote = false
        XCTAssertNil(DestroyMachine.refusal(.destroy, of: after))
    }

    func test_step7RunAgainIsANoOp() throws {
        let settled = F.snapshot([F.stateServer("0"), F.stateServer("1"), F.stateServer("3")], next: 4)
        XCTAssertTrue(try F.run(settled).isNoOp)
    }
}
