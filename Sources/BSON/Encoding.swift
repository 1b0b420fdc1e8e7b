import CBSON

/// Builds BSON with libbson's `bson_append_*` functions.
///
/// Four types bypass their libbson appenders and are appended as prebuilt elements with
/// `bson_concat`, because the appender would change the bytes: `bson_append_regex` sorts the
/// option letters and drops unknown ones, and `bson_append_code`, `bson_append_code_with_scope`
/// and `bson_append_dbpointer` take C strings, cutting a string at its first U+0000.
final class DocumentEncoder {
    /// One aligned child `bson_t` per nesting level for `bson_append_*_begin`/`_end`.
    private let children = SlotStack()
    /// Keys from the outermost document to the element being appended, for error messages.
    private var keyPath: [String] = []

    /// Encodes `document` into a temporary `bson_t` and passes it to `body`.
    static func withEncoded<R>(_ document: Document, _ body: (OpaquePointer) throws -> R) throws -> R {
        let bson = bson_new()!
        defer { bson_destroy(bson) }
        try DocumentEncoder().append(document, to: bson, depth: 1)
        return try body(bson)
    }

    private func append(_ document: Document, to bson: OpaquePointer, depth: Int) throws {
        for (key, value) in document {
            keyPath.append(key)
            try append(key, value, to: bson, depth: depth)
            keyPath.removeLast()
        }
    }

    private func appendArray(_ values: [Value], to bson: OpaquePointer, depth: Int) throws {
        for (index, value) in values.enumerated() {
            let key = String(index)
            keyPath.append(key)
            try append(key, value, to: bson, depth: depth)
            keyPath.removeLast()
        }
    }

    private func append(_ key: String, _ value: Value, to bson: OpaquePointer, depth: Int) throws {
        let appended = try withKey(key) { key, keyLength in
            try append(value, key, Int32(keyLength), bson, depth)
        }
        guard appended else {
            throw failure("libbson refused it: the document would exceed the maximum BSON size")
        }
    }

    /// Appends one value under a key; false when libbson refuses (the document would be too large).
    private func append(_ value: Value, _ key: UnsafePointer<CChar>, _ keyLength: Int32,
                        _ bson: OpaquePointer, _ depth: Int) throws -> Bool {
        switch value {
        case let .double(number): return bson_append_double(bson, key, keyLength, number)
        case let .string(text):
            return try withUTF8(text) { bson_append_utf8(bson, key, keyLength, $0, Int32($1)) }
        case let .document(document): return try appendNested(key, keyLength, bson, depth, isArray: false) {
            try self.append(document, to: $0, depth: depth + 1)
        }
        case let .array(values): return try appendNested(key, keyLength, bson, depth, isArray: true) {
            try self.appendArray(values, to: $0, depth: depth + 1)
        }
        case let .binary(binary):
            let subtype = bson_subtype_t(rawValue: UInt32(binary.subtype))
            return bson_append_binary(bson, key, keyLength, subtype, binary.data, UInt32(binary.data.count))
        case .undefined: return bson_append_undefined(bson, key, keyLength)
        case let .objectID(id):
            var oid = id.oid
            return bson_append_oid(bson, key, keyLength, &oid)
        case let .bool(flag): return bson_append_bool(bson, key, keyLength, flag)
        case let .datetime(milliseconds): return bson_append_date_time(bson, key, keyLength, milliseconds)
        case .null: return bson_append_null(bson, key, keyLength)
        case let .regex(regex):
            return try appendRaw(0x0B, key, keyLength, bson, payload: cString(regex.pattern) + cString(regex.options))
        case let .dbPointer(pointer):
            return try appendRaw(0x0C, key, keyLength, bson, payload: string(pointer.namespace) + pointer.id.bytes)
        case let .javascript(code): return try appendRaw(0x0D, key, keyLength, bson, payload: string(code))
        case let .symbol(text):
            return try withUTF8(text) { bson_append_symbol(bson, key, keyLength, $0, Int32($1)) }
        case let .javascriptWithScope(code, scope):
            return try appendRaw(0x0F, key, keyLength, bson, payload: codeWithScope(code, scope, depth))
        case let .int32(number): return bson_append_int32(bson, key, keyLength, number)
        case let .timestamp(stamp):
            return bson_append_timestamp(bson, key, keyLength, stamp.seconds, stamp.increment)
        case let .int64(number): return bson_append_int64(bson, key, keyLength, number)
        case let .decimal128(decimal):
            var raw = decimal.libbsonValue
            return bson_append_decimal128(bson, key, keyLength, &raw)
        case .minKey: return bson_append_minkey(bson, key, keyLength)
        case .maxKey: return bson_append_maxkey(bson, key, keyLength)
        }
    }

