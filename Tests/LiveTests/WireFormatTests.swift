import Live
import RaftCluster
import XCTest

/// The framing rules of the Dqlite wire protocol (spec §5.1, §5.2), byte for byte.
final class WireFormatTests: XCTestCase {
    func testHeaderCountsWordsAndTextIsNulTerminatedAndPaddedToAWord() {
        let message = WireWriter.message(.add) { $0.uint64(7); $0.text("12345678") }
        // 8-byte header: 3 words (id + 16 bytes of text), type 12, schema 0, extra 0.
        XCTAssertEqual(Array(message.prefix(8)), [3, 0, 0, 0, 12, 0, 0, 0])
        XCTAssertEqual(Array(message[8..<16]), [7, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Array(message[16..<32]), Array("12345678".utf8) + [0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(message.count, 32)
    }

    func testParameterTupleHasACountByteTypeBytesPaddingThenValues() throws {
        var writer = WireWriter()
        try writer.parameters([.integer(-1), .text("a"), .null, .boolean(true), .unixTime(5)])
        let bytes = writer.bytes
        // Count 5, types 1 3 5 11 and UNIXTIME sent as INTEGER (libdqlite binds no UNIXTIME), padded to 8.
        XCTAssertEqual(Array(bytes.prefix(8)), [5, 1, 3, 5, 11, 1, 0, 0])
        XCTAssertEqual(Array(bytes[8..<16]), Array(repeating: 0xff, count: 8))
        XCTAssertEqual(Array(bytes[16..<24]), [0x61, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Array(bytes[24..<32]), Array(repeating: 0, count: 8))
        XCTAssertEqual(Array(bytes[32..<40]), [1, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Array(bytes[40..<48]), [5, 0, 0, 0, 0, 0, 0, 0])
        var tooMany = WireWriter()
        XCTAssertThrowsError(try tooMany.parameters(Array(repeating: .null, count: 256)))
    }

    func testEveryRequestHasABodyOfAtLeastOneWord() {
        let message = WireWriter.message(.leader) { _ in }
        XCTAssertEqual(Array(message.prefix(5)), [1, 0, 0, 0, 0])
        XCTAssertEqual(message.count, 16)
    }

    func testFailureCodesBecomeTypedErrors() {
        XCTAssertEqual(DqliteError.from(code: 10250, message: "not leader"), .notLeader("not leader"))
        XCTAssertEqual(DqliteError.from(code: 10506, message: "server has lost leadership"), .leadershipLost("server has lost leadership"))
        XCTAssertEqual(DqliteError.from(code: 5, message: "a configuration change is already in progress"),
                       .busy("a configuration change is already in progress"))
        XCTAssertEqual(DqliteError.from(code: 1002, message: "database does not exists"), .notFound("database does not exists"))
        XCTAssertEqual(DqliteError.from(code: 1, message: "server ID is not valid"), .notFound("server ID is not valid"))
        XCTAssertEqual(DqliteError.from(code: 1, message: "no such table: x"), .failure(code: 1, message: "no such table: x"))
        XCTAssertTrue(DqliteError.notLeader("").isLeadershipChange)
        XCTAssertFalse(DqliteError.busy("").isLeadershipChange)
    }

    func testReaderDecodesTextAndRejectsTruncatedMessages() throws {
        var writer = WireWriter()
        writer.uint64(42)
        writer.text("127.0.0.11:17666")
        var reader = WireReader(writer.bytes)
        XCTAssertEqual(try reader.uint64(), 42)
        XCTAssertEqual(try reader.text(), "127.0.0.11:17666")
        XCTAssertTrue(reader.atEnd)
        var short = WireReader([1, 2, 3])
        XCTAssertThrowsError(try short.uint64())
        var unterminated = WireReader(Array("abc".utf8))
        XCTAssertThrowsError(try unterminated.text())
    }
}
