import BSON

/// MongoDB's comparison brackets ("canonical types"). Values in different brackets compare by
/// bracket alone, so every number sorts before every string whatever its value.
enum TypeBracket: Int, Comparable {
    case minKey
    /// Null and the deprecated undefined, which also stands for a missing field.
    case nullish
    case number
    /// Strings and the deprecated symbols.
    case string
    case object
    case array
    case binData
    case objectID
    case bool
    case date
    case timestamp
    case regex
    case dbPointer
    case javascript
    case javascriptWithScope
    case maxKey

    static func < (a: TypeBracket, b: TypeBracket) -> Bool { a.rawValue < b.rawValue }
}

extension Value {
    /// The comparison bracket this value sorts in.
    var typeBracket: TypeBracket {
        switch self {
        case .minKey: return .minKey
        case .null, .undefined: return .nullish
        case .double, .int32, .int64, .decimal128: return .number
        case .string, .symbol: return .string
        case .document: return .object
        case .array: return .array
        case .binary: return .binData
        case .objectID: return .objectID
        case .bool: return .bool
        case .datetime: return .date
        case .timestamp: return .timestamp
        case .regex: return .regex
        case .dbPointer: return .dbPointer
        case .javascript: return .javascript
        case .javascriptWithScope: return .javascriptWithScope
        case .maxKey: return .maxKey
        }
    }

    /// Null or undefined: what an equality-to-null query and a missing field have in common.
    var isNullish: Bool { typeBracket == .nullish }
}

/// The total order MongoDB uses to sort values, key `_id`s and evaluate equality in queries
/// (so `1`, `1.0` and `NumberLong(1)` are the same value, but `1` and `"1"` are not).
public enum ValueOrder {
    /// Negative, zero or positive as `a` sorts before, with or after `b`.
    public static func compare(_ a: Value, _ b: Value) -> Int {
        let bracketA = a.typeBracket, bracketB = b.typeBracket
        if bracketA != bracketB { return bracketA < bracketB ? -1 : 1 }
        return compareWithinBracket(a, b)
    }

    /// Whether a query considers the two values equal.
    public static func equal(_ a: Value, _ b: Value) -> Bool {
        compare(a, b) == 0
    }

    /// Whether `a` sorts strictly before `b`.
    public static func less(_ a: Value, _ b: Value) -> Bool {
        compare(a, b) < 0
    }

    /// Documents compare element by element: bracket of the value, then field name, then value;
    /// a document that is a prefix of the other sorts first.
    public static func compare(_ a: Document, _ b: Document) -> Int {
        var left = a.makeIterator(), right = b.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (l?, r?):
                let bracketL = l.value.typeBracket, bracketR = r.value.typeBracket
                if bracketL != bracketR { return bracketL < bracketR ? -1 : 1 }
                let names = compareBytes(l.key, r.key)
                if names != 0 { return names }
                let values = compareWithinBracket(l.value, r.value)
                if values != 0 { return values }
            }
        }
    }

    /// Arrays compare element by element, the shorter prefix first.
    static func compare(_ a: [Value], _ b: [Value]) -> Int {
        for (l, r) in zip(a, b) {
            let result = compare(l, r)
            if result != 0 { return result }
        }
        return sign(a.count, b.count)
    }

    /// Compares two values already known to share a bracket.
    private static func compareWithinBracket(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.minKey, .minKey), (.maxKey, .maxKey): return 0
        case (.null, _), (.undefined, _): return 0
        case (.double, _), (.int32, _), (.int64, _), (.decimal128, _): return NumberOrder.compare(a, b)
        case let (.document(l), .document(r)): return compare(l, r)
        case let (.array(l), .array(r)): return compare(l, r)
        case let (.binary(l), .binary(r)): return compareBinary(l, r)
        case let (.objectID(l), .objectID(r)): return l == r ? 0 : (l < r ? -1 : 1)
        case let (.bool(l), .bool(r)): return sign(l ? 1 : 0, r ? 1 : 0)
        case let (.datetime(l), .datetime(r)): return sign(l, r)
        case let (.timestamp(l), .timestamp(r)): return l == r ? 0 : (l < r ? -1 : 1)
        case let (.regex(l), .regex(r)): return compareRegex(l, r)
        case let (.dbPointer(l), .dbPointer(r)): return compareDBPointer(l, r)
        case let (.javascript(l), .javascript(r)): return compareBytes(l, r)
        case let (.javascriptWithScope(codeL, scopeL), .javascriptWithScope(codeR, scopeR)):
            let code = compareBytes(codeL, codeR)
            return code != 0 ? code : compare(scopeL, scopeR)
        default:
            // The string bracket: strings and symbols compare by their UTF-8 bytes.
            return compareBytes(a.stringOrSymbol ?? "", b.stringOrSymbol ?? "")
        }
    }

    /// BinData sorts by length, then subtype, then bytes.
    private static func compareBinary(_ a: Binary, _ b: Binary) -> Int {
        if a.data.count != b.data.count { return sign(a.data.count, b.data.count) }
        if a.subtype != b.subtype { return sign(a.subtype, b.subtype) }
        return compareBytes(a.data, b.data)
    }

    private static func compareRegex(_ a: RegularExpression, _ b: RegularExpression) -> Int {
        let pattern = compareBytes(a.pattern, b.pattern)
        return pattern != 0 ? pattern : compareBytes(a.options, b.options)
    }

    private static func compareDBPointer(_ a: DBPointer, _ b: DBPointer) -> Int {
        let lengths = sign(a.namespace.utf8.count, b.namespace.utf8.count)
        if lengths != 0 { return lengths }
        let names = compareBytes(a.namespace, b.namespace)
        if names != 0 { return names }
        return compareBytes(a.id.bytes, b.id.bytes)
    }

    /// Binary comparison of UTF-8, as mongod's `strcmp`-style string order (not Unicode collation).
    static func compareBytes(_ a: String, _ b: String) -> Int {
        compareBytes(a.utf8, b.utf8)
    }

    static func compareBytes<Bytes: Sequence>(_ a: Bytes, _ b: Bytes) -> Int where Bytes.Element == UInt8 {
        var left = a.makeIterator(), right = b.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (l?, r?): if l != r { return l < r ? -1 : 1 }
            }
        }
    }

    static func sign<T: Comparable>(_ a: T, _ b: T) -> Int {
        a < b ? -1 : (a == b ? 0 : 1)
    }
}

extension Value {
    /// The text of a string or symbol, which share the string bracket.
    var stringOrSymbol: String? {
        switch self {
        case let .string(text), let .symbol(text): return text
        default: return nil
        }
    }
}