    /// Appends an embedded document or array built in place by `fill`.
    private func appendNested(_ key: UnsafePointer<CChar>, _ keyLength: Int32, _ bson: OpaquePointer,
                              _ depth: Int, isArray: Bool, _ fill: (OpaquePointer) throws -> Void) throws -> Bool {
        try checkDepth(depth)
        let child = children.slot(depth)
        let begun = isArray
            ? bson_append_array_begin(bson, key, keyLength, child)
            : bson_append_document_begin(bson, key, keyLength, child)
        guard begun else { return false }
        try fill(child)
        return isArray ? bson_append_array_end(bson, child) : bson_append_document_end(bson, child)
    }

    private func checkDepth(_ depth: Int) throws {
        guard depth < Document.maxNestingDepth else {
            throw failure("nested deeper than \(Document.maxNestingDepth) levels, which decoding rejects")
        }
    }

    /// Appends the element `type key payload` as prebuilt bytes via `bson_concat`.
    private func appendRaw(_ type: UInt8, _ key: UnsafePointer<CChar>, _ keyLength: Int32,
                           _ bson: OpaquePointer, payload: [UInt8]) throws -> Bool {
        let keyBytes = UnsafeRawBufferPointer(start: key, count: Int(keyLength))
        let elementLength = 1 + keyBytes.count + 1 + payload.count
        guard elementLength < Int32.max - 5 else { return false }
        var wrapper = int32Bytes(4 + elementLength + 1)
        wrapper.append(type)
        wrapper.append(contentsOf: keyBytes)
        wrapper.append(0)
        wrapper.append(contentsOf: payload)
        wrapper.append(0)
        guard let element = bson_new_from_data(wrapper, wrapper.count) else { return false }
        defer { bson_destroy(element) }
        return bson_concat(bson, element)
    }

    /// The code-with-scope payload: total length, code string, scope document.
    private func codeWithScope(_ code: String, _ scope: Document, _ depth: Int) throws -> [UInt8] {
        try checkDepth(depth)
        let scopeBson = bson_new()!
        defer { bson_destroy(scopeBson) }
        try append(scope, to: scopeBson, depth: depth + 1)
        let codeBytes = try string(code)
        let scopeBytes = LibBSON.bytes(of: scopeBson)
        return int32Bytes(4 + codeBytes.count + scopeBytes.count) + codeBytes + Array(scopeBytes)
    }

    /// A BSON string: int32 length (counting the NUL), UTF-8 bytes, NUL.
    private func string(_ text: String) throws -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count < Int32.max else { throw failure("a string longer than 2 GiB") }
        return int32Bytes(utf8.count + 1) + utf8 + [0]
    }

    /// A BSON C string, which cannot hold U+0000.
    private func cString(_ text: String) throws -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard !utf8.contains(0) else { throw failure("a regular expression containing U+0000") }
        return utf8 + [0]
    }

    private func int32Bytes(_ value: Int) -> [UInt8] {
        withUnsafeBytes(of: Int32(truncatingIfNeeded: value).littleEndian) { Array($0) }
    }

    /// Passes the UTF-8 bytes of a key to `body`, rejecting keys BSON's C strings cannot hold.
    private func withKey<R>(_ key: String, _ body: (UnsafePointer<CChar>, Int) throws -> R) throws -> R {
        try withUTF8(key) { bytes, count in
            guard UnsafeRawBufferPointer(start: bytes, count: count).firstIndex(of: 0) == nil else {
                throw failure("the key contains U+0000, which BSON keys cannot hold")
            }
            return try body(bytes, count)
        }
    }

    /// Passes a string's contiguous UTF-8 bytes (never a nil pointer) to `body`.
    private func withUTF8<R>(_ text: String, _ body: (UnsafePointer<CChar>, Int) throws -> R) throws -> R {
        var text = text
        guard text.utf8.count < Int32.max else { throw failure("a string longer than 2 GiB") }
        return try text.withUTF8 { utf8 in
            try utf8.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress {
                    return try body(base, chars.count)
                }
                var nul: CChar = 0
                return try withUnsafePointer(to: &nul) { try body($0, 0) }
            }
        }
    }

    private func failure(_ reason: String) -> BSONError {
        BSONError.unencodable(path: keyPath.joined(separator: "."), reason: reason)
    }
}
