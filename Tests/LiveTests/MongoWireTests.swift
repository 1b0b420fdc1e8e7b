import BSON
import XCTest
@testable import Live

/// The MongoDB wire codec of the live legacy runtime: what a driver sends is read back exactly,
/// and malformed messages are refused (the server then closes that connection).
final class MongoWireTests: XCTestCase {
    func testCRC32CMatchesTheCastagnoliCheckValue() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
    }

    func testOpMsgBodyAndDocumentSequenceRoundTrip() throws {
        let body: Document = ["insert": .string("items"), "$db": .string("test"), "ordered": .bool(true)]
        let docs: [Document] = [["_id": .int32(1)], ["_id": .int32(2)]]
        let bytes = try MongoWire.encodeMessage(requestID: 7, responseTo: 0, body: body, sequences: [("documents", docs)])
        guard case let .message(header, flags, decoded) = try MongoWire.decode(bytes) else { return XCTFail("not OP_MSG") }
        XCTAssertEqual(header.requestID, 7)
        XCTAssertEqual(header.opCode, MongoWire.opMsg)
        XCTAssertEqual(flags, 0)
        XCTAssertEqual(decoded["insert"], .string("items"))
        XCTAssertEqual(decoded["documents"], .array(docs.map { .document($0) }))
    }

    func testChecksumIsVerifiedAndACorruptedMessageIsRefused() throws {
        var bytes = try MongoWire.encodeMessage(requestID: 1, responseTo: 0, flags: MongoWire.checksumPresent | MongoWire.exhaustAllowed,
                                                body: ["hello": .int32(1), "$db": .string("admin")])
        guard case let .message(_, flags, body) = try MongoWire.decode(bytes) else { return XCTFail("not OP_MSG") }
        XCTAssertEqual(flags & MongoWire.exhaustAllowed, MongoWire.exhaustAllowed)
        XCTAssertEqual(body["hello"], .int32(1))
        bytes[bytes.count - 6] ^= 0xFF
        XCTAssertThrowsError(try MongoWire.decode(bytes)) { XCTAssertTrue("\($0)".contains("checksum"), "\($0)") }
    }

    func testOpQueryIsMasterIsReadAsACommandOnItsDatabase() throws {
        let wrapped: Document = ["$query": .document(["isMaster": .int32(1), "helloOk": .bool(true)]),
                                 "$readPreference": .document(["mode": .string("secondaryPreferred")])]
        let bytes = try MongoWire.encodeQuery(requestID: 3, flags: MongoWire.querySecondaryOk, database: "admin", command: wrapped)
        guard case let .query(header, flags, database, command) = try MongoWire.decode(bytes) else { return XCTFail("not OP_QUERY") }
        XCTAssertEqual(header.requestID, 3)
        XCTAssertEqual(flags & MongoWire.querySecondaryOk, MongoWire.querySecondaryOk)
        XCTAssertEqual(database, "admin")
        XCTAssertEqual(command.keys.first, "isMaster")
        XCTAssertNotNil(command["$readPreference"])
    }

    func testOpReplyCarriesTheDocumentAndAnswersTheRequest() throws {
        let bytes = try MongoWire.encodeReply(requestID: 9, responseTo: 3, document: ["ismaster": .bool(true), "ok": .double(1)])
        let (header, _, document) = try MongoWire.decodeReply(bytes)
        XCTAssertEqual(header.opCode, MongoWire.opReply)
        XCTAssertEqual(header.responseTo, 3)
        XCTAssertEqual(document["ismaster"], .bool(true))
    }

    func testMalformedMessagesAreRefused() throws {
        let good = try MongoWire.encodeMessage(requestID: 1, responseTo: 0, body: ["ping": .int32(1), "$db": .string("admin")])
        // Truncated, length lies, unknown opcode, compression that was never offered.
        XCTAssertThrowsError(try MongoWire.decode(Array(good.dropLast(3))))
        var lying = good
        lying[0] = 8
        XCTAssertThrowsError(try MongoWire.decode(lying))
        var opcode = good
        opcode[12] = 0xD4; opcode[13] = 0x07 // 2004 header over an OP_MSG payload: not a $cmd query
        XCTAssertThrowsError(try MongoWire.decode(opcode))
        var compressed = good
        compressed[12] = 0xDC; compressed[13] = 0x07
        XCTAssertThrowsError(try MongoWire.decode(compressed))
        // An unknown required flag bit, an unknown section kind, two bodies.
        var flags = good
        flags[16] = 0x04
        XCTAssertThrowsError(try MongoWire.decode(flags))
        var kind = good
        kind[20] = 2
        XCTAssertThrowsError(try MongoWire.decode(kind))
        let body = try (["ping": Value.int32(1)] as Document).encode()
        let twoBodies = MongoWire.frame(requestID: 1, responseTo: 0, opCode: MongoWire.opMsg, payload: [0, 0, 0, 0, 0] + body + [0] + body)
        XCTAssertThrowsError(try MongoWire.decode(twoBodies))
        // Over maxMessageSizeBytes: refused from the header alone.
        var huge = good
        let size = UInt32(MongoWire.maxMessageSize + 1)
        huge[0] = UInt8(size & 0xFF); huge[1] = UInt8(size >> 8 & 0xFF); huge[2] = UInt8(size >> 16 & 0xFF); huge[3] = UInt8(size >> 24)
        XCTAssertThrowsError(try MongoWire.header(huge)) { XCTAssertTrue("\($0)".contains("maxMessageSizeBytes"), "\($0)") }
    }
}
