import BSON
import HACore
import XCTest
@testable import LegacyJuju

/// Machines and states shared by the ensure-availability tests.
enum EnsureAvailabilityFixtures {
    static let uuid = "6c5bd7c4-1b8e-4c6a-8d2f-2b9f0c3e7a11"

    static func stateServer(
        _ id: String, alive: Bool = true, noVote: Bool = false, hasVote: Bool = true, series: String = "trusty"
    ) -> MachineFacts {
        MachineFacts(id: id, jobs: [.hostUnits, .manageEnviron], noVote: noVote, hasVote: hasVote, agentAlive: alive, series: series)
    }

    static func unitHost(_ id: String, alive: Bool = true) -> MachineFacts {
        MachineFacts(id: id, jobs: [.hostUnits], agentAlive: alive, series: "trusty")
    }

    static func snapshot(
        _ machines: [MachineFacts], voting: [String]? = nil, stateServers: [String]? = nil, next: Int? = nil
    ) -> StateSnapshot {
        let managers = stateServers ?? machines.filter(\.isManager).map(\.id)
        let voters = voting ?? machines.filter(\.wantsVote).map(\.id)
        let highest = machines.compactMap { Int($0.id) }.max() ?? -1
        return StateSnapshot(
            environUUID: uuid, info: StateServerInfo(machineIDs: managers, votingMachineIDs: voters),
            machines: machines, nextMachineSequence: next ?? highest + 1)
    }

    /// The single state server right after bootstrap.
    static var bootstrapped: StateSnapshot { snapshot([stateServer("0")]) }

    /// Three voters, all holding their votes.
    static func threeVoters(down: Set<String> = []) -> StateSnapshot {
        snapshot(["0", "1", "2"].map { stateServer($0, alive: !down.contains($0)) })
    }

    static func run(
        _ snapshot: StateSnapshot, n: Int = 0, series: String = "", placement: [String] = [],
        constraints: ConstraintsValue = ConstraintsValue(), version: JujuVersion = .juju1_20
    ) throws -> EnsureAvailabilityResult {
        let request = EnsureAvailabilityRequest(numStateServers: n, constraints: constraints, series: series, placement: placement)
        return try snapshot.apiEnsureAvailability(request, version: version)
    }
}

final class EnsureAvailabilityAlgorithmTests: XCTestCase {
    private typealias F = EnsureAvailabilityFixtures

