import XCTest
@testable import LegacyJuju

final class EnsureAvailabilityArgumentsTests: XCTestCase {
    private func parse(_ arguments: [String], _ version: JujuVersion = .juju1_20) throws -> EnsureAvailabilityArguments {
        try EnsureAvailabilityArguments(parsing: arguments, version: version)
    }

    private func assertRefused(
        _ arguments: [String], _ version: JujuVersion = .juju1_20, message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try parse(arguments, version), file: file, line: line) { error in
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    func test_noArgumentsMeanServerChosenCountInSimpleFormat() throws {
        let arguments = try parse([])
        XCTAssertEqual(arguments.numStateServers, 0)
        XCTAssertEqual(arguments.format, .simple)
        XCTAssertEqual(arguments.placement, [])
        XCTAssertTrue(arguments.constraints.isEmpty)
        XCTAssertEqual(arguments.series, "")
    }

    func test_evenCountIsRefusedOnTheClient() {
        assertRefused(["-n", "2"], message: "must specify a number of state servers odd and non-negative")
        assertRefused(["-n", "4"], .juju1_25, message: "must specify a number of state servers odd and non-negative")
    }

    func test_negativeCountIsRefusedOnTheClient() {
        assertRefused(["-n", "-1"], message: "must specify a number of state servers odd and non-negative")
        assertRefused(["-n=-3"], message: "invalid value \"=-3\" for flag -n: strconv.ParseInt: parsing \"=-3\": invalid syntax")
    }

    func test_clientDoesNotCheckTheUpperBound() throws {
        XCTAssertEqual(try parse(["-n", "9"]).numStateServers, 9)
    }

    func test_countAcceptsGoIntegerSyntax() throws {
        XCTAssertEqual(try parse(["-n3"]).numStateServers, 3)
        XCTAssertEqual(try parse(["--n", "5"]).numStateServers, 5)
        XCTAssertEqual(try parse(["-n", "07"]).numStateServers, 7)
        XCTAssertEqual(try parse(["-n", "0x3"]).numStateServers, 3)
        XCTAssertEqual(try parse(["-n", "+1"]).numStateServers, 1)
    }

    func test_nonNumericCountIsAFlagError() {
        assertRefused(["-n", "three"], message: "invalid value \"three\" for flag -n: strconv.ParseInt: parsing \"three\": invalid syntax")
        assertRefused(["-n", "08"], message: "invalid value \"08\" for flag -n: strconv.ParseInt: parsing \"08\": invalid syntax")
        assertRefused(["-n", "99999999999999999999"],
                      message: "invalid value \"99999999999999999999\" for flag -n: strconv.ParseInt: parsing \"99999999999999999999\": value out of range")
    }

    func test_flagWithoutItsValueIsRefused() {
        assertRefused(["-n"], message: "flag needs an argument: -n")
        assertRefused(["--series"], message: "flag needs an argument: --series")
    }

    func test_undefinedFlagIsRefused() {
        assertRefused(["--foo"], message: "flag provided but not defined: --foo")
        assertRefused(["-x"], message: "flag provided but not defined: -x")
        assertRefused(["--=3"], message: "empty flag in argument \"--=3\"")
    }

    func test_helpIsReportedAsSuch() {
        XCTAssertThrowsError(try parse(["--help"])) { XCTAssertEqual($0 as? EnsureAvailabilityError, .helpRequested) }
        XCTAssertThrowsError(try parse(["-h"])) { XCTAssertEqual($0 as? EnsureAvailabilityError, .helpRequested) }
    }

    func test_extraPositionalArgumentsAreRefused() {
        assertRefused(["x"], message: "unrecognized args: [\"x\"]")
        assertRefused(["-n", "3", "x", "y z"], message: "unrecognized args: [\"x\" \"y z\"]")
        assertRefused(["--", "-n"], message: "unrecognized args: [\"-n\"]")
    }

    func test_countIsCheckedBeforeExtraArguments() {
        assertRefused(["x", "-n", "2"], message: "must specify a number of state servers odd and non-negative")
    }

    func test_formatIsOneOfSimpleYamlJson() throws {
        XCTAssertEqual(try parse(["--format", "yaml"]).format, .yaml)
        XCTAssertEqual(try parse(["--format=json"]).format, .json)
        XCTAssertEqual(try parse(["--format", "simple"]).format, .simple)
    }

    func test_unknownFormatIsRefused() {
        assertRefused(["--format", "xml"], message: "invalid value \"xml\" for flag --format: unknown format \"xml\"")
        XCTAssertThrowsError(try parse(["--format=smart"])) { error in
            XCTAssertEqual(error as? EnsureAvailabilityError,
                           .invalidFlagValue(flag: "--format", value: "smart", reason: "unknown format \"smart\""))
        }
    }

    func test_seriesOutputEnvironmentAndLoggingFlagsAreRead() throws {
        let arguments = try parse(["--series=trusty", "-o", "out.yaml", "-e", "prod", "--debug", "-v", "--show-log=false"])
        XCTAssertEqual(arguments.series, "trusty")
        XCTAssertEqual(arguments.outputPath, "out.yaml")
        XCTAssertEqual(arguments.environment, "prod")
        assertRefused(["--debug=maybe"], message: "invalid value \"maybe\" for flag --debug: strconv.ParseBool: parsing \"maybe\": invalid syntax")
    }

    func test_constraintsAreParsed() throws {
        let constraints = try parse(["--constraints", "mem=4G cpu-cores=2  root-disk=1.5G tags=a,b arch=amd64"]).constraints
        XCTAssertEqual(constraints.mem, 4096)
        XCTAssertEqual(constraints.cpuCores, 2)
        XCTAssertEqual(constraints.rootDisk, 1536)
        XCTAssertEqual(constraints.tags, ["a", "b"])
        XCTAssertEqual(constraints.arch, "amd64")
        XCTAssertNil(constraints.cpuPower)
        XCTAssertEqual(try parse(["--constraints", "mem="]).constraints.mem, 0)
    }

    func test_badConstraintsAreRefusedWithTheirReason() {
        let prefix = "invalid value"
        assertRefused(["--constraints", "mem=lots"],
                      message: "\(prefix) \"mem=lots\" for flag --constraints: bad \"mem\" constraint: must be a non-negative float with optional M/G/T/P suffix")
        assertRefused(["--constraints", "cpu-cores=-1"],
                      message: "\(prefix) \"cpu-cores=-1\" for flag --constraints: bad \"cpu-cores\" constraint: must be a non-negative integer")
        assertRefused(["--constraints", "mem"], message: "\(prefix) \"mem\" for flag --constraints: malformed constraint \"mem\"")
        assertRefused(["--constraints", "disk=1"], message: "\(prefix) \"disk=1\" for flag --constraints: unknown constraint \"disk\"")
        assertRefused(["--constraints", "mem=1G mem=2G"],
                      message: "\(prefix) \"mem=1G mem=2G\" for flag --constraints: bad \"mem\" constraint: already set")
        assertRefused(["--constraints", "container=docker"],
                      message: "\(prefix) \"container=docker\" for flag --constraints: bad \"container\" constraint: invalid container type \"docker\"")
    }

    func test_constraintsDifferBetweenReleases() throws {
        assertRefused(["--constraints", "instance-type=m1.small"],
                      message: "invalid value \"instance-type=m1.small\" for flag --constraints: unknown constraint \"instance-type\"")
        XCTAssertEqual(try parse(["--constraints", "instance-type=m1.small"], .juju1_25).constraints.instanceType, "m1.small")
        assertRefused(["--constraints", "arch=ppc64el"],
                      message: "invalid value \"arch=ppc64el\" for flag --constraints: bad \"arch\" constraint: \"ppc64el\" not recognized")
        XCTAssertEqual(try parse(["--constraints", "arch=ppc64el"], .juju1_25).constraints.arch, "ppc64el")
    }

    func test_toIsNotAFlagIn120() {
        assertRefused(["--to", "1"], message: "flag provided but not defined: --to")
    }

    func test_unscopedPlacementIsPassedVerbatimIn121() throws {
        let version = try JujuVersion(parsing: "1.21-beta4")
        XCTAssertEqual(try parse(["--to", "zone=us-east-1a, node1"], version).placement, ["zone=us-east-1a", " node1"])
    }

    func test_machinePlacementIsUnsupportedBefore123() throws {
        let version = try JujuVersion(parsing: "1.22.7")
        assertRefused(["--to", "zone=a,1"], version, message: "unsupported ensure-availability placement directive \"1\"")
        assertRefused(["--to", "lxc:1"], version, message: "unsupported ensure-availability placement directive \"lxc:1\"")
    }

    func test_machinePlacementIsNormalizedFrom123() throws {
        XCTAssertEqual(try parse(["--to", "1, 2"], .juju1_25).placement, ["#:1", "#:2"])
        XCTAssertEqual(try parse(["--to=zone=a,#:3"], .juju1_25).placement, ["zone=a", "#:3"])
    }

    func test_containerPlacementIsRefusedOnTheClient() {
        let message = "ensure-availability cannot be used with container placement directives"
        assertRefused(["--to", "0/lxc/1"], .juju1_25, message: message)
        assertRefused(["--to", "1,lxc:0/kvm/2"], .juju1_25, message: message)
    }

    func test_otherScopedPlacementIsUnsupportedOnTheClient() {
        for spec in ["lxc:1", "maas:node1", "kvm", "#:x"] {
            assertRefused(["--to", spec], .juju1_25, message: "unsupported ensure-availability placement directive \"\(spec)\"")
        }
    }

    func test_emptyPlacementItemIsUnsupported() {
        assertRefused(["--to", "1,"], .juju1_25, message: "unsupported ensure-availability placement directive \"\"")
    }

    func test_initTakesTypedFlagValuesToo() throws {
        let arguments = try EnsureAvailabilityArguments(numStateServers: 5, placementSpec: "2", series: "precise", version: .juju1_25)
        XCTAssertEqual(arguments.placement, ["#:2"])
        XCTAssertEqual(EnsureAvailabilityRequest(arguments), EnsureAvailabilityRequest(numStateServers: 5, series: "precise", placement: ["#:2"]))
    }

    func test_goQuotingEscapesLikeStrconv() {
        XCTAssertEqual(GoSyntax.quote("a\"b\\c\n\t\u{01}é"), "\"a\\\"b\\\\c\\n\\t\\x01é\"")
        XCTAssertEqual(GoSyntax.quote(list: []), "[]")
    }
}
