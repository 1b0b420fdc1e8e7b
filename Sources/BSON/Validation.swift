#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Document {
    /// The deepest nesting the decoder accepts: the outermost document is level 1 and each
    /// embedded document, array or code-with-scope scope adds one. This is MongoDB's documented
    /// limit of 100 levels for stored documents, so anything mongod could have written decodes.
    public static let maxNestingDepth = 100
}

/// The structural pass that runs before libbson sees any bytes. libbson's own checks report at
/// best an offset; this pass names what is wrong, where, and under which key, and it is at least
/// as strict as `bson_iter_next`, so the libbson iteration that follows cannot fail. It also
/// rejects inputs that libbson tolerates but that would not re-encode to the same bytes (invalid
/// UTF-8, out-of-sequence array keys, early terminators), keeping decode/encode byte-identical.
enum Validator {
    /// Checks that `buffer` holds exactly one well-formed document.
    static func validateSingle(_ buffer: UnsafeRawBufferPointer) throws {
        let declared = try checkedLength(buffer)
        guard declared == buffer.count else {
            throw BSONError.trailingBytes(declared: declared, actual: buffer.count)
        }
        try validateContent(buffer)
    }

    /// The declared length of the document at the start of `buffer`, checked against the minimum
    /// and against the bytes available; `buffer` may extend past the document.
    static func checkedLength(_ buffer: UnsafeRawBufferPointer) throws -> Int {
        guard buffer.count >= 4 else {
            throw BSONError.truncatedLengthPrefix(available: buffer.count)
        }
        let declared = Int(Int32(littleEndian: buffer.loadUnaligned(as: Int32.self)))
        guard declared >= 5 else {
            throw BSONError.invalidLength(declared: declared, path: "", offset: 0)
        }
        guard declared <= buffer.count else {
            throw BSONError.truncated(declared: declared, available: buffer.count, path: "", offset: 0)
        }
        return declared
    }

    /// Validates the elements of a document whose length prefix equals `buffer.count`.
    static func validateContent(_ buffer: UnsafeRawBufferPointer) throws {
        var walker = Walker(base: buffer.baseAddress!)
        try walker.document(start: 0, end: buffer.count, depth: 1, isArray: false)
    }
}

/// Walks one document's bytes. Paths are only built when an error is thrown, from the stack
/// of key ranges leading to the current embedded document.
private struct Walker {
    let base: UnsafeRawPointer
    var keyStack: [Range<Int>] = []

    init(base: UnsafeRawPointer) {
        self.base = base
    }

    /// Validates the document occupying bytes `start..<end` (its length prefix already checked).
    mutating func document(start: Int, end: Int, depth: Int, isArray: Bool) throws {
        let last = end - 1
        var position = start + 4
        var index = 0
        while position < last {
            let type = byte(position)
            if type == 0 {
                throw BSONError.lengthMismatch(
                    declared: end - start, actual: position + 1 - start, path: path(), offset: start)
            }
            let key = try self.key(at: position + 1, limit: last, arrayIndex: isArray ? index : nil)
            position = try value(type: type, typeOffset: position, key: key, at: key.upperBound + 1,
                                 limit: last, depth: depth)
            index += 1
        }
        let terminator = byte(last)
        guard terminator == 0 else {
            throw BSONError.missingTerminator(byte: terminator, path: path(), offset: last)
        }
    }

    /// Finds, checks and returns the byte range of the key starting at `start` (excluding its NUL).
    func key(at start: Int, limit: Int, arrayIndex: Int?) throws -> Range<Int> {
        guard let nul = findNul(from: start, to: limit) else {
            throw BSONError.unterminatedKey(path: path(), offset: start)
        }
        let key = start..<nul
        if let bad = firstInvalidUTF8(base, key) {
            throw BSONError.invalidUTF8(path: path(appending: key), offset: bad)
        }
        if let arrayIndex, !isDecimal(key, arrayIndex) {
            throw BSONError.arrayKeyOutOfSequence(
                key: text(key), expected: String(arrayIndex), path: path(), offset: start)
        }
        return key
    }

    /// Validates one value and returns the offset just past it.
    mutating func value(type: UInt8, typeOffset: Int, key: Range<Int>, at start: Int,
                        limit: Int, depth: Int) throws -> Int {
        switch type {
        case 0x06, 0x0A, 0x7F, 0xFF: return try fixed(0, key, start, limit)
        case 0x10: return try fixed(4, key, start, limit)
        case 0x01, 0x09, 0x11, 0x12: return try fixed(8, key, start, limit)
        case 0x07: return try fixed(12, key, start, limit)
        case 0x13: return try fixed(16, key, start, limit)
        case 0x08: return try boolean(key, start, limit)
        case 0x02, 0x0D, 0x0E: return try string(key, start, limit)
        case 0x03, 0x04: return try embedded(key, start, limit, depth, isArray: type == 0x04)
        case 0x05: return try binary(key, start, limit)
        case 0x0B: return try cString(key, cString(key, start, limit), limit)
        case 0x0C: return try fixed(12, key, string(key, start, limit), limit)
        case 0x0F: return try codeWithScope(key, start, limit, depth)
        default: throw BSONError.invalidType(byte: type, path: path(appending: key), offset: typeOffset)
        }
    }

    func fixed(_ size: Int, _ key: Range<Int>, _ start: Int, _ limit: Int) throws -> Int {
        guard size <= limit - start else {
            throw BSONError.truncatedValue(path: path(appending: key), offset: start)
        }
        return start + size
    }

