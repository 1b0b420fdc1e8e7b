import XCTest
@testable import ModernJuju
import RaftCluster

/// A leader (node 1, voter) plus `size - 1` spares, all online, after the leader's pass.
private func convergedFromSpares(_ size: UInt64, metadata: (UInt64) -> NodeMetadata = { _ in meta() }) -> RolesCluster {
    let nodes = (1...size).map { DqliteNode(id: $0, address: "n\($0)", role: $0 == 1 ? .voter : .spare) }
    var cluster = RolesCluster(nodes: nodes, leader: 1,
                               metadata: Dictionary(uniqueKeysWithValues: (1...size).map { ($0, metadata($0)) }))
    cluster.adjust()
    return cluster
}

/// Nodes joined one by one, each running its start-up promotion and the leader adjusting after each.
private func joinedOneByOne(_ size: UInt64) -> RolesCluster {
    var cluster = RolesCluster(bootstrap: 1)
    for id in (1...size).dropFirst() {
        cluster.join(id)
        cluster.adjust()
    }
    return cluster
}

private func counts(_ cluster: RolesCluster) -> [Int] {
    let c = cluster.roleCounts
    return [c.voters, c.standBys, c.spares]
}

final class RolesAdjustTests: XCTestCase {
    // MARK: Cluster sizes

    func test_oneNodeClusterKeepsItsSingleVoter() {
        XCTAssertEqual(counts(convergedFromSpares(1)), [1, 0, 0])
        XCTAssertNil(snapshot([(1, .voter, meta())]).adjust(leader: 1))
    }

    func test_twoNodeClusterKeepsOneVoterAndOneSpare() {
        XCTAssertEqual(counts(convergedFromSpares(2)), [1, 0, 1])
    }

    func test_adjustDemotesTheOtherVoterOfATwoNodeCluster() {
        let state = snapshot([(1, .voter, meta()), (2, .voter, meta())])
        XCTAssertEqual(state.adjust(leader: 2), RoleDecision(role: .spare, candidates: [state.get(1)!]))
        XCTAssertEqual(state.maybeAdjustRoles(leader: 1), [RoleAssignment(2, .spare)])
    }

    func test_threeNodesConvergeToThreeVoters() {
        let cluster = convergedFromSpares(3)
        XCTAssertEqual(counts(cluster), [3, 0, 0])
    }

    func test_fourNodesConvergeToThreeVotersAndAStandBy() {
        XCTAssertEqual(counts(convergedFromSpares(4)), [3, 1, 0])
    }

    func test_fiveNodesConvergeToThreeVotersAndTwoStandBys() {
        XCTAssertEqual(counts(convergedFromSpares(5)), [3, 2, 0])
    }

    func test_sevenNodesConvergeToThreeVotersThreeStandBysAndASpare() {
        let cluster = convergedFromSpares(7)
        XCTAssertEqual(counts(cluster), [3, 3, 1])
        XCTAssertEqual(cluster.ids(.voter), [1, 2, 3])
        XCTAssertEqual(cluster.ids(.standBy), [4, 5, 6])
    }

    func test_leaderAppliesChangesOneAssignAtATimeInOrder() {
        let state = snapshot((1...5).map { ($0, $0 == 1 ? DqliteRole.voter : .spare, meta()) })
        XCTAssertEqual(state.maybeAdjustRoles(leader: 1), [
            RoleAssignment(2, .voter), RoleAssignment(3, .voter),
            RoleAssignment(4, .standBy), RoleAssignment(5, .standBy),
        ])
    }

    func test_joiningOneByOneReachesTheSameRolesAsAdjusting() {
        let expected: [UInt64: [Int]] = [1: [1, 0, 0], 2: [1, 0, 1], 3: [3, 0, 0], 4: [3, 1, 0],
                                         5: [3, 2, 0], 6: [3, 3, 0], 7: [3, 3, 1]]
        for (size, roles) in expected {
            XCTAssertEqual(counts(joinedOneByOne(size)), roles, "size \(size)")
        }
    }

    func test_thirdJoinerPromotesItselfAndTheSecondNodeWithoutTheLeader() {
        var cluster = RolesCluster(bootstrap: 1)
        XCTAssertEqual(cluster.join(2), [])
        XCTAssertEqual(cluster.join(3), [RoleAssignment(3, .voter), RoleAssignment(2, .voter)])
        XCTAssertEqual(cluster.adjust(), [])
    }