    private func assertFails(
        _ snapshot: StateSnapshot, n: Int = 0, placement: [String] = [], version: JujuVersion = .juju1_20,
        message: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try F.run(snapshot, n: n, placement: placement, version: version), file: file, line: line) { error in
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    func test_evenOrNegativeCountIsRefusedAgainOnTheServer() {
        assertFails(F.bootstrapped, n: 2, message: "number of state servers must be odd and non-negative")
        assertFails(F.bootstrapped, n: -1, message: "number of state servers must be odd and non-negative")
    }

    func test_countAboveSevenIsTooLargeAndNotAnnotated() {
        assertFails(F.bootstrapped, n: 9, message: "state server count is too large (allowed 7)")
        XCTAssertNoThrow(try F.run(F.bootstrapped, n: 7))
    }

    func test_reducingTheVoterCountIsRefused() {
        assertFails(F.threeVoters(), n: 1,
                    message: "failed to create new state server machines: cannot reduce state server count")
    }

    func test_zeroCountOnASingleServerMeansThree() throws {
        let result = try F.run(F.bootstrapped, n: 0)
        XCTAssertEqual(result.changes, StateServersChanges(maintained: ["0"], added: ["1", "2"]))
        XCTAssertEqual(result.nextMachineSequence, 3)
    }

    func test_zeroCountKeepsTheCurrentVoterCount() throws {
        let five = F.snapshot((0..<5).map { F.stateServer(String($0), alive: $0 != 4) })
        let result = try F.run(five)
        XCTAssertEqual(result.changes, StateServersChanges(maintained: ["0", "1", "2", "3"], added: ["5"], demoted: ["4"]))
    }

    /// Juju 1.x does not round an even voter count up when `-n` is left at 0.
    func test_zeroCountWithTwoVotersKeepsTwo() throws {
        let two = F.snapshot([F.stateServer("0"), F.stateServer("1"), F.stateServer("2", noVote: true, hasVote: false)])
        XCTAssertTrue(try F.run(two).isNoOp)
        XCTAssertEqual(try F.run(two, n: 3).changes, StateServersChanges(maintained: ["0", "1"], promoted: ["2"]))
    }

    func test_healthyClusterIsANoOp() throws {
        let result = try F.run(F.threeVoters())
        XCTAssertTrue(result.isNoOp)
        XCTAssertTrue(result.changes.isEmpty)
        XCTAssertEqual(result.nextMachineSequence, 3)
        XCTAssertTrue(try F.run(F.threeVoters(), n: 3).isNoOp)
    }

    func test_downVoterIsDemotedAndReplaced() throws {
        let result = try F.run(F.threeVoters(down: ["1"]))
        XCTAssertEqual(result.changes, StateServersChanges(maintained: ["0", "2"], added: ["3"], demoted: ["1"]))
    }

    func test_downMachineThatLostItsVoteIsRemoved() throws {
        let machines = [F.stateServer("0"), F.stateServer("1", alive: false, noVote: true, hasVote: false),
                        F.stateServer("2"), F.stateServer("3")]
        let result = try F.run(F.snapshot(machines))
        XCTAssertEqual(result.changes, StateServersChanges(maintained: ["0", "2", "3"], removed: ["1"]))
        XCTAssertEqual(result.nextMachineSequence, 4)
    }

    func test_downMachineStillHoldingItsVoteIsMaintainedButNotCounted() throws {
        let machines = [F.stateServer("0"), F.stateServer("1", alive: false, noVote: true, hasVote: true),
                        F.stateServer("2"), F.stateServer("3", hasVote: false)]
        let result = try F.run(F.snapshot(machines))
        XCTAssertTrue(result.isNoOp, "voters 0, 2, 3 already make three")
        let short = try F.run(F.snapshot(Array(machines.prefix(3)), next: 4), n: 3)
        XCTAssertEqual(short.changes, StateServersChanges(maintained: ["0", "1", "2"], added: ["4"]))
    }

    func test_returnedNonVoterIsPromotedOnlyOnAShortfall() throws {
        let back = F.stateServer("1", noVote: true, hasVote: false)
        XCTAssertTrue(try F.run(F.snapshot([F.stateServer("0"), back, F.stateServer("2"), F.stateServer("3")])).isNoOp)
        let result = try F.run(F.snapshot([F.stateServer("0"), back, F.stateServer("2"), F.stateServer("3", alive: false)]))
        XCTAssertEqual(result.changes, StateServersChanges(maintained: ["0", "2"], promoted: ["1"], demoted: ["3"]))
        XCTAssertEqual(result.nextMachineSequence, 4, "no new machine was needed")
    }

    func test_promotionTakesTheFirstCandidatesInStoredOrder() throws {
        let machines = [F.stateServer("0"), F.stateServer("5", noVote: true, hasVote: false),
                        F.stateServer("2", noVote: true, hasVote: false), F.stateServer("1")]
        let snapshot = F.snapshot(machines, voting: ["0", "1"], stateServers: ["0", "5", "2", "1"], next: 6)
        let result = try F.run(snapshot, n: 3)
        XCTAssertEqual(result.changes, StateServersChanges(maintained: ["0", "1"], promoted: ["5"]))
    }

    func test_machineZeroWhoseAgentNeverReportedIsDemotedAndThreeAdded() throws {
        let snapshot = F.snapshot([F.stateServer("0", alive: false)])
        let result = try F.run(snapshot, n: 3)
        XCTAssertEqual(result.changes, StateServersChanges(added: ["1", "2", "3"], demoted: ["0"]))
    }

    func test_fiveRequestedOnASingleServerAddsFour() throws {
        let result = try F.run(F.bootstrapped, n: 5, series: "precise")
        XCTAssertEqual(result.changes, StateServersChanges(maintained: ["0"], added: ["1", "2", "3", "4"]))
    }

    func test_newMachinesTakeTheFirstVotersSeries() throws {
        let machines = [F.stateServer("0", series: "precise"), F.stateServer("7", series: "trusty")]
        let snapshot = F.snapshot(machines, voting: ["7", "0"], next: 8)
        let result = try F.run(snapshot, n: 3)
        XCTAssertEqual(Self.insertedSeries(result), ["trusty"])
        XCTAssertEqual(Self.insertedSeries(try F.run(snapshot, n: 3, series: "xenial")), ["xenial"])
    }

    func test_noVotingMachinesIsAnInternalError() {
        let snapshot = F.snapshot([F.stateServer("0", noVote: true)], voting: [])
        assertFails(snapshot, message: "internal error, failed to find any voting machines")
    }

    func test_missingStateServerMachineFailsTheTransaction() {
        let snapshot = F.snapshot([F.stateServer("0")], stateServers: ["0", "5"])
        assertFails(snapshot, message: "failed to create new state server machines: machine 5 not found")
    }

    func test_stateLayerRefusesNewMachinesWithoutASeries() throws {
        let request = EnsureAvailabilityRequest(numStateServers: 3)
        XCTAssertThrowsError(try F.bootstrapped.ensureAvailability(request, version: .juju1_20)) { error in
            XCTAssertEqual("\(error)", "failed to create new state server machines: no series specified")
        }
        XCTAssertTrue(try F.threeVoters().ensureAvailability(request, version: .juju1_20).isNoOp)
    }

    func test_existingMachinesNamedByToAreConverted() throws {
        let snapshot = F.snapshot([F.stateServer("0"), F.unitHost("1"), F.unitHost("2")])
        let result = try F.run(snapshot, placement: ["#:1", "#:2"], version: .juju1_25)
        XCTAssertEqual(result.changes, StateServersChanges(maintained: ["0"], converted: ["1", "2"]))
        XCTAssertEqual(result.nextMachineSequence, 3)
    }

    func test_conversionIsLimitedToTheShortfall() throws {
        let snapshot = F.snapshot([F.stateServer("0"), F.unitHost("1"), F.unitHost("2"), F.unitHost("3")])
        let result = try F.run(snapshot, placement: ["#:1", "#:2", "#:3"], version: .juju1_25)
        XCTAssertEqual(result.changes.converted, ["1", "2"])
        XCTAssertEqual(result.changes.added, [])
    }

    func test_machineDirectivesAlsoPlaceNewMachines() throws {
        let snapshot = F.snapshot([F.stateServer("0"), F.unitHost("1"), F.unitHost("2")])
        let result = try F.run(snapshot, n: 5, placement: ["#:1", "zone=a"], version: .juju1_25)
        XCTAssertEqual(result.changes, StateServersChanges(maintained: ["0"], added: ["3", "4", "5"], converted: ["1"]))
        XCTAssertEqual(Self.insertedPlacements(result), ["#:1", "zone=a", nil])
    }

    func test_unscopedPlacementGoesToNewMachinesInOrderIn121() throws {
        let version = try JujuVersion(parsing: "1.21-beta4")
        let result = try F.run(F.bootstrapped, placement: ["zone=a"], version: version)
        XCTAssertEqual(Self.insertedPlacements(result), ["zone=a", nil])
    }

    func test_placementIsNotPartOf120() throws {
        let result = try F.run(F.bootstrapped, placement: ["zone=a"], version: .juju1_20)
        XCTAssertEqual(Self.insertedPlacements(result), [nil, nil])
    }

    func test_serverSidePlacementErrorsAreAnnotated() {
        let snapshot = F.snapshot([F.stateServer("0"), F.unitHost("1")])
        let prefix = "failed to create new state server machines: "
        assertFails(snapshot, placement: ["#:7"], version: .juju1_25,
                    message: prefix + "can't find machine for placement directive \"#:7\": machine 7 not found")
        assertFails(snapshot, placement: ["#:0"], version: .juju1_25,
                    message: prefix + "machine for placement directive \"#:0\" is already a state server")
        assertFails(snapshot, placement: ["0/lxc/1"], version: .juju1_25,
                    message: prefix + "container placement directives not supported")
        assertFails(snapshot, placement: ["lxc:1"], version: .juju1_25,
                    message: prefix + "unsupported placement directive \"lxc:1\"")
    }

    func test_machineFactsFollowJujusDefinitions() {
        XCTAssertTrue(F.stateServer("0").wantsVote)
        XCTAssertFalse(F.stateServer("0", noVote: true).wantsVote)
        XCTAssertFalse(MachineFacts(id: "1", jobs: [.hostUnits], agentAlive: true, series: "trusty").wantsVote)
        XCTAssertTrue(MachineFacts(id: "0/lxc/1", jobs: [.hostUnits], agentAlive: true, series: "trusty").isContainer)
        XCTAssertFalse(F.unitHost("10").isContainer)
    }

    // MARK: Helpers

    static func insertedMachines(_ result: EnsureAvailabilityResult) -> [Document] {
        result.writes.compactMap { write in
            guard write.collection == "machines", case let .insert(document) = write.operation else { return nil }
            return document
        }
    }

    private static func insertedSeries(_ result: EnsureAvailabilityResult) -> [String?] {
        insertedMachines(result).map { $0["series"]?.stringValue }
    }

    private static func insertedPlacements(_ result: EnsureAvailabilityResult) -> [String?] {
        insertedMachines(result).map { $0["placement"]?.stringValue }
    }
}
