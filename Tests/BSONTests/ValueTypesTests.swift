import XCTest
@testable import BSON

final class ValueTypesTests: XCTestCase {
    func test_objectIDRoundTripsThroughHexAndBytes() throws {
        let id = try XCTUnwrap(ObjectID(hex: "5F1D7A2B9C8E4A3B2C1D0E0F"))
        XCTAssertEqual(id.hex, "5f1d7a2b9c8e4a3b2c1d0e0f")
        XCTAssertEqual(id.bytes, [0x5F, 0x1D, 0x7A, 0x2B, 0x9C, 0x8E, 0x4A, 0x3B, 0x2C, 0x1D, 0x0E, 0x0F])
        XCTAssertEqual(ObjectID(bytes: id.bytes), id)
        XCTAssertEqual(id.timestamp, 0x5F1D7A2B)
        XCTAssertEqual("\(id)", "5f1d7a2b9c8e4a3b2c1d0e0f")
    }

    func test_objectIDRejectsMalformedInput() {
        XCTAssertNil(ObjectID(hex: "5f1d7a2b9c8e4a3b2c1d0e0"))
        XCTAssertNil(ObjectID(hex: "5f1d7a2b9c8e4a3b2c1d0e0g"))
        XCTAssertNil(ObjectID(bytes: [1, 2, 3]))
    }

    func test_objectIDsOrderByBytes() {
        let low = ObjectID(hex: "00000000000000000000ffff")!
        let high = ObjectID(hex: "000000000000000000010000")!
        XCTAssertLessThan(low, high)
    }

    func test_generatedObjectIDsAreDistinctAndCarryTheCurrentTime() {
        let first = ObjectID()
        let second = ObjectID()
        XCTAssertNotEqual(first, second)
        let now = UInt32(Date().timeIntervalSince1970)
        XCTAssertLessThanOrEqual(abs(Int64(first.timestamp) - Int64(now)), 5)
    }

    func test_decimal128ParsesAndPrintsWithLibbson() throws {
        let value = try XCTUnwrap(Decimal128("1.23"))
        XCTAssertEqual(value.description, "1.23")
        XCTAssertEqual(value.bytes, [0x7B, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3C, 0x30])
        XCTAssertEqual(Decimal128(bytes: value.bytes), value)
        XCTAssertEqual(Decimal128("-Infinity")?.description, "-Infinity")
        XCTAssertNil(Decimal128("one point two"))
        XCTAssertNil(Decimal128(bytes: [0]))
    }

    func test_timestampsOrderBySecondsThenIncrement() {
        XCTAssertLessThan(Timestamp(seconds: 1, increment: 99), Timestamp(seconds: 2, increment: 0))
        XCTAssertLessThan(Timestamp(seconds: 2, increment: 0), Timestamp(seconds: 2, increment: 1))
        XCTAssertEqual(Timestamp(seconds: 5, increment: 6).description, "Timestamp(5, 6)")
    }

    func test_timestampIsWrittenIncrementFirstAsOnTheWire() throws {
        let bytes = try (["t": .timestamp(Timestamp(seconds: 2, increment: 1))] as Document).encode()
        XCTAssertEqual(Array(bytes[7..<15]), [1, 0, 0, 0, 2, 0, 0, 0])
    }

    func test_typeBytesFollowTheSpecification() {
        XCTAssertEqual(Value.minKey.typeByte, 0xFF)
        XCTAssertEqual(Value.maxKey.typeByte, 0x7F)
        XCTAssertEqual(Value.decimal128(Decimal128(low: 0, high: 0)).typeByte, 0x13)
        XCTAssertEqual(Value.javascriptWithScope(code: "", scope: [:]).typeByte, 0x0F)
    }
}
