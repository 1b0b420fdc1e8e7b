import Foundation
import GRDB
import GRDBSQLite
import RaftCluster

/// Rows a QUERY_SQL returns: column names in the statement's order, then the rows in the order
/// the statement produced them (a query that needs an order says ORDER BY).
public struct QueryResult: Codable, Sendable, Hashable {
    public var columns: [String]
    public var rows: [[SQLValue]]

    public init(columns: [String], rows: [[SQLValue]]) {
        self.columns = columns
        self.rows = rows
    }
}

/// Every row of one table, for format-2 backups and for comparing nodes: columns in declaration
/// order; rows ordered by the primary key (by rowid for a table without one).
public struct TableExport: Codable, Sendable, Hashable {
    public var name: String
    public var columns: [String]
    public var rows: [[SQLValue]]

    public init(name: String, columns: [String], rows: [[SQLValue]]) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }
}

// MARK: - Binding

extension SQLValue {
    /// The value SQLite binds, as Dqlite's `bind.c` does: UNIXTIME as an integer, ISO8601 as
    /// text, BOOLEAN as the integer 0 or 1.
    public var databaseValue: DatabaseValue {
        switch self {
        case .integer(let v): return v.databaseValue
        case .float(let v): return v.databaseValue
        case .text(let v): return v.databaseValue
        case .blob(let v): return Data(v).databaseValue
        case .null: return .null
        case .unixTime(let v): return v.databaseValue
        case .iso8601(let v): return v.databaseValue
        case .boolean(let v): return (v ? 1 as Int64 : 0).databaseValue
        }
    }
}

// MARK: - Reading

/// How a result column's declared type changes the type Dqlite reports (canonical/dqlite
/// `src/query.c`, `valueType`): a column declared `DATETIME`, `DATE` or `TIMESTAMP` (exactly,
/// any case) reports ISO8601 for text and NULL and UNIXTIME for integers; one declared
/// `BOOLEAN` reports BOOLEAN. Expressions have no declared type.
enum DeclaredType {
    case other, time, boolean

    init(_ name: UnsafePointer<CChar>?) {
        guard let name else { self = .other; return }
        switch String(cString: name).uppercased() {
        case "DATETIME", "DATE", "TIMESTAMP": self = .time
        case "BOOLEAN": self = .boolean
        default: self = .other
        }
    }
}

/// What a NULL in a time or boolean column becomes.
enum NullReading {
    /// As Dqlite puts it on the wire: ISO8601 `""` in a time column, BOOLEAN false in a boolean
    /// column (`encodeRow` reads them with `sqlite3_column_text` / `sqlite3_column_int64`).
    case wire
    /// NULL, as stored (exports).
    case stored
}

extension SQLValue {
    init(_ value: DatabaseValue, declared: DeclaredType, nulls: NullReading) {
        switch (value.storage, declared) {
        case (.null, .time): self = nulls == .wire ? .iso8601("") : .null
        case (.null, .boolean): self = nulls == .wire ? .boolean(false) : .null
        case (.null, .other): self = .null
        case (.int64(let v), .time): self = .unixTime(v)
        case (.int64(let v), .boolean): self = .boolean(v != 0)
        case (.int64(let v), .other): self = .integer(v)
        case (.double(let v), _): self = .float(v)
        case (.string(let v), .time): self = .iso8601(v)
        case (.string(let v), _): self = .text(v)
        case (.blob(let v), _): self = .blob([UInt8](v))
        }
    }
}

extension Statement {
    /// Steps the statement to the end, reading every row.
    func readAll(nulls: NullReading) throws -> (columns: [String], rows: [[SQLValue]]) {
        let count = Int(columnCount)
        let declared = (0..<count).map { DeclaredType(sqlite3_column_decltype(sqliteStatement, Int32($0))) }
        var rows: [[SQLValue]] = []
        let cursor = try Row.fetchCursor(self)
        while let row = try cursor.next() {
            var values: [SQLValue] = []
            values.reserveCapacity(count)
            for index in 0..<count {
                let value: DatabaseValue = row[index]
                values.append(SQLValue(value, declared: declared[index], nulls: nulls))
            }
            rows.append(values)
        }
        return (columnNames, rows)
    }
}
