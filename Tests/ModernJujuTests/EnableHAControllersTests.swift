import XCTest
import HACore
@testable import ModernJuju

final class EnableHAControllersTests: XCTestCase {
    func item(_ counts: ControllerMachineCounts?, name: String = "aws-ha", machines: Int? = 3) -> ControllerItem {
        ControllerItem(name: name, currentModel: "default", user: "admin", access: "superuser",
                       controllerUUID: "c0ffee00-0000-4000-8000-000000000000",
                       apiEndpoints: ["127.0.0.10:17070", "127.0.0.11:17070"], caCert: "CERT\n", cloud: "aws",
                       region: "us-east-1", agentVersion: "3.6.0", modelCount: 2, machineCount: machines,
                       controllerMachines: counts)
    }

    func testHAColumn() {
        XCTAssertEqual(haColumn(nil), "-")
        XCTAssertEqual(haColumn(ControllerMachineCounts(active: 0, total: 0)), "-")
        XCTAssertEqual(haColumn(ControllerMachineCounts(active: 1, total: 1)), "none")
        XCTAssertEqual(haColumn(ControllerMachineCounts(active: 3, total: 3)), "3")
        XCTAssertEqual(haColumn(ControllerMachineCounts(active: 1, total: 2)), "1/2")
        XCTAssertEqual(haColumn(ControllerMachineCounts(active: 2, total: 3)), "2/3")
    }

    func testTabularAfterRefreshMatchesJujuColumns() throws {
        let text = try formatControllers([item(ControllerMachineCounts(active: 3, total: 3))],
                                         current: "aws-ha", refreshed: true, format: .tabular)
        XCTAssertEqual(text, """
            Controller  Model    User   Access     Cloud/Region   Models  Nodes  HA  Version
            aws-ha*     default  admin  superuser  aws/us-east-1       2      3   3  3.6.0

            """)
    }

    func testTabularWithoutRefreshStartsWithTheHint() throws {
        let text = try formatControllersTabular([item(nil, machines: nil)], current: nil, refreshed: false)
        XCTAssertEqual(text, """
            Use --refresh option with this command to see the latest information.

            Controller  Model    User   Access     Cloud/Region   Models  Nodes  HA  Version
            aws-ha      default  admin  superuser  aws/us-east-1       2      -   -  3.6.0

            """)
    }

    func testTabularSortsRowsAndFillsUnknowns() throws {
        let bare = ControllerItem(name: "a-lxd", controllerUUID: "u", apiEndpoints: [], caCert: "", cloud: "lxd")
        var noAccess = item(ControllerMachineCounts(active: 1, total: 2), name: "z")
        noAccess.access = nil
        let text = try formatControllersTabular([noAccess, bare], current: "z", refreshed: true)
        XCTAssertEqual(text, """
            Controller  Model    User   Access     Cloud/Region   Models  Nodes   HA  Version
            a-lxd       -        -      -          lxd                 -      -    -  (unknown)
            z*          default  admin  (unknown)  aws/us-east-1       2      3  1/2  3.6.0

            """)
    }

    func testTabularWithNoControllersFails() {
        XCTAssertThrowsError(try formatControllersTabular([], current: nil, refreshed: true)) {
            XCTAssertEqual(($0 as? EnableHAError)?.message, noControllersDefinedMessage)
        }
    }

    func testControllersYAML() throws {
        let text = try formatControllers([item(ControllerMachineCounts(active: 1, total: 2))],
                                         current: "aws-ha", refreshed: true, format: .yaml)
        XCTAssertEqual(text, """
            controllers:
              aws-ha:
                current-model: default
                user: admin
                access: superuser
                recent-server: 127.0.0.10:17070
                controller-uuid: c0ffee00-0000-4000-8000-000000000000
                api-endpoints: ['127.0.0.10:17070', '127.0.0.11:17070']
                ca-cert: |
                  CERT
                cloud: aws
                region: us-east-1
                agent-version: 3.6.0
                model-count: 2
                machine-count: 3
                controller-machines:
                  active: 1
                  total: 2
            current-controller: aws-ha

            """)
    }

