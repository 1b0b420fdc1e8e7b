import XCTest
@testable import BSON

/// One test per malformation, on hand-written bytes, asserting the exact error.
/// Offsets count from the first byte of the outermost document.
final class MalformedInputTests: XCTestCase {
    // MARK: Framing

    func test_decodeRejectsEmptyInput() {
        XCTAssertThrowsBSONError(.truncatedLengthPrefix(available: 0), try Document(bson: []))
    }

    func test_decodeRejectsInputShorterThanTheLengthPrefix() {
        XCTAssertThrowsBSONError(.truncatedLengthPrefix(available: 3), try Document(bson: [5, 0, 0]))
    }

    func test_decodeRejectsTruncatedDocument() {
        var bytes = Bytes()
        bytes.int32(200)
        bytes.raw([UInt8](repeating: 0, count: 53))
        let expected = BSONError.truncated(declared: 200, available: 57, path: "", offset: 0)
        XCTAssertThrowsBSONError(expected, try Document(bson: bytes.bytes))
        XCTAssertEqual(expected.description, "truncated: declared length 200 but only 57 bytes remain")
    }

    func test_decodeRejectsDeclaredLengthBelowMinimum() {
        XCTAssertThrowsBSONError(.invalidLength(declared: 4, path: "", offset: 0),
                                 try Document(bson: [4, 0, 0, 0, 0]))
    }

    func test_decodeRejectsNegativeDeclaredLength() {
        XCTAssertThrowsBSONError(.invalidLength(declared: -1, path: "", offset: 0),
                                 try Document(bson: [0xFF, 0xFF, 0xFF, 0xFF, 0]))
    }

    func test_decodeRejectsBytesAfterTheDeclaredLength() {
        XCTAssertThrowsBSONError(.trailingBytes(declared: 5, actual: 7), try Document(bson: [5, 0, 0, 0, 0, 0, 0]))
    }

    func test_decodeRejectsTerminatorBeforeTheDeclaredLength() {
        var bytes = Bytes()
        bytes.int32(13)
        bytes.element(0x10, "a")
        bytes.int32(1)
        bytes.raw([0, 0])
        XCTAssertThrowsBSONError(.lengthMismatch(declared: 13, actual: 12, path: "", offset: 0),
                                 try Document(bson: bytes.bytes))
    }

    func test_decodeRejectsDocumentWithoutTrailingNul() {
        var bytes = Bytes()
        bytes.int32(12)
        bytes.element(0x10, "a")
        bytes.int32(1)
        bytes.raw([7])
        XCTAssertThrowsBSONError(.missingTerminator(byte: 7, path: "", offset: 11), try Document(bson: bytes.bytes))
    }

    func test_decodeRejectsEmbeddedDocumentLongerThanItsParent() {
        let bytes = Bytes.document {
            $0.element(0x03, "a")
            $0.int32(100)
            $0.raw([0])
        }
        XCTAssertThrowsBSONError(.truncated(declared: 100, available: 5, path: "a", offset: 7),
                                 try Document(bson: bytes))
    }

    func test_decodeRejectsEmbeddedDocumentWithLengthBelowMinimum() {
        let bytes = Bytes.document {
            $0.element(0x03, "a")
            $0.int32(4)
            $0.raw([0])
        }
        XCTAssertThrowsBSONError(.invalidLength(declared: 4, path: "a", offset: 7), try Document(bson: bytes))
    }

    func test_decodeRejectsEmbeddedDocumentWithoutTrailingNul() {
        let bytes = Bytes.document {
            $0.element(0x03, "a")
            $0.int32(5)
            $0.raw([1])
        }
        XCTAssertThrowsBSONError(.missingTerminator(byte: 1, path: "a", offset: 11), try Document(bson: bytes))
    }

    // MARK: Elements

    func test_decodeRejectsUnknownTypeByteNamingByteAndKey() {
        let bytes = Bytes.document {
            $0.element(0x14, "a")
            $0.int32(1)
        }
        let expected = BSONError.invalidType(byte: 0x14, path: "a", offset: 4)
        XCTAssertThrowsBSONError(expected, try Document(bson: bytes))
        XCTAssertEqual(expected.description, "bad type byte 0x14 for key \"a\" at offset 4")
    }

    func test_decodeRejectsUnknownTypeByteInNestedDocumentNamingItsPath() {
        let bytes = Bytes.document {
            $0.element(0x03, "outer")
            $0.raw(Bytes.document {
                $0.element(0x03, "inner")
                $0.raw(Bytes.document { $0.element(0x20, "x") })
            })
        }
        XCTAssertThrowsBSONError(.invalidType(byte: 0x20, path: "outer.inner.x", offset: 26), try Document(bson: bytes))
    }

    func test_decodeRejectsDocumentWithUnterminatedKey() {
        var bytes = Bytes()
        bytes.int32(9)
        bytes.raw([0x10, 0x61, 0x62, 0x63, 0])
        XCTAssertThrowsBSONError(.unterminatedKey(path: "", offset: 5), try Document(bson: bytes.bytes))
    }

