import XCTest
import HACore
@testable import ModernJuju

final class EnableHAOutputTests: XCTestCase {
    let fromOne = ControllersChanges(maintained: [0], added: [1, 2])

    func testSimpleListsEachNonEmptyChangeOnItsOwnLine() {
        XCTAssertEqual(formatEnableHA(fromOne, format: .simple), "maintaining machines: 0\nadding machines: 1, 2\n")
    }

    func testSimpleOrdersMaintainAddRemoveConvert() {
        let all = ControllersChanges(maintained: [0], removed: [5], added: [6], converted: [1, 2])
        XCTAssertEqual(formatEnableHA(all, format: .simple),
                       "maintaining machines: 0\nadding machines: 6\nremoving machines: 5\nconverting machines: 1, 2\n")
    }

    func testSimplePrintsNothingWhenNothingChanged() {
        XCTAssertEqual(formatEnableHA(ControllersChanges(), format: .simple), "")
    }

    func testYAMLUsesStructOrderAndQuotedFlowSequences() {
        XCTAssertEqual(formatEnableHA(fromOne, format: .yaml), "maintained: [\"0\"]\nadded: [\"1\", \"2\"]\n")
        XCTAssertEqual(formatEnableHA(ControllersChanges(), format: .yaml), "{}\n")
    }

    func testJSONIsCompactAndOmitsEmptyLists() {
        XCTAssertEqual(formatEnableHA(fromOne, format: .json), "{\"maintained\":[\"0\"],\"added\":[\"1\",\"2\"]}\n")
        XCTAssertEqual(formatEnableHA(ControllersChanges(), format: .json), "{}\n")
    }

    func testYAMLQuotesWhatWouldReadBackAsAnotherType() {
        for text in ["0", "12", "2.4", "1e3", "yes", "off", "~", "", "0x1f", "1:20"] {
            XCTAssertEqual(yamlScalar(text, inFlow: false).first, "\"", text)
        }
        for text in ["3.6.0", "ha-enabled", "down, lost connection", "i-0613fb1fa8346de8a", "aws/us-east-1"] {
            XCTAssertEqual(yamlScalar(text, inFlow: false), text)
        }
    }

    func testYAMLSingleQuotesWhatTheEmitterRefusesAsPlain() {
        XCTAssertEqual(yamlScalar("10.0.0.1:17070", inFlow: true), "'10.0.0.1:17070'")
        XCTAssertEqual(yamlScalar("10.0.0.1:17070", inFlow: false), "10.0.0.1:17070")
        XCTAssertEqual(yamlScalar("a: b", inFlow: false), "'a: b'")
        XCTAssertEqual(yamlScalar("it's #1", inFlow: false), "'it''s #1'")
    }

    func testYAMLMapKeysSortNaturallyAndJSONBytewise() {
        let value = GoValue.map([("10", .int(1)), ("9", .int(2))])
        XCTAssertEqual(formatYAML(value), "\"9\": 2\n\"10\": 1\n")
        XCTAssertEqual(formatJSON(value), "{\"10\":1,\"9\":2}\n")
    }

    func testMultiLineStringsBecomeLiteralBlocks() {
        let value = GoValue.fields([GoField("ca-cert", .string("line one\nline two\n"))])
        XCTAssertEqual(formatYAML(value), "ca-cert: |\n  line one\n  line two\n")
        XCTAssertEqual(formatJSON(value), "{\"ca-cert\":\"line one\\nline two\\n\"}\n")
    }

    func testJSONEscapesLikeGo() {
        XCTAssertEqual(jsonString("<a&b>\"\u{1}"), "\"\\u003ca\\u0026b\\u003e\\\"\\u0001\"")
    }
}
