import XCTest
@testable import ModernJuju
import RaftCluster

final class RolesHandoverTests: XCTestCase {
    private func settled(_ size: UInt64) -> RolesCluster {
        let nodes = (1...size).map { DqliteNode(id: $0, address: "n\($0)", role: $0 == 1 ? .voter : .spare) }
        var cluster = RolesCluster(nodes: nodes, leader: 1)
        cluster.adjust()
        return cluster
    }

    func test_handoverOfASpareDoesNothing() {
        let state = snapshot([(1, .voter, meta()), (2, .spare, meta()), (3, .spare, meta())])
        XCTAssertNil(state.handover(2))
        XCTAssertEqual(state.handoverPlan(2, leader: 1).steps, [])
    }

    func test_handoverOfANodeNotInTheClusterDoesNothing() {
        XCTAssertNil(snapshot([(1, .voter, meta())]).handover(9))
    }

    func test_handoverOfAVoterPrefersAStandByOverASpareOfEqualWeight() {
        let state = snapshot([(1, .voter, meta()), (2, .voter, meta()), (3, .voter, meta()),
                              (4, .spare, meta()), (5, .standBy, meta())])
        XCTAssertEqual(state.handover(2)?.role, .voter)
        XCTAssertEqual(state.handover(2)?.candidateIDs, [5, 4])
    }

    func test_handoverOfAVoterPrefersACandidateOutsideTheRemainingVotersDomains() {
        let state = snapshot([(1, .voter, meta(domain: 1)), (2, .voter, meta(domain: 2)), (3, .voter, meta(domain: 3)),
                              (4, .standBy, meta(domain: 1)), (5, .spare, meta(domain: 2, weight: 9)),
                              (6, .spare, meta(domain: 3))])
        // Voter 3 leaves: domains 1 and 2 keep voters, so the spare in domain 3 goes first.
        XCTAssertEqual(state.handover(3)?.candidateIDs, [6, 4, 5])
    }

    func test_handoverIgnoresOfflineCandidates() {
        let state = snapshot([(1, .voter, meta()), (2, .voter, meta()), (3, .voter, meta()),
                              (4, .standBy, nil), (5, .spare, meta(weight: 3))])
        XCTAssertEqual(state.handover(2)?.candidateIDs, [5])
    }

    func test_handoverOfAStandByPromotesASpareToStandBy() {
        var cluster = settled(7)
        let plan = cluster.shutDown(5)
        XCTAssertEqual(plan.steps, [.assign(RoleAssignment(7, .standBy)), .assign(RoleAssignment(5, .spare))])
        XCTAssertEqual(cluster.ids(.standBy), [4, 6, 7])
        XCTAssertEqual(cluster.leader, 1)
    }

    func test_handoverOfAVoterPromotesAReplacementThenDemotesItself() {
        var cluster = settled(5)
        let plan = cluster.shutDown(3)
        XCTAssertEqual(plan.steps, [.assign(RoleAssignment(4, .voter)), .assign(RoleAssignment(3, .spare))])
        XCTAssertNil(plan.transfer)
        XCTAssertEqual(cluster.ids(.voter), [1, 2, 4])
        XCTAssertEqual(cluster.role(of: 3), .spare)
    }

    func test_handoverOfTheLeaderTransfersLeadershipToAnotherOnlineVoter() {
        var cluster = settled(5)
        cluster.setOffline(2)
        let plan = cluster.shutDown(1)
        XCTAssertEqual(plan.steps, [.assign(RoleAssignment(4, .voter)), .transfer(to: 3), .assign(RoleAssignment(1, .spare))])
        XCTAssertEqual(plan.promotion, RoleAssignment(4, .voter))
        XCTAssertEqual(cluster.leader, 3)
    }

    func test_leaderHandoverMayTransferLeadershipToTheNodeItJustPromoted() {
        let state = snapshot([(1, .voter, meta()), (2, .standBy, meta()), (5, .voter, meta()), (6, .voter, meta())])
        XCTAssertEqual(state.handoverPlan(1, leader: 1).transfer, 2)
    }

    func test_leaderWithNoOnlineCandidateOnlyTransfersLeadership() {
        let state = snapshot([(1, .voter, meta()), (2, .voter, meta()), (3, .voter, meta())])
        XCTAssertEqual(state.handoverPlan(1, leader: 1).steps, [.transfer(to: 2)])
        XCTAssertEqual(state.handoverPlan(2, leader: 1).steps, [])
    }

    func test_afterALeaderHandoverTheNewLeaderKeepsThreeVoters() {
        var cluster = settled(5)
        cluster.shutDown(1)
        cluster.adjust()
        XCTAssertEqual(cluster.ids(.voter).count, 3)
        XCTAssertFalse(cluster.ids(.voter).contains(1))
        XCTAssertEqual(cluster.ids(.standBy), [5])
        XCTAssertEqual(cluster.role(of: 1), .spare)
        XCTAssertEqual(cluster.ids(.spare, online: false), [1])
    }
}
