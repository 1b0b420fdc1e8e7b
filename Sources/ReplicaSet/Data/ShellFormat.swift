import BSON

/// Values written the way mongod's messages show them, e.g. the `{ _id: 1 }` of a duplicate key
/// error or the `{a: 5}` of a path error.
enum ShellFormat {
    /// `{ a: 1, b: "x" }`, mongod's document form in duplicate-key messages (empty: `{}`).
    static func spaced(_ document: Document) -> String {
        document.isEmpty ? "{}" : "{ " + document.map { "\($0.key): \(value($0.value))" }.joined(separator: ", ") + " }"
    }

    /// `{a: 1}`, the compact form mongod uses for an element in update errors.
    static func element(_ key: String, _ element: Value) -> String {
        "{\(key): \(value(element))}"
    }

    /// `{_id: 1}` or `{a: 1, b: 2}`, the compact form of a whole document.
    static func compact(_ document: Document) -> String {
        "{" + document.map { "\($0.key): \(value($0.value))" }.joined(separator: ", ") + "}"
    }

    static func value(_ value: Value) -> String {
        switch value {
        case let .double(number): return double(number)
        case let .string(text), let .symbol(text): return quoted(text)
        case let .document(document): return spaced(document)
        case let .array(elements): return elements.isEmpty ? "[]" : "[ " + elements.map(Self.value).joined(separator: ", ") + " ]"
        case let .binary(binary): return "BinData(\(binary.subtype), \(hex(binary.data)))"
        case .undefined: return "undefined"
        case let .objectID(id): return "ObjectId('\(id.hex)')"
        case let .bool(flag): return flag ? "true" : "false"
        case let .datetime(milliseconds): return "new Date(\(milliseconds))"
        case .null: return "null"
        case let .regex(regex): return "/\(regex.pattern)/\(regex.options)"
        case let .dbPointer(pointer): return "DBRef('\(pointer.namespace)', '\(pointer.id.hex)')"
        case let .javascript(code): return code
        case let .javascriptWithScope(code, _): return code
        case let .int32(number): return String(number)
        case let .timestamp(ts): return "Timestamp(\(ts.seconds), \(ts.increment))"
        case let .int64(number): return String(number)
        case let .decimal128(number): return "NumberDecimal(\"\(number)\")"
        case .minKey: return "MinKey"
        case .maxKey: return "MaxKey"
        }
    }

    /// Whole doubles keep a ".0" so they read differently from integers, as in mongod.
    private static func double(_ number: Double) -> String {
        if number.isNaN { return "nan.0" }
        if number.isInfinite { return number < 0 ? "-inf.0" : "inf.0" }
        return number.description
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }
}

extension String {
    /// Every occurrence of `target` replaced (a Foundation-free `replacingOccurrences`).
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
