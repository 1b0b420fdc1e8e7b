import LegacyJuju
import ReplicaSet
import XCTest

/// `adjustVotes`: swap pairs first, then move an even number of votes, so voters stay odd.
final class PeergrouperAdjustVotesTests: XCTestCase {
    private func changes(remove: [String], add: [String]) -> [String] {
        Peergrouper.adjustVotes(toRemoveVote: remove, toAddVote: add).map(\.description)
    }

    func test_nothingToMove_changesNothing() {
        XCTAssertEqual(changes(remove: [], add: []), [])
    }

    func test_pairsSwap_eachRemovalFollowedByItsAddition() {
        XCTAssertEqual(changes(remove: ["1", "2"], add: ["5", "6"]), ["1:false", "5:true", "2:false", "6:true"])
    }

    func test_singleAddition_waitsForAPartner() {
        XCTAssertEqual(changes(remove: [], add: ["5"]), [])
    }

    func test_singleRemoval_waitsForAPartner() {
        XCTAssertEqual(changes(remove: ["1"], add: []), [])
    }

    func test_leftoverAdditions_goThroughInEvenNumbers() {
        XCTAssertEqual(changes(remove: [], add: ["5", "6", "7"]), ["5:true", "6:true"])
        XCTAssertEqual(changes(remove: [], add: ["5", "6", "7", "8"]), ["5:true", "6:true", "7:true", "8:true"])
    }

    func test_leftoverRemovals_goThroughInEvenNumbers() {
        XCTAssertEqual(changes(remove: ["1", "2", "3"], add: []), ["1:false", "2:false"])
        XCTAssertEqual(changes(remove: ["1", "2"], add: []), ["1:false", "2:false"])
    }

    func test_swapThenLeftoverAdditions_keepAnEvenNumber() {
        XCTAssertEqual(changes(remove: ["1"], add: ["5", "6", "7"]), ["1:false", "5:true", "6:true", "7:true"])
        XCTAssertEqual(changes(remove: ["1"], add: ["5", "6"]), ["1:false", "5:true"])
    }

    func test_swapThenLeftoverRemovals_keepAnEvenNumber() {
        XCTAssertEqual(changes(remove: ["1", "2", "3", "4"], add: ["5"]), ["1:false", "5:true", "2:false", "3:false"])
    }

    func test_anyMix_keepsTheVoterCountsParity() {
        for removes in 0...4 {
            for adds in 0...4 {
                let remove = (0..<removes).map { "r\($0)" }
                let add = (0..<adds).map { "a\($0)" }
                let moves = Peergrouper.adjustVotes(toRemoveVote: remove, toAddVote: add)
                let delta = moves.reduce(0) { $0 + ($1.voting ? 1 : -1) }
                XCTAssertEqual(delta % 2, 0, "\(removes) removes, \(adds) adds")
                XCTAssertEqual(moves.count, min(removes, adds) * 2 + evenLeftover(removes, adds))
            }
        }
    }

    private func evenLeftover(_ removes: Int, _ adds: Int) -> Int {
        let left = adds > removes ? adds - removes : removes - adds
        return left - left % 2
    }

    func test_setMemberVoting_usesMongoDefaultsForVotersAndZerosOtherwise() {
        var member = MemberConfig(id: 3, host: "h:1", priority: 0, votes: 0)
        Peergrouper.setMemberVoting(&member, voting: true)
        XCTAssertEqual(member.votes, 1)
        XCTAssertEqual(member.priority, 1)
        Peergrouper.setMemberVoting(&member, voting: false)
        XCTAssertEqual(member.votes, 0)
        XCTAssertEqual(member.priority, 0)
    }
}
