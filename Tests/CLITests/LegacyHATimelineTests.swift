import Foundation
import XCTest

/// The end-to-end timeline of the legacy spec (§8) and seed 000, through the built binary with a
/// virtual clock: exact stdout at every step.
final class LegacyHATimelineTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws { cli = try QuorumCLI() }
    override func tearDown() { cli.cleanUp() }

    private func votes() throws -> [String] {
        try cli.ok(["status"]).split(separator: "\n").filter { $0.contains("state-server-member-status") }
            .map { String($0.split(separator: ":").last!.dropFirst()) }
    }

    private func agentStates() throws -> [String] {
        try cli.ok(["status"]).split(separator: "\n").filter { $0.contains("agent-state:") }
            .map { String($0.split(separator: ":").last!.dropFirst()) }
    }

    /// Seed 000: "ensure-availability … by default sets the desired number of state machines to 3";
    /// "recover from state machine failure by manually running juju ensure-availability … create
    /// new state servers for each of the failed … mark the failed servers for removal" (1.20 texts).
    func test_timelineOfSpec8WithJuju120Texts() throws {
        try cli.ok(["bootstrap", "env", "--seed", "5", "--clock", "virtual"])
        XCTAssertEqual(try cli.ok(["ensure-availability"]), "maintaining machines: 0\nadding machines: 1, 2\n\n")
        XCTAssertEqual(try votes(), ["has-vote", "adding-vote", "adding-vote"], "new state servers want a vote they do not have yet")
        try cli.ok(["wait", "--until", "5m"])
        XCTAssertEqual(try votes(), ["has-vote", "has-vote", "has-vote"], "votes given once both are healthy secondaries")
        XCTAssertEqual(try cli.ok(["ensure-availability"]), "", "a healthy HA environment is a no-op")

        try cli.ok(["fail", "2"])
        try cli.ok(["wait", "--until", "2m"])
        XCTAssertEqual(try agentStates(), ["started", "started", "down"])
        XCTAssertEqual(try cli.ok(["ensure-availability"]), "maintaining machines: 0, 1\nadding machines: 3\ndemoting machines 2\n\n")
        XCTAssertEqual(try votes(), ["has-vote", "has-vote", "removing-vote", "adding-vote"])
        try cli.ok(["wait", "--until", "5m"])
        XCTAssertEqual(try votes(), ["has-vote", "has-vote", "no-vote", "has-vote"], "the vote moved from 2 to 3")
        XCTAssertEqual(try cli.ok(["ensure-availability"]), "maintaining machines: 0, 1, 3\nremoving machines 2\n\n")
        XCTAssertEqual(try votes(), ["has-vote", "has-vote", "has-vote"], "machine 2 is no longer a state server")

        // "the number of state machines can be increased … but not decreased"
        let reduce = try cli.run(["ensure-availability", "-n", "1"])
        XCTAssertEqual(reduce.code, 1)
        XCTAssertEqual(reduce.stderr, "error: failed to create new state server machines: cannot reduce state server count\n")
    }

    func test_timelineWithJuju125Texts() throws {
        try cli.ok(["bootstrap", "env", "--seed", "5", "--clock", "virtual", "--agent-version", "1.25.6"])
        XCTAssertEqual(try cli.ok(["ensure-availability"]), "maintaining machines: 0\nadding machines: 1, 2\n\n")
        try cli.ok(["wait", "--until", "5m"])
        try cli.ok(["fail", "2"])
        try cli.ok(["wait", "--until", "2m"])
        XCTAssertEqual(try cli.ok(["ensure-availability"]), "maintaining machines: 0, 1\nadding machines: 3\ndemoting machines: 2\n\n")
        try cli.ok(["wait", "--until", "5m"])
        XCTAssertEqual(try cli.ok(["ensure-availability"]), "maintaining machines: 0, 1, 3\nremoving machines: 2\n\n")
    }

    /// Seed 000: "there is an optional -n parameter … 3, 5 or 7 state machines".
    func test_growsToFiveThenSevenVoters() throws {
        try cli.ok(["bootstrap", "env", "--seed", "6", "--clock", "virtual"])
        XCTAssertEqual(try cli.ok(["ensure-availability", "-n", "5"]), "maintaining machines: 0\nadding machines: 1, 2, 3, 4\n\n")
        try cli.ok(["wait", "--until", "6m"])
        XCTAssertEqual(try votes(), Array(repeating: "has-vote", count: 5))
        XCTAssertEqual(try cli.ok(["ensure-availability", "-n", "7"]), "maintaining machines: 0, 1, 2, 3, 4\nadding machines: 5, 6\n\n")
        try cli.ok(["wait", "--until", "6m"])
        XCTAssertEqual(try votes(), Array(repeating: "has-vote", count: 7))
        XCTAssertEqual(try cli.ok(["ensure-availability", "-n", "7", "--format", "json"]), "{}\n")
    }

    /// Seed 000: "the number of state machines must be an odd number … cannot exceed 7".
    func test_invalidCountsGiveJujusErrors() throws {
        try cli.ok(["bootstrap", "env", "--seed", "6", "--clock", "virtual"])
        let cases: [([String], String)] = [
            (["-n", "9"], "error: state server count is too large (allowed 7)\n"),
            (["-n", "4"], "error: must specify a number of state servers odd and non-negative\n"),
            (["-n", "-1"], "error: must specify a number of state servers odd and non-negative\n"),
        ]
        let before = try cli.contents()
        for (arguments, stderr) in cases {
            let result = try cli.run(["ensure-availability"] + arguments)
            XCTAssertEqual(result.code, 1, arguments.joined(separator: " "))
            XCTAssertEqual(result.stderr, stderr)
            XCTAssertEqual(result.stdout, "")
        }
        XCTAssertEqual(try cli.contents(), before, "a refused command changes nothing")
    }

    /// Seed 000: "If fewer than half of the original state servers are still running, you cannot
    /// recover through the ensure-availability command … you must restore from a previous backup."
    func test_losingTwoOfThreeVotersLeavesEnsureAvailabilityUnableToWrite() throws {
        try cli.ok(["bootstrap", "env", "--seed", "9", "--clock", "virtual"])
        try cli.ok(["ensure-availability"])
        try cli.ok(["wait", "--until", "5m"])
        try cli.ok(["fail", "1"])
        try cli.ok(["fail", "2"])
        try cli.ok(["wait", "--until", "1m"])
        let result = try cli.run(["ensure-availability"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr, """
        error: no reachable servers
        quorum lost: 1 of 3 voting state servers are up, 2 are needed to elect a primary
        only restoring a backup into a new environment (restore-backup) recovers from this

        """)
    }

    /// Seed 000: "Juju does not automatically re-spawn state machines if one or more fail."
    func test_failedStateServerIsNotReplacedUntilEnsureAvailabilityRuns() throws {
        try cli.ok(["bootstrap", "env", "--seed", "5", "--clock", "virtual"])
        try cli.ok(["ensure-availability"])
        try cli.ok(["wait", "--until", "5m"])
        try cli.ok(["fail", "1"])
        try cli.ok(["wait", "--until", "30m"])
        XCTAssertEqual(try agentStates(), ["started", "down", "started"])
        XCTAssertEqual(try votes(), ["has-vote", "has-vote", "has-vote"], "nothing changes on its own")
    }

    func test_ensureAvailabilityIsRefusedInAModernEnvironment() throws {
        try cli.ok(["bootstrap", "m", "--flavor", "modern", "--seed", "1", "--clock", "virtual"])
        let result = try cli.run(["ensure-availability"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.stderr, "error: ensure-availability is a Juju 1.x command; this is a modern environment, use enable-ha\n")
    }

    /// Spec §2.5 and §8 step 7: a state server is refused until ensure-availability removed its job.
    func test_destroyMachineRefusesStateServersUntilTheyAreRemoved() throws {
        try cli.ok(["bootstrap", "env", "--seed", "5", "--clock", "virtual"])
        try cli.ok(["ensure-availability"])
        try cli.ok(["wait", "--until", "5m"])
        let refused = try cli.run(["destroy-machine", "1"])
        XCTAssertEqual(refused.code, 1)
        XCTAssertEqual(refused.stderr, "error: no machines were destroyed: machine 1 is required by the environment\n")
        try cli.ok(["fail", "2"])
        try cli.ok(["wait", "--until", "2m"])
        try cli.ok(["ensure-availability"])
        try cli.ok(["wait", "--until", "5m"])
        XCTAssertEqual(try cli.run(["destroy-machine", "2"]).code, 1, "still a state server: demoted, not removed")
        XCTAssertEqual(try cli.ok(["ensure-availability"]), "maintaining machines: 0, 1, 3\nremoving machines 2\n\n")
        XCTAssertEqual(try cli.ok(["destroy-machine", "2"]), "")
        XCTAssertFalse(try cli.ok(["status"]).contains("\"2\":"))
    }

    /// Seed 000: "failover possible to another of the other machines should something happen to the
    /// current master" and "the master of the replicaset is the master of the Juju state servers".
    func test_masterFailsOverAndTheNewMasterProvisions() throws {
        try cli.ok(["bootstrap", "env", "--seed", "5", "--clock", "virtual"])
        try cli.ok(["ensure-availability"])
        try cli.ok(["wait", "--until", "5m"])
        try cli.ok(["fail", "0"])
        XCTAssertEqual(try cli.ok(["wait", "--until", "primary"]), "primary after 10.249438s\n",
                       "a secondary stands after the election timeout (10 s + up to 15 %) plus a heartbeat")
        try cli.ok(["wait", "--until", "1m"])
        XCTAssertEqual(try cli.ok(["ensure-availability"]), "maintaining machines: 1, 2\nadding machines: 3\ndemoting machines 0\n\n",
                       "a new master took over: the state can still be written")
        try cli.ok(["wait", "--until", "5m"])
        XCTAssertEqual(try agentStates(), ["down", "started", "started", "started"], "the new master's provisioner started machine 3")
        XCTAssertEqual(try votes(), ["no-vote", "has-vote", "has-vote", "has-vote"])
    }

    /// Seed 000: "Juju stores all its data about the environment in a MongoDB database" and "the
    /// mongo replicaset has a 1:1 relation to Juju state servers": every state server's member
    /// holds the same juju documents.
    func test_everyStateServerHoldsTheJujuDatabase() throws {
        try cli.ok(["bootstrap", "env", "--seed", "5", "--clock", "virtual"])
        try cli.ok(["ensure-availability"])
        try cli.ok(["wait", "--until", "5m"])
        struct Saved: Decodable {
            struct World: Decodable {
                struct Hosted: Decodable { var machine: Int }
                var members: [Hosted]
            }
            var world: World
        }
        let saved = try JSONDecoder().decode(Saved.self, from: cli.read("env/environment.json"))
        XCTAssertEqual(saved.world.members.map(\.machine), [0, 1, 2], "one replica-set member per state server")
    }

    /// Seed 000: "it can take some time for this process to complete (on the order of 30 seconds to
    /// 20 minutes)": new state servers get their vote neither at once nor after 20 minutes.
    func test_newStateServersGetTheirVoteWithinThirtySecondsToTwentyMinutes() throws {
        try cli.ok(["bootstrap", "env", "--seed", "8", "--clock", "virtual"])
        try cli.ok(["ensure-availability"])
        try cli.ok(["wait", "--until", "30s"])
        XCTAssertEqual(try votes(), ["has-vote", "adding-vote", "adding-vote"])
        try cli.ok(["wait", "--until", "19m30s"])
        XCTAssertEqual(try votes(), ["has-vote", "has-vote", "has-vote"])
    }
}
