import XCTest
import HACore
@testable import ModernJuju
import RaftCluster

/// An online node's metadata.
func meta(domain: UInt64 = 0, weight: UInt64 = 0) -> NodeMetadata {
    NodeMetadata(failureDomain: domain, weight: weight)
}

/// A snapshot from (id, role, metadata-or-nil-for-offline) triples.
func snapshot(_ entries: [(UInt64, DqliteRole, NodeMetadata?)], config: RolesConfig = RolesConfig()) -> RolesChanges {
    RolesChanges(config: config, members: entries.map {
        RolesChanges.Member(node: DqliteNode(id: $0.0, address: "10.0.0.\($0.0):17666", role: $0.1), metadata: $0.2)
    })
}

final class RolesChangesTests: XCTestCase {
    // MARK: Roles and options

    func test_roleWireCodesAndNamesMatchGoDqlite() {
        XCTAssertEqual(DqliteRole.allCases.map(\.wireCode), [0, 1, 2])
        XCTAssertEqual(DqliteRole.allCases.map(\.description), ["voter", "stand-by", "spare"])
        XCTAssertEqual(DqliteRole(name: "stand-by"), .standBy)
        XCTAssertNil(DqliteRole(name: "standby"))
    }

    func test_unknownWireCodeDecodesAsVoter() {
        XCTAssertEqual(DqliteRole(wireCode: 1), .standBy)
        XCTAssertEqual(DqliteRole(wireCode: 2), .spare)
        XCTAssertEqual(DqliteRole(wireCode: 7), .voter)
    }

    func test_raftCodesDifferFromWireCodes() {
        XCTAssertEqual([DqliteRole.standBy, .voter, .spare].map(\.raftCode), [0, 1, 2])
    }

    func test_defaultOptionsAreThreeVotersThreeStandBysEveryThirtySeconds() throws {
        let options = RolesOptions()
        XCTAssertEqual(options.rolesConfig, RolesConfig(voters: 3, standBys: 3))
        XCTAssertEqual(options.rolesAdjustmentFrequency, .seconds(30))
        XCTAssertTrue(options.autoRecovery)
        XCTAssertFalse(options.diskMode)
        XCTAssertEqual(options.concurrentLeaderConns, 10)
        XCTAssertEqual(RolesOptions.minVoters, 3)
        XCTAssertEqual(options.metadata, meta(domain: 0, weight: 0))
        try options.validate()
    }

    func test_validateRejectsEvenOrTooFewVoters() throws {
        for voters in [1, 2, 4, 6] {
            var options = RolesOptions()
            options.voters = voters
            XCTAssertThrowsError(try options.validate()) { error in
                XCTAssertEqual("\(error)", "invalid voters \(voters): must be an odd number greater than 1")
            }
        }
        var five = RolesOptions()
        five.voters = 5
        try five.validate()
    }

    // MARK: Snapshot

    func test_membersAreSortedByNodeIDWhateverTheInputOrder() {
        let state = snapshot([(3, .spare, meta()), (1, .voter, meta()), (2, .spare, meta())])
        XCTAssertEqual(state.members.map(\.node.id), [1, 2, 3])
        XCTAssertEqual(state.list(.spare, online: true).map(\.id), [2, 3])
    }

    func test_nodesWithoutMetadataAreOffline() {
        let nodes = [1, 2, 3].map { DqliteNode(id: $0, address: "a\($0)", role: .voter) }
        let state = RolesChanges(nodes: nodes, metadata: [1: meta(), 3: meta(domain: 4)])
        XCTAssertEqual(state.list(.voter, online: true).map(\.id), [1, 3])
        XCTAssertEqual(state.list(.voter, online: false).map(\.id), [2])
        XCTAssertEqual(state.failureDomains(nodes), [0, 4])
        XCTAssertEqual(state.allFailureDomains, [0, 4])
        XCTAssertEqual(state.list(.voter, online: true, in: [4]).map(\.id), [3])
    }

    // MARK: Assume

    func test_assumeDoesNothingInAClusterSmallerThanThree() {
        let state = snapshot([(1, .voter, meta()), (2, .spare, meta())])
        XCTAssertNil(state.assume(2))
    }

    func test_assumeDoesNothingForANodeNotInTheCluster() {
        let state = snapshot([(1, .voter, meta()), (2, .spare, meta()), (3, .spare, meta())])
        XCTAssertNil(state.assume(9))
    }

