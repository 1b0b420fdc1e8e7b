import BSON
import RaftCluster

/// Rows of modern tables that no legacy document produced (a modern controller's own data)
/// travel in a legacy archive as collections `juju.modern.<table>`: a document per row, `_id`
/// its primary key, then one field per column with the value's own type. Reading them back
/// writes the same rows. (Juju 1.x has no collection of that name.)
enum ModernNative {
    static let database = "juju"
    static let prefix = "modern."

    /// The table a native collection holds, or nil for any other collection.
    static func table(database: String, collection: String) -> String? {
        guard database == Self.database, collection.hasPrefix(prefix) else { return nil }
        return String(collection.dropFirst(prefix.count))
    }

    static func value(_ column: SQLValue) -> Value {
        switch column {
        case .integer(let v), .unixTime(let v): return .int64(v)
        case .float(let v): return .double(v)
        case .text(let v), .iso8601(let v): return .string(v)
        case .blob(let v): return .binary(Binary(subtype: Binary.Subtype.generic, data: v))
        case .null: return .null
        case .boolean(let v): return .bool(v)
        }
    }

    static func column(_ value: Value) throws -> SQLValue {
        switch value {
        case .int64(let v): return .integer(v)
        case .int32(let v): return .integer(Int64(v))
        case .double(let v): return .float(v)
        case .string(let v): return .text(v)
        case .binary(let b) where b.subtype == Binary.Subtype.generic: return .blob(b.data)
        case .null: return .null
        case .bool(let v): return .boolean(v)
        default: throw FieldProblem("is \(typeName(value)), which no column type holds")
        }
    }
}

