import XCTest
@testable import LegacyJuju

final class EnsureAvailabilityOutputTests: XCTestCase {
    private typealias F = EnsureAvailabilityFixtures

    private func stdout(_ snapshot: StateSnapshot, n: Int = 0, series: String = "", placement: [String] = [],
                        format: OutputFormat = .simple, version: JujuVersion) throws -> String {
        try F.run(snapshot, n: n, series: series, placement: placement, version: version)
            .changes.formatted(as: format, version: version)
    }

    private let both: [JujuVersion] = [.juju1_20, .juju1_25]

    func test_freshEnvironmentPrintsMaintainingAndAddingWithATrailingBlankLine() throws {
        for version in both {
            for n in [0, 3] {
                XCTAssertEqual(try stdout(F.bootstrapped, n: n, version: version), "maintaining machines: 0\nadding machines: 1, 2\n\n")
            }
        }
    }

    func test_fiveServersWithSeriesAddsFour() throws {
        for version in both {
            XCTAssertEqual(try stdout(F.bootstrapped, n: 5, series: "precise", version: version),
                           "maintaining machines: 0\nadding machines: 1, 2, 3, 4\n\n")
        }
    }

    func test_convertingMachinesIsPrintedFrom123() throws {
        let snapshot = F.snapshot([F.stateServer("0"), F.unitHost("1"), F.unitHost("2")])
        XCTAssertEqual(try stdout(snapshot, placement: ["#:1", "#:2"], version: .juju1_25),
                       "maintaining machines: 0\nconverting machines: 1, 2\n\n")
    }

    func test_machineZeroWithoutPresenceIsDemotedBehindThreeNewMachines() throws {
        let snapshot = F.snapshot([F.stateServer("0", alive: false)])
        XCTAssertEqual(try stdout(snapshot, n: 3, version: .juju1_20), "adding machines: 1, 2, 3\ndemoting machines 0\n\n")
        XCTAssertEqual(try stdout(snapshot, n: 3, version: .juju1_25), "adding machines: 1, 2, 3\ndemoting machines: 0\n\n")
    }

    func test_downVoterExampleDemotesWithoutColonIn120() throws {
        let snapshot = F.threeVoters(down: ["1"])
        XCTAssertEqual(try stdout(snapshot, version: .juju1_20), "maintaining machines: 0, 2\nadding machines: 3\ndemoting machines 1\n\n")
        XCTAssertEqual(try stdout(snapshot, version: .juju1_25), "maintaining machines: 0, 2\nadding machines: 3\ndemoting machines: 1\n\n")
    }

    func test_laterRunRemovesTheDemotedMachine() throws {
        let machines = [F.stateServer("0"), F.stateServer("1", alive: false, noVote: true, hasVote: false),
                        F.stateServer("2"), F.stateServer("3")]
        let snapshot = F.snapshot(machines)
        XCTAssertEqual(try stdout(snapshot, version: .juju1_20), "maintaining machines: 0, 2, 3\nremoving machines 1\n\n")
        XCTAssertEqual(try stdout(snapshot, version: .juju1_25), "maintaining machines: 0, 2, 3\nremoving machines: 1\n\n")
    }

    func test_everyLineInItsFixedOrder() throws {
        let changes = StateServersChanges(maintained: ["0"], removed: ["3"], added: ["1", "2"], promoted: ["4"],
                                          demoted: ["5"], converted: ["6", "7"])
        XCTAssertEqual(changes.formatted(as: .simple, version: .juju1_25), """
            maintaining machines: 0
            adding machines: 1, 2
            removing machines: 3
            promoting machines: 4
            demoting machines: 5
            converting machines: 6, 7


            """)
        var older = changes
        older.converted = []
        XCTAssertEqual(older.formatted(as: .simple, version: try JujuVersion(parsing: "1.22.7")),
                       "maintaining machines: 0\nadding machines: 1, 2\nremoving machines 3\npromoting machines 4\ndemoting machines 5\n\n")
    }

    func test_noOpPrintsNothingInSimpleFormat() throws {
        for version in both {
            XCTAssertEqual(try stdout(F.threeVoters(), version: version), "")
        }
    }

    func test_noOpPrintsAnEmptyObjectInYamlAndJson() throws {
        XCTAssertEqual(try stdout(F.threeVoters(), format: .yaml, version: .juju1_20), "{}\n")
        XCTAssertEqual(try stdout(F.threeVoters(), format: .json, version: .juju1_25), "{}\n")
    }

    func test_yamlUsesQuotedFlowSequencesAndOneFinalNewline() throws {
        for version in both {
            XCTAssertEqual(try stdout(F.bootstrapped, format: .yaml, version: version), "maintained: [\"0\"]\nadded: [\"1\", \"2\"]\n")
        }
    }

    func test_jsonIsCompactWithOneFinalNewline() throws {
        for version in both {
            XCTAssertEqual(try stdout(F.bootstrapped, format: .json, version: version), "{\"maintained\":[\"0\"],\"added\":[\"1\",\"2\"]}\n")
        }
    }

    func test_yamlAndJsonFollowTheResultFieldOrder() {
        let changes = StateServersChanges(maintained: ["0"], removed: ["3"], added: ["1"], promoted: ["4"], demoted: ["5"], converted: ["6"])
        XCTAssertEqual(changes.formatted(as: .yaml, version: .juju1_25), """
            maintained: ["0"]
            removed: ["3"]
            added: ["1"]
            promoted: ["4"]
            demoted: ["5"]
            converted: ["6"]

            """)
        XCTAssertEqual(changes.formatted(as: .json, version: .juju1_25),
                       "{\"maintained\":[\"0\"],\"removed\":[\"3\"],\"added\":[\"1\"],\"promoted\":[\"4\"],\"demoted\":[\"5\"],\"converted\":[\"6\"]}\n")
    }

    func test_yamlQuotesOnlyWhatWouldNotReadBackAsAString() {
        XCTAssertEqual(GoYAML.scalar("10"), "\"10\"")
        XCTAssertEqual(GoYAML.scalar("1e3"), "\"1e3\"")
        XCTAssertEqual(GoYAML.scalar("yes"), "\"yes\"")
        XCTAssertEqual(GoYAML.scalar("0/lxc/1"), "0/lxc/1")
        XCTAssertEqual(GoYAML.scalar("a,b"), "'a,b'")
        XCTAssertEqual(GoYAML.scalar("it's: x"), "'it''s: x'")
    }

    func test_jsonEscapesLikeGo() {
        XCTAssertEqual(GoJSON.string("a<b>&\"\\\n\u{01}"), "\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\u0001\"")
    }

    func test_refusedReductionIsPrintedAsAnError() {
        XCTAssertThrowsError(try F.run(F.threeVoters(), n: 1)) { error in
            XCTAssertEqual((error as? EnsureAvailabilityError)?.cliMessage,
                           "error: failed to create new state server machines: cannot reduce state server count\n")
        }
    }
}
