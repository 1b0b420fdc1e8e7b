import BSON
import LegacyJuju
import XCTest

/// `mongo.IsMaster` for the singular workers (§3.10).
final class PeergrouperMasterTests: XCTestCase {
    private func isMaster(primary: BSON.Value?, peerAddress: String) throws -> Bool {
        var reply: Document = ["ismaster": .bool(false), "setName": "juju"]
        if let primary { reply.append("primary", primary) }
        return try Peergrouper.isMaster(reply: reply, peerAddress: peerAddress)
    }

    func test_noPrimary_meansTheSetIsUnconfiguredAndThisMachineIsMaster() throws {
        XCTAssertTrue(try isMaster(primary: nil, peerAddress: "10.0.0.2"))
        XCTAssertTrue(try isMaster(primary: "", peerAddress: "10.0.0.2"))
    }

    func test_primaryAtThisMachinesAddress_isMaster() throws {
        XCTAssertTrue(try isMaster(primary: "10.0.0.2:37017", peerAddress: "10.0.0.2"))
    }

    func test_primaryElsewhere_isNotMaster() throws {
        XCTAssertFalse(try isMaster(primary: "10.0.0.1:37017", peerAddress: "10.0.0.2"))
    }

    func test_onlyTheHostPartIsCompared() throws {
        XCTAssertTrue(try isMaster(primary: "10.0.0.2:27017", peerAddress: "10.0.0.2"))
        XCTAssertFalse(try isMaster(primary: "10.0.0.2:37017", peerAddress: "10.0.0.2:37017"))
    }

    func test_bracketedIPv6Primary_comparesTheBareAddress() throws {
        XCTAssertTrue(try isMaster(primary: "[fd00::2]:37017", peerAddress: "fd00::2"))
    }

    func test_malformedPrimary_isAnErrorWithGosText() {
        let cases = [
            ("10.0.0.2", "address 10.0.0.2: missing port in address"),
            ("fd00::2:37017", "address fd00::2:37017: too many colons in address"),
            ("[fd00::2", "address [fd00::2: missing ']' in address"),
            ("[fd00::2]", "address [fd00::2]: missing port in address"),
            ("a]:1", "address a]:1: unexpected ']' in address"),
        ]
        for (primary, message) in cases {
            XCTAssertThrowsError(try isMaster(primary: .string(primary), peerAddress: "10.0.0.2"), primary) {
                XCTAssertEqual(($0 as? Peergrouper.IsMasterError)?.description, message)
            }
        }
    }
}