    func test_assumeDoesNothingForAVoterOrStandBy() {
        let state = snapshot([(1, .voter, meta()), (2, .standBy, meta()), (3, .voter, meta()), (4, .spare, meta())])
        XCTAssertNil(state.assume(2))
        XCTAssertNil(state.assume(3))
        XCTAssertEqual(state.assume(4), .voter)
    }

    func test_assumeAsksForVoterWhileOnlineVotersAreShort() {
        let state = snapshot([(1, .voter, meta()), (2, .voter, meta()), (3, .voter, nil), (4, .spare, meta())])
        XCTAssertEqual(state.assume(4), .voter, "the offline voter does not count")
    }

    func test_assumeAsksForStandByWhenVotersAreFullButStandBysAreShort() {
        let state = snapshot([(1, .voter, meta()), (2, .voter, meta()), (3, .voter, meta()),
                              (4, .standBy, meta()), (5, .spare, meta())])
        XCTAssertEqual(state.assume(5), .standBy)
    }

    func test_assumeDoesNothingWhenVotersAndStandBysAreFull() {
        let full: [(UInt64, DqliteRole, NodeMetadata?)] =
            [(1, .voter, meta()), (2, .voter, meta()), (3, .voter, meta()),
             (4, .standBy, meta()), (5, .standBy, meta()), (6, .standBy, meta()), (7, .spare, meta())]
        XCTAssertNil(snapshot(full).assume(7))
    }

    func test_maybePromoteOurselvesAlsoPromotesAnotherNodeAtTheThreeNodeThreshold() {
        let state = snapshot([(1, .voter, meta()), (2, .spare, meta()), (3, .spare, meta())])
        XCTAssertEqual(state.maybePromoteOurselves(3), [RoleAssignment(3, .voter), RoleAssignment(2, .voter)])
    }

    func test_maybePromoteOurselvesPromotesOnlyItselfWhenTwoVotersAreOnline() {
        let state = snapshot([(1, .voter, meta()), (2, .voter, meta()), (3, .spare, meta()), (4, .spare, meta())])
        XCTAssertEqual(state.maybePromoteOurselves(4), [RoleAssignment(4, .voter)])
    }

    func test_maybePromoteOurselvesDoesNothingWhenAssumeSaysNothing() {
        let state = snapshot([(1, .voter, meta()), (2, .spare, meta())])
        XCTAssertEqual(state.maybePromoteOurselves(2), [])
    }

    // MARK: Ordering

    func test_sortCandidatesPutsNewDomainsFirstThenLowerWeight() {
        let state = snapshot([(1, .spare, meta(domain: 1, weight: 1)), (2, .spare, meta(domain: 2, weight: 9)),
                              (3, .spare, meta(domain: 1, weight: 0)), (4, .spare, meta(domain: 3, weight: 5))])
        let sorted = state.sortCandidates(state.list(.spare, online: true), domains: [1])
        XCTAssertEqual(sorted.map(\.id), [4, 2, 3, 1])
    }

    func test_sortCandidatesKeepsTheGivenOrderBetweenEqualCandidates() {
        let state = snapshot([(1, .spare, meta()), (2, .standBy, meta()), (3, .spare, meta())])
        let given = state.list(.standBy, online: true) + state.list(.spare, online: true)
        XCTAssertEqual(state.sortCandidates(given, domains: []).map(\.id), [2, 1, 3])
    }

    func test_sortVoterCandidatesToDemotePrefersCrowdedDomainsThenHeavierNodes() {
        let state = snapshot([(1, .voter, meta(domain: 1, weight: 0)), (2, .voter, meta(domain: 2, weight: 1)),
                              (3, .voter, meta(domain: 2, weight: 7)), (4, .voter, meta(domain: 3, weight: 9))])
        let sorted = state.sortVoterCandidatesToDemote(state.list(.voter, online: true))
        XCTAssertEqual(sorted.map(\.id), [3, 2, 1, 4])
    }

    func test_sortVoterCandidatesToDemoteBreaksDomainTiesTowardsTheLeadersDomain() {
        // Leader 1 is excluded from the candidates, so domains 5 and 1 both hold one candidate;
        // domain 5 still holds two voters in total.
        let state = snapshot([(1, .voter, meta(domain: 5)), (2, .voter, meta(domain: 5)), (3, .voter, meta(domain: 1))])
        let sorted = state.sortVoterCandidatesToDemote(state.list(.voter, online: true).filter { $0.id != 1 })
        XCTAssertEqual(sorted.map(\.id), [2, 3])
    }
}
