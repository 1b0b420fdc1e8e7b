/// Why BSON bytes, extended JSON or a BSON stream could not be read or written.
///
/// `offset` values count bytes from the start of the outermost document being
/// decoded; `path` is the dotted key path of the offending element (array
/// elements by index, e.g. `"addresses.0.value"`), or of the enclosing embedded
/// document for document-level errors, with `""` meaning the outermost document.
/// A stream reader wraps these in `inStream`, which adds the document's index
/// (0-based) and its byte position in the stream.
public indirect enum BSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer than the 4 bytes of a length prefix remain where a document starts.
    case truncatedLengthPrefix(available: Int)
    /// A document declares more bytes than its input (or enclosing document) has left.
    case truncated(declared: Int, available: Int, path: String, offset: Int)
    /// A document declares a length below the 5-byte minimum of an empty document.
    case invalidLength(declared: Int, path: String, offset: Int)
    /// A document's 0x00 terminator comes before its declared end; `actual` is the length it implies.
    case lengthMismatch(declared: Int, actual: Int, path: String, offset: Int)
    /// The last byte of a document (at `offset`) is `byte` instead of 0x00.
    case missingTerminator(byte: UInt8, path: String, offset: Int)
    /// The input holds `actual` bytes but its single document declares `declared`.
    case trailingBytes(declared: Int, actual: Int)
    /// A streamed document declares a length above the reader's limit.
    case documentTooLarge(declared: Int, limit: Int)
    /// An element's type byte (at `offset`) is not a BSON type.
    case invalidType(byte: UInt8, path: String, offset: Int)
    /// The key starting at `offset` has no NUL before its document ends; `path` is the enclosing document.
    case unterminatedKey(path: String, offset: Int)
    /// A fixed-size value starting at `offset` runs past the end of its document.
    case truncatedValue(path: String, offset: Int)
    /// A string's length field (at `offset`) is below 1 or exceeds the bytes left in its document.
    case invalidStringLength(length: Int, path: String, offset: Int)
    /// A string or C string starting at `offset` does not end with a NUL byte.
    case unterminatedString(path: String, offset: Int)
    /// The byte at `offset` starts a sequence that is not well-formed UTF-8.
    case invalidUTF8(path: String, offset: Int)
    /// A boolean (at `offset`) is neither 0x00 nor 0x01.
    case invalidBoolean(byte: UInt8, path: String, offset: Int)
    /// A binary length (at `offset`) is negative, too long, or disagrees with subtype 2's inner length.
    case invalidBinaryLength(length: Int, path: String, offset: Int)
    /// A code-with-scope total length (at `offset`) is below 14, overruns, or disagrees with its parts.
    case invalidCodeWithScopeLength(length: Int, path: String, offset: Int)
    /// An array element's key (at `offset`) is not the next decimal index `expected`.
    case arrayKeyOutOfSequence(key: String, expected: String, path: String, offset: Int)
    /// An embedded document or array (at `offset`) is nested deeper than `limit` levels.
    case nestingTooDeep(limit: Int, path: String, offset: Int)
    /// Document number `index` (0-based), starting at byte `offset` of a stream, is malformed.
    case inStream(index: Int, offset: Int, error: BSONError)
    /// libbson rejected extended JSON text.
    case invalidExtendedJSON(message: String)
    /// A document cannot be represented as BSON (e.g. a key containing NUL).
    case unencodable(path: String, reason: String)
    /// A file operation failed.
    case io(operation: String, path: String, message: String)

    /// A one-line message that reads well after "error: ".
    public var description: String {
        switch self {
        case let .truncatedLengthPrefix(available):
            return "truncated: only \(available) bytes remain, fewer than the 4-byte length prefix"
        case let .truncated(declared, available, path, offset):
            if path.isEmpty {
                return "truncated: declared length \(declared) but only \(available) bytes remain"
            }
            return "truncated: embedded document \(quoted(path)) at offset \(offset) declares length \(declared)"
                + " but only \(available) bytes remain in its parent"
        case let .invalidLength(declared, path, offset):
            return "bad length: \(documentName(path, offset)) declares length \(declared), below the minimum of 5"
        case let .lengthMismatch(declared, actual, path, offset):
            return "length mismatch: \(documentName(path, offset)) declares length \(declared)"
                + " but its terminator ends it after \(actual) bytes"
        case let .missingTerminator(byte, path, offset):
            return "missing terminator: \(documentName(path, nil)) must end with 0x00 at offset \(offset)"
                + " but has \(hex(byte))"
        case let .trailingBytes(declared, actual):
            return "trailing bytes: declared length \(declared) but the input holds \(actual) bytes"
        case let .documentTooLarge(declared, limit):
            return "document too large: declared length \(declared) exceeds the limit of \(limit) bytes"
        case let .invalidType(byte, path, offset):
            return "bad type byte \(hex(byte)) for key \(quoted(path)) at offset \(offset)"
        case let .unterminatedKey(path, offset):
            return "unterminated key: the key at offset \(offset) in \(documentName(path, nil)) has no NUL terminator"
        case let .truncatedValue(path, offset):
            return "truncated value: key \(quoted(path)) at offset \(offset) runs past the end of its document"
        case let .invalidStringLength(length, path, offset):
            return "bad string length \(length) for key \(quoted(path)) at offset \(offset):"
                + " it must count the NUL terminator and fit in the document"
        case let .unterminatedString(path, offset):
            return "unterminated string for key \(quoted(path)) at offset \(offset): missing NUL terminator"
        case let .invalidUTF8(path, offset):
            return "invalid UTF-8 at offset \(offset) in key or value \(quoted(path))"
        case let .invalidBoolean(byte, path, offset):
            return "bad boolean \(hex(byte)) for key \(quoted(path)) at offset \(offset): must be 0x00 or 0x01"
        case let .invalidBinaryLength(length, path, offset):
            return "bad binary length \(length) for key \(quoted(path)) at offset \(offset)"
        case let .invalidCodeWithScopeLength(length, path, offset):
            return "bad code-with-scope length \(length) for key \(quoted(path)) at offset \(offset):"
                + " it must be at least 14, fit in the document and equal the size of its code and scope"
        case let .arrayKeyOutOfSequence(key, expected, path, offset):
            return "array key out of sequence in \(quoted(path)) at offset \(offset):"
                + " found \(quoted(key)) where \(quoted(expected)) was expected"
        case let .nestingTooDeep(limit, path, offset):
            return "nesting too deep: \(quoted(path)) at offset \(offset) exceeds the limit of \(limit) levels"
        case let .inStream(index, offset, error):
            return "document \(index) at byte \(offset): \(error)"
        case let .invalidExtendedJSON(message):
            return "invalid extended JSON: \(message)"
        case let .unencodable(path, reason):
            return "cannot encode \(quoted(path)): \(reason)"
        case let .io(operation, path, message):
            return "cannot \(operation) \(path): \(message)"
        }
    }
}

private func quoted(_ text: String) -> String {
    "\"\(text)\""
}

private func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16)
    return "0x" + (digits.count == 1 ? "0" + digits : digits)
}

/// "the document" for the outermost one, else the embedded document's path (and offset).
private func documentName(_ path: String, _ offset: Int?) -> String {
    if path.isEmpty {
        return "the document"
    }
    guard let offset else {
        return "embedded document \(quoted(path))"
    }
    return "embedded document \(quoted(path)) at offset \(offset)"
}
