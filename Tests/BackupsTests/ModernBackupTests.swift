import Backups
import RaftCluster
import XCTest
import Yams

/// Format 2's YAML: every Dqlite value type survives the round trip, named by its type.
final class ModernBackupTests: XCTestCase {
    func test_everyValueTypeRoundTripsThroughYAML() throws {
        let values: [SQLValue] = [.integer(-3), .float(1.5), .text("a: b"), .blob([0, 255, 7]), .null, .unixTime(1_402_000_000),
                                  .iso8601("2014-06-05T20:26:40Z"), .boolean(true)]
        let export = ControllerExport(tables: [ExportedTable(name: "t", columns: values.indices.map { "c\($0)" }, rows: [values])])
        let text = try YAMLEncoder().encode(export)
        XCTAssertTrue(text.contains("text: 'a: b'"), text)
        XCTAssertEqual(try YAMLDecoder().decode(ControllerExport.self, from: text).tables[0].sqlRows, [values])
    }

    func test_aValueNamingTwoTypesIsRefused() {
        let text = "version: 1\ntables:\n- name: t\n  columns: [a]\n  rows:\n  - - {text: x, integer: 1}\n"
        XCTAssertThrowsError(try YAMLDecoder().decode(ControllerExport.self, from: text))
    }

    func test_metadataIsFormatTwoWithHANodes() {
        let metadata = ModernBackupMetadata(started: 1_402_000_000_000_000, modelUUID: "m", machine: "0", hostname: "h", version: "4.0.0",
                                            base: "ubuntu@22.04", controllerUUID: "c", haNodes: 3, controllerMachineID: "0",
                                            controllerMachineInstanceID: "i")
        XCTAssertTrue(metadata.json.hasPrefix(#"{"ID":"","FormatVersion":2,"#), metadata.json)
        XCTAssertTrue(metadata.json.contains(#""HANodes":3"#))
        XCTAssertTrue(metadata.json.contains(#""Started":"2014-06-05T20:26:40Z""#))
    }
}
