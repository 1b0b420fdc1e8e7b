import XCTest
@testable import LegacyJuju

final class EnsureAvailabilityVersionTests: XCTestCase {
    func test_releaseVersionParsesIntoItsParts() throws {
        let version = try JujuVersion(parsing: "1.20.14")
        XCTAssertEqual([version.major, version.minor, version.patch, version.build], [1, 20, 14, 0])
        XCTAssertEqual(version.tag, "")
        XCTAssertEqual(version.description, "1.20.14")
        XCTAssertEqual(version, .juju1_20)
    }

    func test_betaAndBuildVersionsParse() throws {
        let beta = try JujuVersion(parsing: "1.21-beta4")
        XCTAssertEqual(beta.tag, "beta")
        XCTAssertEqual(beta.patch, 4)
        XCTAssertEqual(beta.description, "1.21-beta4")
        let build = try JujuVersion(parsing: "1.25.6.1")
        XCTAssertEqual(build.build, 1)
        XCTAssertEqual(build.description, "1.25.6.1")
    }

    func test_malformedVersionIsRefusedWithJujusMessage() {
        for text in ["1.20", "", "1.20.", "1.x.1", "1.20.14-", "v1.20.14", "1.20.1234567890", "1.21-Beta4"] {
            XCTAssertThrowsError(try JujuVersion(parsing: text), text) { error in
                XCTAssertEqual("\(error)", "invalid version \"\(text)\"")
            }
        }
    }

    func test_versionOutsideTheLegacyRangeIsRefused() {
        for text in ["1.19.4", "1.26.0", "2.0.3"] {
            XCTAssertThrowsError(try JujuVersion(parsing: text)) { error in
                XCTAssertEqual(error as? JujuVersionError, .notLegacy(text))
            }
        }
    }

    func test_120HasNoPlacementNoColonsAndBareIds() throws {
        let version = try JujuVersion(parsing: "1.20.14")
        XCTAssertEqual(version.placementSupport, PlacementSupport.none)
        XCTAssertFalse(version.simpleOutputHasColonsOnAllLines)
        XCTAssertEqual(version.documentLayout, .bare)
    }

    func test_121And122AllowOnlyUnscopedPlacement() throws {
        for text in ["1.21-beta4", "1.22.7"] {
            let version = try JujuVersion(parsing: text)
            XCTAssertEqual(version.placementSupport, .unscopedOnly, text)
            XCTAssertFalse(version.simpleOutputHasColonsOnAllLines, text)
            XCTAssertEqual(version.documentLayout, .bare, text)
        }
    }

    func test_123Through125ConvertMachinesUseColonsAndPrefixIds() throws {
        for text in ["1.23.4", "1.24.8", "1.25.6"] {
            let version = try JujuVersion(parsing: text)
            XCTAssertEqual(version.placementSupport, .machinesAndUnscoped, text)
            XCTAssertTrue(version.simpleOutputHasColonsOnAllLines, text)
            XCTAssertEqual(version.documentLayout, .environmentPrefixed, text)
        }
    }
}
