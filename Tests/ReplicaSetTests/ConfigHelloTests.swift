import BSON
import ReplicaSet
import XCTest

/// What hello lists (spec §2.1), priority ranks for takeover, and member lookups.
final class ConfigHelloTests: XCTestCase {
    /// In config order: electable, passive, arbiter, hidden, delayed, electable, newly added.
    private let config = ConfigFixture.config([
        MemberConfig(id: 0, host: "a:27017", priority: 2),
        MemberConfig(id: 1, host: "b:27017", priority: 0),
        MemberConfig(id: 2, host: "c:27017", arbiterOnly: true),
        MemberConfig(id: 3, host: "d:27017", hidden: true, priority: 0),
        MemberConfig(id: 4, host: "e:27017", priority: 0, secondaryDelaySecs: 600),
        MemberConfig(id: 5, host: "f:27017", priority: 3),
        MemberConfig(id: 6, host: "g:27017", newlyAdded: true),
    ])

    func test_fixtureIsAValidConfig() {
        XCTAssertNoThrow(try config.validate())
    }

    func test_helloHostsAreTheVisibleElectableMembersInConfigOrder() {
        XCTAssertEqual(config.helloHosts, ["a:27017", "f:27017"])
    }

    func test_passivesAreTheVisibleDataBearingMembersThatCannotStand() {
        XCTAssertEqual(config.passives, ["b:27017", "g:27017"])
    }

    func test_arbitersListTheVisibleArbiters() {
        XCTAssertEqual(config.arbiters, ["c:27017"])
    }

    func test_hiddenAndDelayedMembersAreInNoList() {
        let listed = config.helloHosts + config.passives + config.arbiters
        XCTAssertFalse(listed.contains("d:27017"))
        XCTAssertFalse(listed.contains("e:27017"))
    }

    func test_hiddenArbiterIsNotListed() {
        let hiddenArbiter = MemberConfig(id: 1, host: "b:27017", arbiterOnly: true, hidden: true)
        let config = ConfigFixture.config([MemberConfig(id: 0, host: "a:27017"), hiddenArbiter])
        XCTAssertEqual(config.arbiters, [])
    }

    func test_priorityRankCountsMembersWithStrictlyHigherPriority() {
        XCTAssertEqual(config.priorityRank(of: 5), 0)
        XCTAssertEqual(config.priorityRank(of: 0), 1)
        // Members 1–4 and 6 (newly added) all count as priority 0: only a and f are higher.
        XCTAssertEqual(config.priorityRank(of: 1), 2)
        XCTAssertEqual(config.priorityRank(of: 6), 2)
    }

    func test_equalPrioritiesShareARank() {
        let config = ConfigFixture.config(ConfigFixture.voters(3))
        XCTAssertEqual([0, 1, 2].map { config.priorityRank(of: $0) }, [0, 0, 0])
    }

    func test_unknownMemberRanksAsPriorityZero() {
        XCTAssertEqual(config.priorityRank(of: 42), 2)
    }

    func test_priorityTakeoverWaitsOneElectionTimeoutPerRankPlusOne() {
        XCTAssertEqual(config.priorityTakeoverDelayMillis(of: 5), 10_000)
        XCTAssertEqual(config.priorityTakeoverDelayMillis(of: 0), 20_000)
    }

    func test_membersAreFoundByIdAndByHost() {
        XCTAssertEqual(config.member(id: 4)?.host, "e:27017")
        XCTAssertEqual(config.member(host: "f:27017")?.id, 5)
        XCTAssertEqual(config.member(host: "f")?.id, 5)
        XCTAssertNil(config.member(id: 9))
        XCTAssertNil(config.member(host: "f:27018"))
        XCTAssertEqual(config.memberIndex(id: 6), 6)
        XCTAssertEqual(config.memberIndex(host: "c:27017"), 2)
    }

    func test_memberFlagsFollowMongod() {
        let newlyAdded = config.members[6]
        XCTAssertFalse(newlyAdded.isVoter)
        XCTAssertFalse(newlyAdded.isElectable)
        XCTAssertEqual(newlyAdded.effectivePriority, 0)
        let arbiter = config.members[2]
        XCTAssertTrue(arbiter.isArbiter)
        XCTAssertTrue(arbiter.isVoter)
        XCTAssertFalse(arbiter.isElectable)
        XCTAssertTrue(config.members[0].isElectable)
        XCTAssertFalse(config.members[1].isElectable)
    }
}
