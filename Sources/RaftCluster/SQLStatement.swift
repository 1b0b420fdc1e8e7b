/// A value bound to a statement parameter, with the Dqlite wire tuple types (spec §5.2,
/// `src/tuple.c`): 1 INTEGER, 2 FLOAT, 3 TEXT, 4 BLOB, 5 NULL, 9 UNIXTIME, 10 ISO8601, 11 BOOLEAN.
public enum SQLValue: Codable, Sendable, Hashable, CustomStringConvertible {
    case integer(Int64)
    case float(Double)
    case text(String)
    case blob([UInt8])
    case null
    case unixTime(Int64)
    case iso8601(String)
    case boolean(Bool)

    public var wireType: UInt8 {
        switch self {
        case .integer: return 1
        case .float: return 2
        case .text: return 3
        case .blob: return 4
        case .null: return 5
        case .unixTime: return 9
        case .iso8601: return 10
        case .boolean: return 11
        }
    }

    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .float(let v): return String(v)
        case .text(let v): return "'" + v.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
        case .blob(let v): return "x'" + v.map { String($0, radix: 16).leftPadded(to: 2) }.joined() + "'"
        case .null: return "NULL"
        case .unixTime(let v): return "unixtime(\(v))"
        case .iso8601(let v): return "'\(v)'"
        case .boolean(let v): return v ? "TRUE" : "FALSE"
        }
    }
}

/// SQL text with its parameters, as EXEC_SQL and QUERY_SQL carry them. The Raft model never
/// looks inside: it replicates the statement and the host runs it.
public struct SQLStatement: Codable, Sendable, Hashable, CustomStringConvertible {
    public var sql: String
    public var parameters: [SQLValue]

    public init(_ sql: String, _ parameters: [SQLValue] = []) {
        self.sql = sql
        self.parameters = parameters
    }

    public var description: String {
        parameters.isEmpty ? sql : sql + " -- " + parameters.map(\.description).joined(separator: ", ")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