    func testControllersJSONUsesGoFieldNamesForMachineCounts() throws {
        let text = try formatControllers([item(ControllerMachineCounts(active: 5, total: 5))],
                                         current: "aws-ha", refreshed: true, format: .json)
        XCTAssertEqual(text, "{\"controllers\":{\"aws-ha\":{\"current-model\":\"default\",\"user\":\"admin\","
            + "\"access\":\"superuser\",\"recent-server\":\"127.0.0.10:17070\","
            + "\"uuid\":\"c0ffee00-0000-4000-8000-000000000000\","
            + "\"api-endpoints\":[\"127.0.0.10:17070\",\"127.0.0.11:17070\"],\"ca-cert\":\"CERT\\n\","
            + "\"cloud\":\"aws\",\"region\":\"us-east-1\",\"agent-version\":\"3.6.0\",\"model-count\":2,"
            + "\"machine-count\":3,\"controller-machines\":{\"Active\":5,\"Total\":5}}},"
            + "\"current-controller\":\"aws-ha\"}\n")
    }

    func testControllerMachinesOmittedWithoutCounts() throws {
        let text = try formatControllers([item(nil)], current: nil, refreshed: true, format: .json)
        XCTAssertFalse(text.contains("controller-machines"))
        XCTAssertTrue(text.hasSuffix(",\"current-controller\":\"\"}\n"))
    }

    func testShowControllerSingleControllerHasNoHAStatus() {
        let details = ShowControllerDetails(name: "c", controllerUUID: "u", apiEndpoints: ["127.0.0.10:17070"],
                                            cloud: "lxd", caCert: "CERT\n",
                                            controllerMachines: [ControllerMachine(id: 0, hasVote: true)])
        XCTAssertEqual(formatShowController([details], format: .yaml), """
            c:
              details:
                controller-uuid: u
                api-endpoints: ['127.0.0.10:17070']
                cloud: lxd
                ca-cert: |
                  CERT
              controller-machines:
                "0":
                  instance-id: (unprovisioned)

            """)
    }

    func testShowControllerJSON() {
        let machines = [ControllerMachine(id: 0, instanceID: "i-0", hasVote: true),
                        ControllerMachine(id: 2, instanceID: "i-2")]
        let details = ShowControllerDetails(name: "c", controllerUUID: "u", apiEndpoints: ["e"], cloud: "aws",
                                            region: "r", agentVersion: "3.6.0", caCert: "C", controllerMachines: machines,
                                            models: [ShowControllerModel(name: "controller", uuid: "m", machineCount: 2, coreCount: 2)],
                                            currentModel: "admin/default", user: "admin", access: "superuser")
        XCTAssertEqual(formatShowController([details], format: .json),
                       "{\"c\":{\"details\":{\"uuid\":\"u\",\"api-endpoints\":[\"e\"],\"cloud\":\"aws\",\"region\":\"r\","
                       + "\"agent-version\":\"3.6.0\",\"ca-cert\":\"C\"},\"controller-machines\":{"
                       + "\"0\":{\"instance-id\":\"i-0\",\"ha-status\":\"ha-enabled\"},"
                       + "\"2\":{\"instance-id\":\"i-2\",\"ha-status\":\"ha-pending\"}},"
                       + "\"models\":{\"controller\":{\"uuid\":\"m\",\"machine-count\":2,\"core-count\":2}},"
                       + "\"current-model\":\"admin/default\",\"account\":{\"user\":\"admin\",\"access\":\"superuser\"}}}\n")
    }

    func testHAStatusPrecedence() {
        XCTAssertEqual(haStatus(ControllerMachine(id: 0, hasVote: true, agentDown: true)), "down, lost connection")
        XCTAssertEqual(haStatus(ControllerMachine(id: 0, wantsVote: false, hasVote: true)), "")
        XCTAssertEqual(haStatus(ControllerMachine(id: 0, hasVote: true)), "ha-enabled")
        XCTAssertEqual(haStatus(ControllerMachine(id: 0)), "ha-pending")
    }
}
