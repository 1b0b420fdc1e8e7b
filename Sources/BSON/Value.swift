/// One BSON value: every type of the BSON 1.1 specification, including the deprecated ones
/// (undefined, DBPointer, symbol, JavaScript code with scope) that old mongodump files can hold.
///
/// Equality is equality of the encoded bytes: doubles compare by bit pattern, so `-0.0` and `0.0`
/// differ and a NaN equals the same NaN; `.int32(1)` and `.int64(1)` differ.
public enum Value: Sendable {
    /// 0x01: a 64-bit IEEE 754 double.
    case double(Double)
    /// 0x02: a UTF-8 string (may contain U+0000).
    case string(String)
    /// 0x03: an embedded document.
    case document(Document)
    /// 0x04: an array (keys "0", "1", … on the wire).
    case array([Value])
    /// 0x05: binary data with a subtype.
    case binary(Binary)
    /// 0x06: undefined (deprecated).
    case undefined
    /// 0x07: an ObjectId.
    case objectID(ObjectID)
    /// 0x08: a boolean.
    case bool(Bool)
    /// 0x09: a UTC datetime in milliseconds since the Unix epoch.
    case datetime(Int64)
    /// 0x0A: null.
    case null
    /// 0x0B: a regular expression.
    case regex(RegularExpression)
    /// 0x0C: a DBPointer (deprecated).
    case dbPointer(DBPointer)
    /// 0x0D: JavaScript code.
    case javascript(String)
    /// 0x0E: a symbol (deprecated).
    case symbol(String)
    /// 0x0F: JavaScript code with a scope document (deprecated).
    case javascriptWithScope(code: String, scope: Document)
    /// 0x10: a 32-bit signed integer.
    case int32(Int32)
    /// 0x11: a MongoDB timestamp.
    case timestamp(Timestamp)
    /// 0x12: a 64-bit signed integer.
    case int64(Int64)
    /// 0x13: a 128-bit decimal.
    case decimal128(Decimal128)
    /// 0xFF: min key, less than every other value.
    case minKey
    /// 0x7F: max key, greater than every other value.
    case maxKey

    /// The BSON type byte this value is encoded with.
    public var typeByte: UInt8 {
        switch self {
        case .double: return 0x01
        case .string: return 0x02
        case .document: return 0x03
        case .array: return 0x04
        case .binary: return 0x05
        case .undefined: return 0x06
        case .objectID: return 0x07
        case .bool: return 0x08
        case .datetime: return 0x09
        case .null: return 0x0A
        case .regex: return 0x0B
        case .dbPointer: return 0x0C
        case .javascript: return 0x0D
        case .symbol: return 0x0E
        case .javascriptWithScope: return 0x0F
        case .int32: return 0x10
        case .timestamp: return 0x11
        case .int64: return 0x12
        case .decimal128: return 0x13
        case .minKey: return 0xFF
        case .maxKey: return 0x7F
        }
    }
}

extension Value {
    /// The string, if this is `.string`.
    public var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    /// The document, if this is `.document`.
    public var documentValue: Document? {
        if case let .document(value) = self { return value }
        return nil
    }

    /// The elements, if this is `.array`.
    public var arrayValue: [Value]? {
        if case let .array(value) = self { return value }
        return nil
    }

    /// The boolean, if this is `.bool`.
    public var boolValue: Bool? {
        if case let .bool(value) = self { return value }
        return nil
    }

    /// The integer, widened, if this is `.int32` or `.int64`.
    public var int64Value: Int64? {
        switch self {
        case let .int32(value): return Int64(value)
        case let .int64(value): return value
        default: return nil
        }
    }

    /// The double, if this is `.double`.
    public var doubleValue: Double? {
        if case let .double(value) = self { return value }
        return nil
    }

    /// The ObjectId, if this is `.objectID`.
    public var objectIDValue: ObjectID? {
        if case let .objectID(value) = self { return value }
        return nil
    }
}

extension Value: Equatable {
    /// Same type and same encoded payload (doubles by bit pattern).
    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case let (.double(a), .double(b)): return a.bitPattern == b.bitPattern
        case let (.string(a), .string(b)): return a == b
        case let (.document(a), .document(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.binary(a), .binary(b)): return a == b
        case (.undefined, .undefined), (.null, .null), (.minKey, .minKey), (.maxKey, .maxKey): return true
        case let (.objectID(a), .objectID(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case let (.datetime(a), .datetime(b)): return a == b
        case let (.regex(a), .regex(b)): return a == b
        case let (.dbPointer(a), .dbPointer(b)): return a == b
        case let (.javascript(a), .javascript(b)): return a == b
        case let (.symbol(a), .symbol(b)): return a == b
        case let (.javascriptWithScope(codeA, scopeA), .javascriptWithScope(codeB, scopeB)):
            return codeA == codeB && scopeA == scopeB
        case let (.int32(a), .int32(b)): return a == b
        case let (.timestamp(a), .timestamp(b)): return a == b
        case let (.int64(a), .int64(b)): return a == b
        case let (.decimal128(a), .decimal128(b)): return a == b
        default: return false
        }
    }
}

extension Value: Hashable {
    /// Hashes the type and payload, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(typeByte)
        switch self {
        case let .double(value): hasher.combine(value.bitPattern)
        case let .string(value), let .javascript(value), let .symbol(value): hasher.combine(value)
        case let .document(value): hasher.combine(value)
        case let .array(value): hasher.combine(value)
        case let .binary(value): hasher.combine(value)
        case .undefined, .null, .minKey, .maxKey: break
        case let .objectID(value): hasher.combine(value)
        case let .bool(value): hasher.combine(value)
        case let .datetime(value): hasher.combine(value)
        case let .regex(value): hasher.combine(value)
        case let .dbPointer(value): hasher.combine(value)
        case let .javascriptWithScope(code, scope):
            hasher.combine(code)
            hasher.combine(scope)
        case let .int32(value): hasher.combine(value)
        case let .timestamp(value): hasher.combine(value)
        case let .int64(value): hasher.combine(value)
        case let .decimal128(value): hasher.combine(value)
        }
    }
}

extension Value: ExpressibleByStringLiteral {
    /// A string literal is a `.string`.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

/// An interpolated string literal is a `.string` too.
extension Value: ExpressibleByStringInterpolation {}

extension Value: ExpressibleByBooleanLiteral {
    /// A boolean literal is a `.bool`.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension Value: ExpressibleByFloatLiteral {
    /// A floating-point literal is a `.double`.
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension Value: ExpressibleByIntegerLiteral {
    /// An integer literal is an `.int32` when it fits, else an `.int64` (the convention of MongoDB drivers).
    public init(integerLiteral value: Int64) {
        if let small = Int32(exactly: value) {
            self = .int32(small)
        } else {
            self = .int64(value)
        }
    }
}

extension Value: ExpressibleByArrayLiteral {
    /// An array literal is an `.array`.
    public init(arrayLiteral elements: Value...) {
        self = .array(elements)
    }
}

extension Value: ExpressibleByDictionaryLiteral {
    /// A dictionary literal is a `.document`, in the literal's order.
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .document(Document(elements))
    }
}