    func boolean(_ key: Range<Int>, _ start: Int, _ limit: Int) throws -> Int {
        let end = try fixed(1, key, start, limit)
        let value = byte(start)
        guard value <= 1 else {
            throw BSONError.invalidBoolean(byte: value, path: path(appending: key), offset: start)
        }
        return end
    }

    /// A length-prefixed, NUL-terminated UTF-8 string (string, code, symbol, DBPointer namespace).
    func string(_ key: Range<Int>, _ start: Int, _ limit: Int) throws -> Int {
        let length = try int32(key, start, limit)
        guard length >= 1, length <= limit - (start + 4) else {
            throw BSONError.invalidStringLength(length: length, path: path(appending: key), offset: start)
        }
        let end = start + 4 + length
        guard byte(end - 1) == 0 else {
            throw BSONError.unterminatedString(path: path(appending: key), offset: start)
        }
        if let bad = firstInvalidUTF8(base, (start + 4)..<(end - 1)) {
            throw BSONError.invalidUTF8(path: path(appending: key), offset: bad)
        }
        return end
    }

    /// A NUL-terminated UTF-8 string (regex pattern and options).
    func cString(_ key: Range<Int>, _ start: Int, _ limit: Int) throws -> Int {
        guard let nul = findNul(from: start, to: limit) else {
            throw BSONError.unterminatedString(path: path(appending: key), offset: start)
        }
        if let bad = firstInvalidUTF8(base, start..<nul) {
            throw BSONError.invalidUTF8(path: path(appending: key), offset: bad)
        }
        return nul + 1
    }

    mutating func embedded(_ key: Range<Int>, _ start: Int, _ limit: Int, _ depth: Int,
                           isArray: Bool) throws -> Int {
        let length = try int32(key, start, limit)
        guard length >= 5 else {
            throw BSONError.invalidLength(declared: length, path: path(appending: key), offset: start)
        }
        guard length <= limit - start else {
            throw BSONError.truncated(
                declared: length, available: limit - start, path: path(appending: key), offset: start)
        }
        try nest(key, start, start + length, depth, isArray: isArray)
        return start + length
    }

    /// Recurses into the embedded document at `start..<end`, enforcing the depth limit.
    mutating func nest(_ key: Range<Int>, _ start: Int, _ end: Int, _ depth: Int, isArray: Bool) throws {
        guard depth < Document.maxNestingDepth else {
            throw BSONError.nestingTooDeep(
                limit: Document.maxNestingDepth, path: path(appending: key), offset: start)
        }
        keyStack.append(key)
        defer { keyStack.removeLast() }
        try document(start: start, end: end, depth: depth + 1, isArray: isArray)
    }

    func binary(_ key: Range<Int>, _ start: Int, _ limit: Int) throws -> Int {
        let length = try int32(key, start, limit)
        _ = try fixed(5, key, start, limit)
        guard length >= 0, length <= limit - (start + 5) else {
            throw BSONError.invalidBinaryLength(length: length, path: path(appending: key), offset: start)
        }
        if byte(start + 4) == Binary.Subtype.oldBinary {
            // Subtype 2 repeats the payload length inside the payload; libbson strips and re-adds it.
            let inner = length >= 4 ? int32At(start + 5) : -1
            guard inner == length - 4 else {
                throw BSONError.invalidBinaryLength(length: inner, path: path(appending: key), offset: start + 5)
            }
        }
        return start + 5 + length
    }

    mutating func codeWithScope(_ key: Range<Int>, _ start: Int, _ limit: Int, _ depth: Int) throws -> Int {
        let total = try int32(key, start, limit)
        func badTotal() -> BSONError {
            BSONError.invalidCodeWithScopeLength(length: total, path: path(appending: key), offset: start)
        }
        guard total >= 14, total <= limit - start else { throw badTotal() }
        let end = start + total
        let scope = try string(key, start + 4, end)
        guard end - scope >= 4 else { throw badTotal() }
        let scopeLength = int32At(scope)
        guard scopeLength >= 5 else {
            throw BSONError.invalidLength(declared: scopeLength, path: path(appending: key), offset: scope)
        }
        guard scope + scopeLength == end else { throw badTotal() }
        try nest(key, scope, end, depth, isArray: false)
        return end
    }

    /// Reads the int32 at `start`, which must fit before `limit`.
    func int32(_ key: Range<Int>, _ start: Int, _ limit: Int) throws -> Int {
        _ = try fixed(4, key, start, limit)
        return int32At(start)
    }

    func int32At(_ offset: Int) -> Int {
        Int(Int32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
    }

    func byte(_ offset: Int) -> UInt8 {
        base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// The offset of the first NUL in `from..<to`.
    func findNul(from: Int, to: Int) -> Int? {
        guard from < to, let found = memchr(base + from, 0, to - from) else { return nil }
        return UnsafeRawPointer(found) - base
    }

    /// True when the bytes of `key` spell `index` in decimal without leading zeros.
    func isDecimal(_ key: Range<Int>, _ index: Int) -> Bool {
        guard !key.isEmpty, key.count <= 10, key.count == 1 || byte(key.lowerBound) != UInt8(ascii: "0") else {
            return false
        }
        var value = 0
        for offset in key {
            let digit = Int(byte(offset)) - Int(UInt8(ascii: "0"))
            guard (0...9).contains(digit) else { return false }
            value = value * 10 + digit
        }
        return value == index
    }

    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
    }

    /// The dotted path of the current embedded document, plus `key` when given.
    func path(appending key: Range<Int>? = nil) -> String {
        (keyStack + (key.map { [$0] } ?? [])).map(text).joined(separator: ".")
    }
}
