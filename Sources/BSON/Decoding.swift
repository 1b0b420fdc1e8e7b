import CBSON

/// Turns validated BSON bytes into `Document`/`Value` by iterating them with libbson.
/// Only call it on bytes that passed `Validator`: libbson's iterator merely stops on corrupt input.
struct DocumentDecoder {
    /// One aligned `bson_iter_t` per nesting level, reused across siblings.
    private let iterators = SlotStack()

    /// Decodes a whole document that passed validation.
    static func decode(validated buffer: UnsafeRawBufferPointer) throws -> Document {
        try DocumentDecoder().document(buffer, depth: 0)
    }

    /// Decodes the value `iter` points at, for callers that positioned an iterator themselves.
    static func decodeValue(at iter: OpaquePointer) throws -> Value {
        try DocumentDecoder().value(iter, depth: 0)
    }

    /// Decodes the document in `buffer` using the iterator of level `depth`.
    private func document(_ buffer: UnsafeRawBufferPointer, depth: Int) throws -> Document {
        let iter = iterators.slot(depth)
        guard bson_iter_init_from_data(iter, buffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                       buffer.count) else {
            throw BSONError.invalidLength(declared: buffer.count, path: "", offset: 0)
        }
        return try elements(iter, depth: depth)
    }

    private func elements(_ iter: OpaquePointer, depth: Int) throws -> Document {
        var pairs: [(String, Value)] = []
        while bson_iter_next(iter) {
            let key = String(decoding: UnsafeRawBufferPointer(start: bson_iter_key(iter),
                                                              count: Int(bson_iter_key_len(iter))),
                             as: UTF8.self)
            pairs.append((key, try value(iter, depth: depth)))
        }
        return Document(pairs)
    }

    private func arrayElements(_ iter: OpaquePointer, depth: Int) throws -> [Value] {
        var values: [Value] = []
        while bson_iter_next(iter) {
            values.append(try value(iter, depth: depth))
        }
        return values
    }

    /// The value `iter` is positioned on; nested documents use the iterator of `depth + 1`.
    private func value(_ iter: OpaquePointer, depth: Int) throws -> Value {
        switch bson_iter_type(iter) {
        case BSON_TYPE_DOUBLE: return .double(bson_iter_double(iter))
        case BSON_TYPE_UTF8: return .string(lengthPrefixed(iter, bson_iter_utf8))
        case BSON_TYPE_DOCUMENT: return .document(try elements(child(iter, depth), depth: depth + 1))
        case BSON_TYPE_ARRAY: return .array(try arrayElements(child(iter, depth), depth: depth + 1))
        case BSON_TYPE_BINARY: return .binary(binary(iter))
        case BSON_TYPE_UNDEFINED: return .undefined
        case BSON_TYPE_OID: return .objectID(ObjectID(bson_iter_oid(iter).pointee))
        case BSON_TYPE_BOOL: return .bool(bson_iter_bool(iter))
        case BSON_TYPE_DATE_TIME: return .datetime(bson_iter_date_time(iter))
        case BSON_TYPE_NULL: return .null
        case BSON_TYPE_REGEX: return .regex(regex(iter))
        case BSON_TYPE_DBPOINTER: return .dbPointer(dbPointer(iter))
        case BSON_TYPE_CODE: return .javascript(lengthPrefixed(iter, bson_iter_code))
        case BSON_TYPE_SYMBOL: return .symbol(lengthPrefixed(iter, bson_iter_symbol))
        case BSON_TYPE_CODEWSCOPE: return try codeWithScope(iter, depth)
        case BSON_TYPE_INT32: return .int32(bson_iter_int32(iter))
        case BSON_TYPE_TIMESTAMP: return .timestamp(timestamp(iter))
        case BSON_TYPE_INT64: return .int64(bson_iter_int64(iter))
        case BSON_TYPE_DECIMAL128: return .decimal128(decimal128(iter))
        case BSON_TYPE_MINKEY: return .minKey
        case BSON_TYPE_MAXKEY: return .maxKey
        case let type:
            // Unreachable after validation; reported rather than trapped so a bug cannot crash a reader.
            throw BSONError.invalidType(byte: UInt8(truncatingIfNeeded: type.rawValue),
                                        path: String(cString: bson_iter_key(iter)),
                                        offset: Int(bson_iter_offset(iter)))
        }
    }

    /// The child iterator for the embedded document or array `iter` is on.
    private func child(_ iter: OpaquePointer, _ depth: Int) -> OpaquePointer {
        let child = iterators.slot(depth + 1)
        bson_iter_recurse(iter, child)
        return child
    }

    /// A string returned by a libbson getter that reports its length (which excludes the NUL).
    private func lengthPrefixed(
        _ iter: OpaquePointer,
        _ getter: (OpaquePointer?, UnsafeMutablePointer<UInt32>?) -> UnsafePointer<CChar>?
    ) -> String {
        var length: UInt32 = 0
        let start = getter(iter, &length)
        return String(decoding: UnsafeRawBufferPointer(start: start, count: Int(length)), as: UTF8.self)
    }

    private func binary(_ iter: OpaquePointer) -> Binary {
        var subtype = BSON_SUBTYPE_BINARY
        var length: UInt32 = 0
        var data: UnsafePointer<UInt8>?
        bson_iter_binary(iter, &subtype, &length, &data)
        return Binary(subtype: UInt8(truncatingIfNeeded: subtype.rawValue),
                      data: Array(UnsafeBufferPointer(start: data, count: Int(length))))
    }

    private func regex(_ iter: OpaquePointer) -> RegularExpression {
        var options: UnsafePointer<CChar>?
        let pattern = bson_iter_regex(iter, &options)
        return RegularExpression(pattern: String(cString: pattern!), options: String(cString: options!))
    }

    private func dbPointer(_ iter: OpaquePointer) -> DBPointer {
        var length: UInt32 = 0
        var namespace: UnsafePointer<CChar>?
        var oid: UnsafePointer<bson_oid_t>?
        bson_iter_dbpointer(iter, &length, &namespace, &oid)
        let text = String(decoding: UnsafeRawBufferPointer(start: namespace, count: Int(length)), as: UTF8.self)
        return DBPointer(namespace: text, id: ObjectID(oid!.pointee))
    }

    private func codeWithScope(_ iter: OpaquePointer, _ depth: Int) throws -> Value {
        var codeLength: UInt32 = 0
        var scopeLength: UInt32 = 0
        var scope: UnsafePointer<UInt8>?
        let code = bson_iter_codewscope(iter, &codeLength, &scopeLength, &scope)
        let text = String(decoding: UnsafeRawBufferPointer(start: code, count: Int(codeLength)), as: UTF8.self)
        let scopeBytes = UnsafeRawBufferPointer(start: scope, count: Int(scopeLength))
        return .javascriptWithScope(code: text, scope: try document(scopeBytes, depth: depth + 1))
    }

    private func timestamp(_ iter: OpaquePointer) -> Timestamp {
        var seconds: UInt32 = 0
        var increment: UInt32 = 0
        bson_iter_timestamp(iter, &seconds, &increment)
        return Timestamp(seconds: seconds, increment: increment)
    }

    private func decimal128(_ iter: OpaquePointer) -> Decimal128 {
        var value = bson_decimal128_t()
        bson_iter_decimal128(iter, &value)
        return Decimal128(value)
    }
}