    func test_decodeRejectsFixedSizeValueRunningPastTheDocumentEnd() {
        let bytes = Bytes.document {
            $0.element(0x12, "a")
            $0.raw([1, 2, 3])
        }
        XCTAssertThrowsBSONError(.truncatedValue(path: "a", offset: 7), try Document(bson: bytes))
    }

    func test_decodeRejectsStringLengthOfZero() {
        let bytes = Bytes.document {
            $0.element(0x02, "s")
            $0.int32(0)
            $0.raw([0])
        }
        XCTAssertThrowsBSONError(.invalidStringLength(length: 0, path: "s", offset: 7), try Document(bson: bytes))
    }

    func test_decodeRejectsStringLengthBeyondTheDocument() {
        let bytes = Bytes.document {
            $0.element(0x02, "s")
            $0.int32(100)
            $0.cString("hi")
        }
        XCTAssertThrowsBSONError(.invalidStringLength(length: 100, path: "s", offset: 7), try Document(bson: bytes))
    }

    func test_decodeRejectsNegativeStringLength() {
        let bytes = Bytes.document {
            $0.element(0x02, "s")
            $0.int32(-5)
            $0.cString("hi")
        }
        XCTAssertThrowsBSONError(.invalidStringLength(length: -5, path: "s", offset: 7), try Document(bson: bytes))
    }

    func test_decodeRejectsStringMissingItsNulTerminator() {
        let bytes = Bytes.document {
            $0.element(0x02, "s")
            $0.int32(3)
            $0.raw(Array("abc".utf8))
        }
        XCTAssertThrowsBSONError(.unterminatedString(path: "s", offset: 7), try Document(bson: bytes))
    }

    func test_decodeRejectsInvalidUTF8InStringAtTheOffendingByte() {
        for (bad, name) in [([0xC3, 0x28], "bad continuation"), ([0xC0, 0xAF], "overlong"),
                            ([0xED, 0xA0, 0x80], "surrogate"), ([0xF4, 0x90, 0x80, 0x80], "above U+10FFFF"),
                            ([0xE2, 0x82], "cut sequence"), ([0xFF], "invalid lead")] as [([UInt8], String)] {
            let bytes = Bytes.document {
                $0.element(0x02, "s")
                $0.int32(Int32(bad.count + 2))
                $0.raw([0x61] + bad + [0])
            }
            XCTAssertThrowsBSONError(.invalidUTF8(path: "s", offset: 12), try Document(bson: bytes), name)
        }
    }

    func test_decodeRejectsInvalidUTF8InKey() {
        var bytes = Bytes()
        bytes.int32(12)
        bytes.raw([0x10, 0xFF, 0])
        bytes.int32(1)
        bytes.raw([0])
        XCTAssertThrowsBSONError(.invalidUTF8(path: "\u{FFFD}", offset: 5), try Document(bson: bytes.bytes))
    }

    func test_decodeRejectsInvalidUTF8InRegexPattern() {
        let bytes = Bytes.document {
            $0.element(0x0B, "r")
            $0.raw([0x61, 0x80, 0])
            $0.cString("i")
        }
        XCTAssertThrowsBSONError(.invalidUTF8(path: "r", offset: 8), try Document(bson: bytes))
    }

    func test_decodeRejectsRegexWithUnterminatedOptions() {
        let bytes = Bytes.document {
            $0.element(0x0B, "r")
            $0.cString("ab")
            $0.raw(Array("i".utf8))
        }
        XCTAssertThrowsBSONError(.unterminatedString(path: "r", offset: 10), try Document(bson: bytes))
    }

    func test_decodeRejectsBooleanOtherThanZeroOrOne() {
        let bytes = Bytes.document {
            $0.element(0x08, "b")
            $0.raw([2])
        }
        XCTAssertThrowsBSONError(.invalidBoolean(byte: 2, path: "b", offset: 7), try Document(bson: bytes))
    }

    func test_decodeRejectsNegativeBinaryLength() {
        let bytes = Bytes.document {
            $0.element(0x05, "d")
            $0.int32(-1)
            $0.raw([0])
        }
        XCTAssertThrowsBSONError(.invalidBinaryLength(length: -1, path: "d", offset: 7), try Document(bson: bytes))
    }

    func test_decodeRejectsBinaryLongerThanTheDocument() {
        let bytes = Bytes.document {
            $0.element(0x05, "d")
            $0.int32(10)
            $0.raw([0, 1, 2])
        }
        XCTAssertThrowsBSONError(.invalidBinaryLength(length: 10, path: "d", offset: 7), try Document(bson: bytes))
    }

    func test_decodeRejectsOldBinaryWhoseInnerLengthDisagrees() {
        let bytes = Bytes.document {
            $0.element(0x05, "d")
            $0.int32(7)
            $0.raw([2])
            $0.int32(5)
            $0.raw([1, 2, 3])
        }
        XCTAssertThrowsBSONError(.invalidBinaryLength(length: 5, path: "d", offset: 12), try Document(bson: bytes))
    }

