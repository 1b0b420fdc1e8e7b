import LegacyJuju
import ReplicaSet
import XCTest

/// The compact notation of §3.5 (Juju's `desired_test.go`): space-separated entries of a
/// decimal id followed by flags.
/// - machines: `11v` is machine "11" wanting a vote, at peer address `0.1.2.11:1234`;
/// - members: `1v` is member `_id` 1, voting, tagged with machine id + 10 at that machine's
///   address; no `v` means `votes: 0, priority: 0`; `T` means untagged;
/// - statuses: `1p` PRIMARY, `2s` SECONDARY, otherwise UNKNOWN; `H` means unhealthy.
enum PeerNotation {
    /// The Mongo port Juju's tests use, so addresses read as in the original vectors.
    static let mongoPort = 1234

    struct Entry: Equatable {
        var id: Int
        var flags: String
    }

    static func parse(_ description: String) -> [Entry] {
        description.split(separator: " ").map { field in
            let digits = field.prefix { $0.isASCII && $0.isNumber }
            guard let id = Int(digits) else { preconditionFailure("bad notation entry \(field)") }
            return Entry(id: id, flags: String(field.dropFirst(digits.count)))
        }
    }

    static func address(machine id: Int) -> String {
        "0.1.2.\(id):\(mongoPort)"
    }

    static func machines(_ description: String) -> [Peergrouper.Machine] {
        parse(description).map {
            Peergrouper.Machine(id: "\($0.id)", wantsVote: $0.flags.contains("v"), peerHostPort: address(machine: $0.id))
        }
    }

    static func members(_ description: String) -> [MemberConfig] {
        parse(description).map { entry in
            let machineId = entry.id + 10
            let voting = entry.flags.contains("v")
            let tags: ReplSetTags = entry.flags.contains("T") ? [:] : ["juju-machine-id": "\(machineId)"]
            return MemberConfig(
                id: entry.id, host: address(machine: machineId), priority: voting ? nil : 0, tags: tags,
                votes: voting ? 1 : 0)
        }
    }

    static func statuses(_ description: String) -> [Int: Peergrouper.MemberStatus] {
        var statuses: [Int: Peergrouper.MemberStatus] = [:]
        for entry in parse(description) {
            let state: MemberState =
                entry.flags.contains("p") ? .primary : entry.flags.contains("s") ? .secondary : .unknown
            statuses[entry.id] = Peergrouper.MemberStatus(healthy: !entry.flags.contains("H"), state: state)
        }
        return statuses
    }
}

/// The notation itself, so that a table row means what it says.
final class PeergrouperNotationTests: XCTestCase {
    func test_parseSplitsIdsFromFlags() {
        XCTAssertEqual(PeerNotation.parse(""), [])
        XCTAssertEqual(PeerNotation.parse("0"), [.init(id: 0, flags: "")])
        XCTAssertEqual(
            PeerNotation.parse("10c  5 6443arble "),
            [.init(id: 10, flags: "c"), .init(id: 5, flags: ""), .init(id: 6443, flags: "arble")])
    }

    func test_machineNotationSetsWantsVoteAndAddress() {
        XCTAssertEqual(
            PeerNotation.machines("11v 12"),
            [
                Peergrouper.Machine(id: "11", wantsVote: true, peerHostPort: "0.1.2.11:1234"),
                Peergrouper.Machine(id: "12", wantsVote: false, peerHostPort: "0.1.2.12:1234"),
            ])
    }

    func test_memberNotationTagsMachineIdPlusTen() {
        let members = PeerNotation.members("1v 2 3vT")
        XCTAssertEqual(members.map(\.id), [1, 2, 3])
        XCTAssertEqual(members.map(\.host), ["0.1.2.11:1234", "0.1.2.12:1234", "0.1.2.13:1234"])
        XCTAssertEqual(members.map { JujuReplicaSet.machineId(of: $0) }, ["11", "12", nil])
        XCTAssertEqual(members.map(\.votes), [1, 0, 1])
        XCTAssertEqual(members.map(\.priority), [1, 0, 1])
    }

    func test_statusNotationReadsStateAndHealth() {
        let statuses = PeerNotation.statuses("1p 2s 3sH 4")
        XCTAssertEqual(statuses[1], .init(healthy: true, state: .primary))
        XCTAssertEqual(statuses[2], .init(healthy: true, state: .secondary))
        XCTAssertEqual(statuses[3], .init(healthy: false, state: .secondary))
        XCTAssertEqual(statuses[4], .init(healthy: true, state: .unknown))
    }
}