    func test_adjustIsIdleOnceSettled() {
        var cluster = convergedFromSpares(7)
        XCTAssertEqual(cluster.adjust(), [])
        XCTAssertNil(cluster.state.adjust(leader: 1))
    }

    // MARK: Offline nodes

    func test_adjustPromotesAStandByWhenAVoterIsOffline() {
        var cluster = convergedFromSpares(5)
        cluster.setOffline(2)
        XCTAssertEqual(cluster.adjust(), [RoleAssignment(4, .voter), RoleAssignment(2, .spare)])
        XCTAssertEqual(cluster.ids(.voter), [1, 3, 4])
        XCTAssertEqual(cluster.ids(.standBy), [5])
    }

    func test_adjustPrefersAStandByOverASpareOfEqualWeight() {
        let state = snapshot([(1, .voter, meta()), (2, .voter, nil), (3, .voter, meta()),
                              (4, .spare, meta()), (5, .standBy, meta())])
        XCTAssertEqual(state.adjust(leader: 1)?.candidateIDs, [5, 4])
        XCTAssertEqual(state.maybeAdjustRoles(leader: 1),
                       [RoleAssignment(5, .voter), RoleAssignment(2, .spare), RoleAssignment(4, .standBy)])
    }

    func test_adjustKeepsAnOfflineVoterWhenNoOnlineNodeCanReplaceIt() {
        let state = snapshot([(1, .voter, meta()), (2, .voter, meta()), (3, .voter, nil)])
        XCTAssertNil(state.adjust(leader: 1))
    }

    func test_adjustKeepsAnOfflineStandByWhenNoSpareIsOnline() {
        var cluster = convergedFromSpares(5)
        cluster.setOffline(5)
        XCTAssertEqual(cluster.adjust(), [])
        XCTAssertEqual(cluster.role(of: 5), .standBy)
    }

    func test_adjustReplacesAnOfflineStandByWithASpareThenDemotesIt() {
        var cluster = convergedFromSpares(7)
        cluster.setOffline(5)
        XCTAssertEqual(cluster.adjust(), [RoleAssignment(7, .standBy), RoleAssignment(5, .spare)])
    }

    func test_adjustDemotesSurplusVotersButNeverTheLeader() {
        let state = snapshot((1...5).map { ($0, DqliteRole.voter, meta(weight: $0 == 5 ? 0 : 9)) })
        let assignments = state.maybeAdjustRoles(leader: 5)
        XCTAssertEqual(Array(assignments.prefix(2)), [RoleAssignment(1, .spare), RoleAssignment(2, .spare)])
        let after = state.applying(assignments)
        XCTAssertEqual(after.list(.voter, online: true).map(\.id), [3, 4, 5])
    }

    func test_adjustDemotesSurplusStandBys() {
        let state = snapshot((1...8).map { ($0, $0 <= 3 ? DqliteRole.voter : .standBy, meta()) })
        XCTAssertEqual(state.maybeAdjustRoles(leader: 1), [RoleAssignment(4, .spare), RoleAssignment(5, .spare)])
    }

    // MARK: Weights and failure domains

    func test_adjustPromotesTheLighterSpareToVoter() {
        let state = snapshot([(1, .voter, meta()), (2, .spare, meta(weight: 5)), (3, .spare, meta(weight: 1)),
                              (4, .spare, meta(weight: 3))])
        XCTAssertEqual(state.adjust(leader: 1)?.candidateIDs, [3, 4, 2])
    }

    func test_adjustDemotesTheHeavierVoterOfACrowdedDomain() {
        let state = snapshot([(1, .voter, meta(domain: 1)), (2, .voter, meta(domain: 2, weight: 1)),
                              (3, .voter, meta(domain: 2, weight: 8)), (4, .voter, meta(domain: 3, weight: 9))])
        XCTAssertEqual(state.adjust(leader: 1), RoleDecision(role: .spare, candidates: [3, 2, 4].map { state.get($0)! }))
    }

