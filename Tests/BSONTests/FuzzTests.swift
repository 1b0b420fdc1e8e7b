import Foundation
import XCTest
@testable import BSON

/// Mutations of every fixture document must either decode, and then re-encode to exactly the
/// mutated bytes, or throw a `BSONError`: never crash, hang, or decode to something else.
/// The 54 KB "big" fixture is left out because flipping each of its bytes would take minutes;
/// the remaining documents hold every type and cover nesting to the depth limit.
final class FuzzTests: XCTestCase {
    private static let sizeLimit = 4096

    private func smallFixtures() throws -> [Fixtures.Case] {
        try Fixtures.allCases().filter { $0.bytes.count <= Self.sizeLimit }
    }

    func test_truncatingAFixtureAnywhereThrowsABSONError() throws {
        for fixture in try smallFixtures() {
            for length in 0..<fixture.bytes.count {
                XCTAssertThrowsError(try Document(bson: Array(fixture.bytes.prefix(length)))) { error in
                    XCTAssertTrue(error is BSONError, "\(fixture.name) at \(length): \(error)")
                }
            }
        }
    }

    /// Truncating and then fixing the length prefix makes the cut land inside the content.
    func test_truncatedContentWithAMatchingLengthPrefixDecodesOrThrowsABSONError() throws {
        for fixture in try smallFixtures() {
            for length in 4..<fixture.bytes.count {
                var bytes = Array(fixture.bytes.prefix(length))
                withUnsafeBytes(of: Int32(length).littleEndian) { bytes.replaceSubrange(0..<4, with: $0) }
                assertDecodesExactlyOrThrowsBSONError(bytes, "\(fixture.name) cut to \(length)")
            }
        }
    }

    func test_flippingAnyByteOfAFixtureDecodesOrThrowsABSONError() throws {
        for fixture in try smallFixtures() {
            for position in fixture.bytes.indices {
                for mask: UInt8 in [0xFF, 0x01, 0x80] {
                    var bytes = fixture.bytes
                    bytes[position] ^= mask
                    assertDecodesExactlyOrThrowsBSONError(bytes, "\(fixture.name) byte \(position) ^ \(mask)")
                }
            }
        }
    }

    /// A corrupted stream always ends, with at most one document per five bytes, after either a
    /// clean end of file or a `BSONError.inStream`.
    func test_streamReaderTerminatesOnRandomlyCorruptedStreams() throws {
        let stream = Array(try smallFixtures().filter { $0.set == "types" }.map(\.bytes).joined())
        let url = try temporaryDirectory(self).appendingPathComponent("fuzz.bson")
        var generator = SplitMix64(seed: 0x5EED)
        for round in 0..<200 {
            var bytes = stream
            for _ in 0..<(1 + round % 4) {
                bytes[Int(generator.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
            }
            try Data(bytes).write(to: url)
            let reader = try BSONStreamReader(path: url.path, chunkSize: 512)
            var documents = 0
            do {
                while try reader.next() != nil {
                    documents += 1
                }
            } catch let error as BSONError {
                guard case .inStream = error else { return XCTFail("round \(round): \(error)") }
            }
            XCTAssertLessThanOrEqual(documents, bytes.count / 5)
        }
    }

    private func assertDecodesExactlyOrThrowsBSONError(_ bytes: [UInt8], _ label: String) {
        let document: Document
        do {
            document = try Document(bson: bytes)
        } catch is BSONError {
            return
        } catch {
            return XCTFail("\(label): non-BSON error \(error)")
        }
        XCTAssertTrue((try? document.encode()) == bytes, "accepted but not re-encoded identically: \(label)")
    }
}

/// A small deterministic generator, so failures reproduce.
private struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
