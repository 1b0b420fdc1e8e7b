import BSON
import Crypto
import RaftCluster

/// How one top-level field of a legacy document becomes one column, and back. A field is
/// mapped only when it has exactly the BSON type the mapping expects; any other type stops the
/// migration (a collection with unexpected types is not guessed at).
enum FieldKind: Sendable {
    case string
    case int32
    case bool
    /// Juju's life, an int32 0 (alive), 1 (dying) or 2 (dead).
    case life
    /// A machine status string, stored as its machine_status_value id.
    case machineStatus

    static let machineStatuses = ["error", "started", "pending", "stopped", "down"]

    var expected: String {
        switch self {
        case .string: return "a string"
        case .int32, .life: return "a 32-bit integer"
        case .bool: return "a boolean"
        case .machineStatus: return "a machine status string"
        }
    }

    /// The column value for `value`, or a reason it cannot be mapped.
    func column(_ value: Value, field: String) throws -> SQLValue {
        switch (self, value) {
        case (.string, .string(let text)): return .text(text)
        case (.int32, .int32(let n)): return .integer(Int64(n))
        case (.bool, .bool(let b)): return .boolean(b)
        case (.life, .int32(let n)):
            guard (0...2).contains(n) else { throw FieldProblem("field \"\(field)\" is life \(n); life is 0 (alive), 1 (dying) or 2 (dead)") }
            return .integer(Int64(n))
        case (.machineStatus, .string(let text)):
            guard let id = Self.machineStatuses.firstIndex(of: text) else {
                throw FieldProblem("field \"\(field)\" is machine status \"\(text)\", not one of \(Self.machineStatuses.joined(separator: ", "))")
            }
            return .integer(Int64(id))
        default:
            throw FieldProblem("field \"\(field)\" is \(typeName(value)), expected \(expected)")
        }
    }

    /// The BSON value a column holds, as the field had it.
    func value(_ column: SQLValue, field: String) throws -> Value {
        switch (self, column) {
        case (.string, .text(let text)): return .string(text)
        case (.int32, .integer(let n)), (.life, .integer(let n)):
            guard let small = Int32(exactly: n) else { throw FieldProblem("column for \"\(field)\" holds \(n), beyond a 32-bit integer") }
            return .int32(small)
        case (.bool, .boolean(let b)): return .bool(b)
        case (.bool, .integer(let n)): return .bool(n != 0)
        case (.machineStatus, .integer(let n)):
            guard n >= 0, Int(n) < Self.machineStatuses.count else { throw FieldProblem("column for \"\(field)\" holds unknown machine status id \(n)") }
            return .string(Self.machineStatuses[Int(n)])
        default:
            throw FieldProblem("column for \"\(field)\" holds \(column), which is not \(expected)")
        }
    }
}

struct FieldProblem: Error, CustomStringConvertible {
    var description: String
    init(_ text: String) { description = text }
}

/// BSON's name for a value's type, as MongoDB's `$type` calls it.
func typeName(_ value: Value) -> String {
    switch value {
    case .double: return "a double"
    case .string: return "a string"
    case .document: return "an embedded document"
    case .array: return "an array"
    case .binary: return "binary data"
    case .undefined: return "undefined"
    case .objectID: return "an ObjectId"
    case .bool: return "a boolean"
    case .datetime: return "a date"
    case .null: return "null"
    case .regex: return "a regular expression"
    case .dbPointer: return "a DBPointer"
    case .javascript: return "JavaScript code"
    case .symbol: return "a symbol"
    case .javascriptWithScope: return "JavaScript code with scope"
    case .int32: return "a 32-bit integer"
    case .timestamp: return "a timestamp"
    case .int64: return "a 64-bit integer"
    case .decimal128: return "a decimal128"
    case .minKey: return "MinKey"
    case .maxKey: return "MaxKey"
    }
}

/// A uuid derived from what identifies a legacy document, so the same document always gets the
/// same row id and references between collections (a unit's service) need no lookup.
func derivedUUID(_ kind: String, _ key: String) -> String {
    var bytes = Array(SHA256.hash(data: Array("quorum-migration\u{0}\(kind)\u{0}\(key)".utf8)).prefix(16))
    bytes[6] = (bytes[6] & 0x0F) | 0x50
    bytes[8] = (bytes[8] & 0x3F) | 0x80
    let hex = bytes.map { byte -> String in
        let digits = String(byte, radix: 16)
        return byte < 16 ? "0" + digits : digits
    }.joined()
    let h = Array(hex)
    return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
}

/// A primary-key value of a row as text, the columns joined by U+001F.
func rowKey(_ values: [SQLValue]) -> String {
    values.map { value -> String in
        switch value {
        case .text(let v), .iso8601(let v): return v
        case .integer(let v), .unixTime(let v): return String(v)
        case .float(let v): return String(v)
        case .boolean(let v): return v ? "1" : "0"
        case .null: return ""
        case .blob(let v): return v.map { String($0) }.joined(separator: ",")
        }
    }.joined(separator: "\u{1F}")
}

/// Text for a config or constraint value: strings as they are, anything else as canonical
/// extended JSON of `{"v": value}`.
func configText(_ value: Value) -> String {
    if case .string(let text) = value { return text }
    let wrapped: Document = ["v": value]
    return (try? wrapped.canonicalExtendedJSON) ?? ""
}
