import BSON
@testable import LegacyJuju
import XCTest

/// The 1.20 restore plugin's checks and its changes to the restored state (spec §5.4).
final class RestoreTests: XCTestCase {
    private let uuid = "9f3b4c1e-0000-4000-8000-000000000001"

    func test_fixupsPointMachineZeroAtTheNewInstanceAndKeepOneStateServer() {
        let fixups = RestoreFixups(environmentUUID: uuid, version: .juju1_20, newInstanceID: "juju-aaaaaa-machine-0")
        let commands = fixups.commands.map(\.1)
        XCTAssertEqual(commands.map { $0.keys.first }, ["update", "update", "delete", "update"])
        XCTAssertEqual(commands[0]["updates"], [["q": ["_id": "0"], "u": ["$set": ["instanceid": "juju-aaaaaa-machine-0"]]]])
        XCTAssertEqual(commands[1]["update"], "instanceData")
        XCTAssertEqual(commands[2]["deletes"], [["q": ["_id": ["$ne": "0"], "hasvote": true], "limit": .int32(0)]],
                       "every other machine that had a vote goes: its instance went with the old environment")
        XCTAssertEqual(commands[3]["updates"], [["q": ["_id": "e"], "u": ["$set": ["machineids": ["0"], "votingmachineids": ["0"]]]]])
    }

    func test_fixupsUseEnvironmentPrefixedIdsUnder125() {
        let fixups = RestoreFixups(environmentUUID: uuid, version: .juju1_25, newInstanceID: "i")
        let commands = fixups.commands.map(\.1)
        XCTAssertEqual(commands[0]["updates"]?.arrayValue?.first?.documentValue?["q"], ["machineid": "0"])
        XCTAssertEqual(commands[1]["updates"]?.arrayValue?.first?.documentValue?["q"], ["_id": .string("\(uuid):0")])
    }

    func test_credentialsAreReadFromAgentConf() throws {
        let parameters = BootstrapParameters(environmentName: "e", environmentUUID: uuid, series: "trusty", address: "127.0.0.10", seed: 3)
        let conf = AgentFiles(parameters: parameters, machine: "0", address: "127.0.0.10", apiAddresses: ["127.0.0.10:17070"]).agentConf
        let credentials = try AgentCredentials(agentConf: conf)
        XCTAssertEqual(credentials.statePort, 37017)
        XCTAssertEqual(credentials.apiPort, 17070)
        XCTAssertEqual(credentials.statePassword, BootstrapDocuments.mongoPassword(forMachine: "0", parameters: parameters))
        XCTAssertEqual(credentials.oldPassword, BootstrapDocuments.oldPassword(parameters))
    }

    func test_agentConfWithoutPasswordIsRefusedWithThePluginsMessage() {
        XCTAssertThrowsError(try AgentCredentials(agentConf: "tag: machine-0\nstateport: 37017\n")) { error in
            XCTAssertEqual((error as? RestoreRefusal)?.description, "agent password not found in configuration")
        }
    }

    func test_rootTarFilesFollowTheVersion() {
        let parameters120 = BootstrapParameters(environmentName: "e", environmentUUID: uuid, series: "trusty", address: "a", seed: 3)
        var parameters125 = parameters120
        parameters125.version = .juju1_25
        let paths120 = AgentFiles(parameters: parameters120, machine: "0", address: "a", apiAddresses: []).files(allMachinesLog: "", machineLog: "").map(\.path)
        let paths125 = AgentFiles(parameters: parameters125, machine: "0", address: "a", apiAddresses: []).files(allMachinesLog: "", machineLog: "").map(\.path)
        XCTAssertTrue(paths120.contains("etc/init/juju-db.conf"), "the 1.20 plugin also saves the upstart jobs")
        XCTAssertFalse(paths125.contains("etc/init/juju-db.conf"))
        for path in ["var/lib/juju/agents/machine-0/agent.conf", "var/lib/juju/server.pem", "var/lib/juju/shared-secret",
                     "var/lib/juju/system-identity", "var/lib/juju/nonce.txt", "var/log/juju/all-machines.log",
                     "var/log/juju/machine-0.log", "home/ubuntu/.ssh/authorized_keys", "etc/rsyslog.d/25-juju.conf"] {
            XCTAssertTrue(paths125.contains(path), path)
        }
        XCTAssertFalse(paths125.contains { $0.hasPrefix("/") }, "root.tar stores paths without their leading /")
    }

    func test_logLineIsFormattedAsDebugLogPrintsIt() {
        let document: Document = ["_id": 1, "t": .datetime(1_402_000_000_250), "e": .string(uuid), "n": "machine-0",
                                  "m": "juju.cmd.jujud", "l": "machine.go:419", "v": .int32(3), "x": "machine agent machine-0 start"]
        XCTAssertEqual(LogLine(document: document)?.formatted,
                       "machine-0: 2014-06-05 20:26:40 INFO juju.cmd.jujud machine.go:419 machine agent machine-0 start")
    }

    func test_logLevelsAreNamedAsLoggoNamesThem() {
        XCTAssertEqual(LogLine.Level(name: "warning"), .warning)
        XCTAssertEqual(LogLine.Level.allCases.map(\.rawValue), [1, 2, 3, 4, 5, 6])
        XCTAssertNil(LogLine.Level(name: "loud"))
    }
}
