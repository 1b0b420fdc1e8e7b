import XCTest
import HACore

final class GoOutputTests: XCTestCase {
    func testYAMLQuotesWhatWouldReadBackAsAnotherType() {
        XCTAssertEqual(yamlScalar("0", inFlow: true), "\"0\"")
        XCTAssertEqual(yamlScalar("yes", inFlow: false), "\"yes\"")
        XCTAssertEqual(yamlScalar("1:20", inFlow: false), "\"1:20\"")
        XCTAssertEqual(yamlScalar("<<", inFlow: false), "\"<<\"")
        XCTAssertEqual(yamlScalar("", inFlow: false), "\"\"")
        XCTAssertEqual(yamlScalar("trusty", inFlow: false), "trusty")
    }

    func testYAMLSingleQuotesIndicatorsByContext() {
        XCTAssertEqual(yamlScalar("a,b", inFlow: true), "'a,b'")
        XCTAssertEqual(yamlScalar("a,b", inFlow: false), "a,b")
        XCTAssertEqual(yamlScalar("{ts: 1}", inFlow: false), "'{ts: 1}'")
        XCTAssertEqual(yamlScalar("it's: x", inFlow: false), "'it''s: x'")
    }

    func testYAMLBlockStyleWithListsAndFlowSequences() {
        let value = GoValue.object([
            ("set", .string("juju")),
            ("ids", .flowStrings(["0", "1"])),
            ("members", .list([.object([("id", .int(1)), ("up", .bool(true))]), .string("x")])),
            ("empty", .object([])),
            ("none", .list([])),
        ])
        XCTAssertEqual(formatYAML(value), """
            set: juju
            ids: ["0", "1"]
            members:
            - id: 1
              up: true
            - x
            empty: {}
            none: []

            """)
    }

    func testNestedListsStartOnTheDashLine() {
        let value = GoValue.list([.list([.string("a"), .string("b")]), .object([("k", .object([("size", .int(1))]))])])
        XCTAssertEqual(formatYAML(value), "- - a\n  - b\n- k:\n    size: 1\n")
    }

    func testMapsSortPerEncoderAndFieldsKeepTheirOrder() {
        let value = GoValue.fields([
            GoField(yaml: "b-yaml", json: "B", .map([("10", .int(1)), ("9", .int(2))])),
            GoField(yaml: nil, json: "only-json", .int(3)),
            GoField("a", .list([.string("<&>")])),
        ])
        XCTAssertEqual(formatYAML(value), "b-yaml:\n  \"9\": 2\n  \"10\": 1\na:\n- <&>\n")
        XCTAssertEqual(formatJSON(value), "{\"B\":{\"10\":1,\"9\":2},\"only-json\":3,\"a\":[\"\\u003c\\u0026\\u003e\"]}\n")
    }

    func testJSONEscapesControlAndLineSeparators() {
        XCTAssertEqual(jsonString("\u{1}\u{2028}\t"), "\"\\u0001\\u2028\\t\"")
    }

    func testTableRightAlignsAndLeavesTheLastColumnUnpadded() {
        var table = GoTable([["Name", "N", "Note"]], rightAligned: [1])
        table.add(["long-name", "10", ""])
        XCTAssertEqual(table.render(), "Name        N  Note\nlong-name  10  \n")
        table.trimsTrailingSpaces = true
        XCTAssertEqual(table.render(), "Name        N  Note\nlong-name  10\n")
    }
}
