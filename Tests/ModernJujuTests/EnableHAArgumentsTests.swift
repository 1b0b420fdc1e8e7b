import XCTest
@testable import ModernJuju

final class EnableHAArgumentsTests: XCTestCase {
    func assertFails(_ words: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try EnableHAArguments.parse(words), file: file, line: line) {
            XCTAssertEqual(($0 as? EnableHAError)?.message, message, file: file, line: line)
        }
    }

    func testNoArgumentsMeansDefaultCountAndSimpleFormat() throws {
        XCTAssertEqual(try EnableHAArguments.parse([]), EnableHAArguments())
    }

    func testOddCountsAreAccepted() throws {
        XCTAssertEqual(try EnableHAArguments.parse(["-n", "5"]).numControllers, 5)
        XCTAssertEqual(try EnableHAArguments.parse(["-n=7"]).numControllers, 7)
        XCTAssertEqual(try EnableHAArguments.parse(["-n", "9"]).numControllers, 9)
    }

    func testEvenOrNegativeCountIsRejected() {
        for n in ["2", "4", "-1"] { assertFails(["-n", n], "must specify a number of controllers odd and non-negative") }
    }

    func testNonNumericCountIsRejected() {
        assertFails(["-n", "x"], "invalid value \"x\" for flag -n: strconv.ParseInt: parsing \"x\": invalid syntax")
    }

    func testMissingFlagValueIsRejected() {
        assertFails(["--to"], "flag needs an argument: --to")
    }

    func testUndefinedFlagIsRejected() {
        assertFails(["--series", "jammy"], "option provided but not defined: --series")
    }

    func testFormats() throws {
        XCTAssertEqual(try EnableHAArguments.parse(["--format", "yaml"]).format, .yaml)
        XCTAssertEqual(try EnableHAArguments.parse(["--format=json"]).format, .json)
        assertFails(["--format", "xml"], "invalid value \"xml\" for flag --format: unknown format \"xml\"")
    }

    func testPositionalArgumentsAreRejected() {
        assertFails(["foo", "bar"], "unrecognized args: [\"foo\" \"bar\"]")
    }

    func testMachinePlacementBecomesCanonicalAndOthersStayVerbatim() throws {
        let args = try EnableHAArguments.parse(["--to", "1, machine:2,zone=us-east-1a,server1"])
        XCTAssertEqual(args.placement, ["machine:1", "machine:2", "zone=us-east-1a", "server1"])
    }

    func testEmptyPlacementElementIsRejected() {
        assertFails(["--to", "in,,valid"], "empty placement directive passed to enable-ha")
    }

    func testContainerPlacementIsRejected() {
        assertFails(["--to", "0/lxd/1"], "enable-ha cannot be used with container placement directives")
    }

    func testOtherScopesAreUnsupported() {
        assertFails(["--to", "lxd"], "unsupported enable-ha placement directive \"lxd\"")
        assertFails(["--to", "zone:a"], "unsupported enable-ha placement directive \"zone:a\"")
        assertFails(["--to", "machine:01"], "unsupported enable-ha placement directive \"machine:01\"")
    }

    func testRepeatedConstraintsAreJoinedWithASpace() throws {
        let args = try EnableHAArguments.parse(["--constraints", "mem=4G", "--constraints", "cores=2"])
        XCTAssertEqual(args.constraints, "mem=4G cores=2")
    }

    func testBadConstraintsAreRejected() {
        assertFails(["--constraints", "mem"], "malformed constraint \"mem\"")
        assertFails(["--constraints", "colour=red"], "unknown constraint \"colour\"")
        assertFails(["--constraints", "mem=1G mem=2G"], "bad \"mem\" constraint: already set")
    }
}
