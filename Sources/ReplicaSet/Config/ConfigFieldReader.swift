import BSON

/// Reads the typed fields of one object of a replica set config document, failing with the
/// codes and texts mongod's config parser (its IDL) gives, so a client sees what mongod says.
struct ConfigFieldReader {
    let document: Document
    /// The name mongod prefixes field paths with in its messages, e.g. `MemberConfig`.
    let path: String

    /// Refuses any field outside `allowed`, naming the first one in document order.
    func rejectUnknownFields(allowed: Set<String>, in objectName: String) throws(CommandError) {
        for key in document.keys where !allowed.contains(key) {
            throw .badValue("Unexpected field \(key) in \(objectName)")
        }
    }

    /// The value, or the missing-field error when the field is absent.
    func required<T>(_ value: T?, _ key: String) throws(CommandError) -> T {
        guard let value else { throw .missingRequiredField("BSON field '\(path).\(key)' is missing but a required field") }
        return value
    }

    func string(_ key: String) throws(CommandError) -> String? {
        guard let value = document[key] else { return nil }
        guard case let .string(text) = value else { throw wrongType(key, value, expected: "type 'string'") }
        return text
    }

    /// A strict boolean (IDL `bool`).
    func strictBool(_ key: String) throws(CommandError) -> Bool? {
        guard let value = document[key] else { return nil }
        guard case let .bool(flag) = value else { throw wrongType(key, value, expected: "type 'bool'") }
        return flag
    }

    /// IDL `safeBool`: a boolean, or a number read as "non-zero".
    func bool(_ key: String) throws(CommandError) -> Bool? {
        guard let value = document[key] else { return nil }
        if case let .bool(flag) = value { return flag }
        guard let number = BSONNumber.double(value) else {
            throw wrongType(key, value, expected: "types '[bool, long, int, decimal, double]'")
        }
        return number != 0
    }

    /// IDL `safeDouble`: any number.
    func double(_ key: String) throws(CommandError) -> Double? {
        guard let value = document[key] else { return nil }
        guard let number = BSONNumber.double(value) else {
            throw wrongType(key, value, expected: "types '[long, int, decimal, double]'")
        }
        return number
    }

    /// IDL `safeInt64` (votes, secondaryDelaySecs, protocolVersion): any number holding an integer.
    func integer(_ key: String) throws(CommandError) -> Int64? {
        guard let value = document[key] else { return nil }
        guard BSONNumber.double(value) != nil else {
            throw wrongType(key, value, expected: "types '[long, int, decimal, double]'")
        }
        return try exactInteger(key, value)
    }

    /// mongod's `smallExactInt64` (version, term, the timing settings), which words its type error differently.
    func smallExactInteger(_ key: String) throws(CommandError) -> Int64? {
        guard let value = document[key] else { return nil }
        guard BSONNumber.double(value) != nil else {
            throw .typeMismatch("Expected a number, got value of type \(BSONNumber.typeName(value)) for field \(key)")
        }
        return try exactInteger(key, value)
    }

    func subdocument(_ key: String) throws(CommandError) -> Document? {
        guard let value = document[key] else { return nil }
        guard case let .document(inner) = value else { throw wrongType(key, value, expected: "type 'object'") }
        return inner
    }

    func array(_ key: String) throws(CommandError) -> [Value]? {
        guard let value = document[key] else { return nil }
        guard case let .array(elements) = value else { throw wrongType(key, value, expected: "type 'array'") }
        return elements
    }

    func objectID(_ key: String) throws(CommandError) -> ObjectID? {
        guard let value = document[key] else { return nil }
        guard case let .objectID(id) = value else { throw wrongType(key, value, expected: "type 'objectId'") }
        return id
    }

    /// The IDL type error: "BSON field 'MemberConfig.priority' is the wrong type 'string', expected types '[…]'".
    func wrongType(_ key: String, _ value: Value, expected: String) -> CommandError {
        .typeMismatch("BSON field '\(path).\(key)' is the wrong type '\(BSONNumber.typeName(value))', expected \(expected)")
    }

    private func exactInteger(_ key: String, _ value: Value) throws(CommandError) -> Int64 {
        if let integer = BSONNumber.exactInteger(value) { return integer }
        let shown = BSONNumber.double(value).map(ConfigText.number) ?? "\(value)"
        throw .badValue("Expected field \"\(key)\" to have a value exactly representable as a 64-bit integer, but found \(key): \(shown)")
    }
}

/// Numbers as mongod's config parser accepts them: int32, int64, double or decimal128.
enum BSONNumber {
    static func double(_ value: Value) -> Double? {
        switch value {
        case let .int32(number): return Double(number)
        case let .int64(number): return Double(number)
        case let .double(number): return number
        case let .decimal128(number): return Double(number.description)
        default: return nil
        }
    }

    /// The integer the number holds exactly, or nil (fractions, NaN, out of the Int64 range).
    static func exactInteger(_ value: Value) -> Int64? {
        switch value {
        case let .int32(number): return Int64(number)
        case let .int64(number): return number
        default:
            guard let number = double(value), number.rounded() == number else { return nil }
            return Int64(exactly: number)
        }
    }

    /// mongod's name for a BSON type, as its messages print it.
    static func typeName(_ value: Value) -> String { value.typeAlias }
}

/// Text helpers shared by the config messages.
enum ConfigText {
    /// A number as mongod's messages print it: `2`, not `2.0`; fractions as they are.
    static func number(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// The IDL range failure: "BSON field 'MemberConfig.votes' value must be <= 1, actual value '2'".
    static func require(
        _ holds: Bool, _ field: String, _ comparison: String, _ bound: String, actual: String
    ) throws(CommandError) {
        guard holds else {
            throw .badValue("BSON field '\(field)' value must be \(comparison) \(bound), actual value '\(actual)'")
        }
    }
}

extension CommandError {
    /// A required config field is absent (mongod's IDL parser uses location code 40414).
    static func missingRequiredField(_ m: String) -> CommandError {
        .init(code: 40414, codeName: "Location40414", errmsg: m)
    }
}