    func test_adjustPromotesVotersIntoDomainsWithoutVotersFirst() {
        let state = snapshot([(1, .voter, meta(domain: 1)), (2, .spare, meta(domain: 1, weight: 0)),
                              (3, .spare, meta(domain: 2, weight: 9))])
        XCTAssertEqual(state.adjust(leader: 1)?.candidateIDs, [3, 2])
    }

    func test_adjustMovesAVoterIntoAnUncoveredDomain() {
        var cluster = RolesCluster(
            nodes: [1, 2, 3].map { DqliteNode(id: $0, address: "n\($0)", role: .voter) }
                + [DqliteNode(id: 4, address: "n4", role: .spare)],
            leader: 1,
            metadata: [1: meta(domain: 1), 2: meta(domain: 1, weight: 2), 3: meta(domain: 1, weight: 7), 4: meta(domain: 2)])
        XCTAssertEqual(cluster.adjust(), [RoleAssignment(4, .voter), RoleAssignment(3, .spare), RoleAssignment(3, .standBy)])
        XCTAssertEqual(cluster.ids(.voter), [1, 2, 4])
    }

    func test_votersSpreadAcrossThreeDomains() {
        // Nodes 1..6 in domains 0,0,1,1,2,2 (ids next to each other share a domain).
        let cluster = convergedFromSpares(6) { meta(domain: ($0 - 1) / 2) }
        let domains = Set(cluster.ids(.voter).map { ($0 - 1) / 2 })
        XCTAssertEqual(domains, [0, 1, 2])
        XCTAssertEqual(counts(cluster), [3, 3, 0])
    }

    func test_spreadingTerminatesWhenTheLeaderSharesADomain() {
        // Voters 1 (leader) and 2 share domain 5; 3 is alone in domain 4; spare 4 is in domain 0.
        // A naive tie-break would demote the newly promoted 4 and promote it again forever.
        let state = snapshot([(1, .voter, meta(domain: 5)), (2, .voter, meta(domain: 5)),
                              (3, .voter, meta(domain: 4)), (4, .spare, meta(domain: 0))])
        let assignments = state.maybeAdjustRoles(leader: 1)
        let after = state.applying(assignments)
        XCTAssertNil(after.adjust(leader: 1))
        XCTAssertEqual(after.list(.voter, online: true).map(\.id), [1, 3, 4])
        XCTAssertEqual(assignments, [RoleAssignment(4, .voter), RoleAssignment(2, .spare), RoleAssignment(2, .standBy)])
    }

    // MARK: Recovery

    func test_afterAnyFailureTheLeaderBringsVotersBackToThree() {
        for size: UInt64 in [3, 4, 5, 7] {
            let settled = convergedFromSpares(size)
            let ids = Array(1...size)
            for mask in 0..<(1 << size) {
                let offline = ids.filter { mask & (1 << ($0 - 1)) != 0 }
                let onlineVoters = settled.ids(.voter).filter { !offline.contains($0) }
                // A leader needs a quorum of the current voters.
                guard onlineVoters.count >= 2 else { continue }
                var cluster = settled
                offline.forEach { cluster.setOffline($0) }
                cluster.elect(onlineVoters[0])
                cluster.adjust()
                let online = Int(size) - offline.count
                let context = "size \(size) offline \(offline)"
                guard online >= 3 else {
                    // Too few nodes to replace the lost voter: it keeps its vote.
                    XCTAssertEqual((cluster.ids(.voter) + cluster.ids(.voter, online: false)).sorted(), settled.ids(.voter), context)
                    continue
                }
                XCTAssertEqual(cluster.ids(.voter).count, 3, context)
                XCTAssertEqual(cluster.ids(.voter, online: false), [], context)
                XCTAssertEqual(cluster.ids(.standBy).count, min(3, online - 3), context)
                XCTAssertNil(cluster.state.adjust(leader: cluster.leader), context)
            }
        }
    }

    func test_returningNodesRefillStandBysAndOfflineSparesStaySpare() {
        var cluster = convergedFromSpares(7)
        [2, 3, 4].forEach { cluster.setOffline($0) }
        cluster.adjust()
        XCTAssertEqual(cluster.ids(.voter), [1, 5, 6])
        [2, 3, 4].forEach { cluster.setOnline($0) }
        cluster.adjust()
        XCTAssertEqual(counts(cluster), [3, 3, 1])
        XCTAssertEqual(cluster.ids(.voter), [1, 5, 6])
    }
}