    func test_decodeRejectsArrayWithOutOfSequenceKeys() {
        let bytes = Bytes.document {
            $0.element(0x04, "arr")
            $0.raw(Bytes.document {
                $0.element(0x10, "0")
                $0.int32(1)
                $0.element(0x10, "2")
                $0.int32(2)
            })
        }
        XCTAssertThrowsBSONError(.arrayKeyOutOfSequence(key: "2", expected: "1", path: "arr", offset: 21),
                                 try Document(bson: bytes))
    }

    func test_decodeRejectsArrayKeysWithLeadingZeros() {
        let bytes = Bytes.document {
            $0.element(0x04, "arr")
            $0.raw(Bytes.document {
                $0.element(0x10, "00")
                $0.int32(1)
            })
        }
        XCTAssertThrowsBSONError(.arrayKeyOutOfSequence(key: "00", expected: "0", path: "arr", offset: 14),
                                 try Document(bson: bytes))
    }

    func test_decodeRejectsCodeWithScopeWhoseLengthDisagreesWithItsParts() {
        let bytes = Bytes.document {
            $0.element(0x0F, "c")
            $0.int32(14)
            $0.string("x")
            $0.raw(Bytes.document { _ in })
        }
        XCTAssertThrowsBSONError(.invalidCodeWithScopeLength(length: 14, path: "c", offset: 7), try Document(bson: bytes))
    }

    func test_decodeRejectsDBPointerWithTruncatedObjectID() {
        let bytes = Bytes.document {
            $0.element(0x0C, "p")
            $0.string("db.c")
            $0.raw([1, 2, 3, 4, 5])
        }
        XCTAssertThrowsBSONError(.truncatedValue(path: "p", offset: 16), try Document(bson: bytes))
    }

    // MARK: Nesting

    func test_decodeAcceptsNestingAtTheDepthLimit() throws {
        let document = try Document(bson: nested(levels: Document.maxNestingDepth))
        XCTAssertEqual(try document.encode(), nested(levels: Document.maxNestingDepth))
    }

    func test_decodeRejectsNestingDeeperThanTheLimit() {
        let tooDeep = Document.maxNestingDepth + 1
        let path = Array(repeating: "a", count: tooDeep - 1).joined(separator: ".")
        XCTAssertThrowsBSONError(.nestingTooDeep(limit: 100, path: path, offset: 7 * (tooDeep - 1)),
                                 try Document(bson: nested(levels: tooDeep)))
    }

    func test_decodeRejectsScopeNestedDeeperThanTheLimit() {
        // The scope is level 2, so a scope that is itself 100 levels deep reaches level 101.
        let scope = nested(levels: Document.maxNestingDepth)
        let bytes = Bytes.document {
            $0.element(0x0F, "c")
            $0.int32(Int32(4 + 8 + scope.count))
            $0.string("f()")
            $0.raw(scope)
        }
        let path = (["c"] + Array(repeating: "a", count: 99)).joined(separator: ".")
        XCTAssertThrowsBSONError(.nestingTooDeep(limit: 100, path: path, offset: 19 + 7 * 99), try Document(bson: bytes))
    }

    // MARK: Messages

    func test_errorMessagesReadWellAfterAnErrorPrefix() {
        let cases: [(BSONError, String)] = [
            (.truncatedLengthPrefix(available: 2), "truncated: only 2 bytes remain, fewer than the 4-byte length prefix"),
            (.invalidLength(declared: 3, path: "", offset: 0),
             "bad length: the document declares length 3, below the minimum of 5"),
            (.truncated(declared: 100, available: 5, path: "a", offset: 7),
             "truncated: embedded document \"a\" at offset 7 declares length 100 but only 5 bytes remain in its parent"),
            (.missingTerminator(byte: 7, path: "", offset: 11),
             "missing terminator: the document must end with 0x00 at offset 11 but has 0x07"),
            (.unterminatedKey(path: "a.b", offset: 20),
             "unterminated key: the key at offset 20 in embedded document \"a.b\" has no NUL terminator"),
            (.invalidUTF8(path: "s", offset: 12), "invalid UTF-8 at offset 12 in key or value \"s\""),
            (.nestingTooDeep(limit: 100, path: "a.a", offset: 14),
             "nesting too deep: \"a.a\" at offset 14 exceeds the limit of 100 levels"),
            (.inStream(index: 3, offset: 412, error: .truncated(declared: 200, available: 57, path: "", offset: 0)),
             "document 3 at byte 412: truncated: declared length 200 but only 57 bytes remain"),
            (.io(operation: "open", path: "/x.bson", message: "No such file or directory"),
             "cannot open /x.bson: No such file or directory"),
        ]
        for (error, message) in cases {
            XCTAssertEqual("error: \(error)", "error: \(message)")
        }
    }

    /// A document `levels` deep in total: each level holds one key "a" wrapping the next.
    private func nested(levels: Int) -> [UInt8] {
        var bytes = Bytes.document { _ in }
        for _ in 1..<levels {
            let inner = bytes
            bytes = Bytes.document {
                $0.element(0x03, "a")
                $0.raw(inner)
            }
        }
        return bytes
    }
}
