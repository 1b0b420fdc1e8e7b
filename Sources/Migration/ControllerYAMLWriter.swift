import Foundation
import GRDB
import GRDBSQLite
import RaftCluster

/// Writes `dump/controller.yaml` (the layout `ControllerExport` decodes: version, then each
/// table's name, columns and typed rows) straight from the pivot, a row at a time, into a file:
/// memory does not grow with the tables. Strings are double-quoted with escapes, so any text
/// reads back unchanged.
struct ControllerYAMLWriter {
    /// Tables whose rows never go into controller.yaml (it lists the table, empty): documents
    /// without a home travel as BSON under juju-backup/legacy/.
    static let excluded: Set<String> = ["legacy_document"]

    static func write(_ db: Database, to path: String) throws -> [String: Int] {
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw MigrationError.io("cannot write \(path)")
        }
        defer { try? file.close() }
        var out = BufferedOutput(file)
        var counts: [String: Int] = [:]
        out.append("version: 1\ntables:\n")
        for table in try TableKeys.tableNames(db) {
            let statement = try db.makeStatement(sql: "SELECT * FROM \"\(table)\"\(excluded.contains(table) ? " WHERE 0" : "") ORDER BY rowid")
            let handle = statement.sqliteStatement
            let count = Int(sqlite3_column_count(handle))
            let declared = (0..<count).map { Self.declared(sqlite3_column_decltype(handle, Int32($0))) }
            out.append("- name: \(quoted(table))\n")
            out.append(count == 0 ? "  columns: []\n" : "  columns:\n")
            for name in statement.columnNames { out.append("  - \(quoted(name))\n") }
            var rows = 0
            while true {
                let status = sqlite3_step(handle)
                if status == SQLITE_DONE { break }
                guard status == SQLITE_ROW else { throw MigrationError.sql(String(cString: sqlite3_errmsg(db.sqliteConnection))) }
                if rows == 0 { out.append("  rows:\n") }
                rows += 1
                for index in 0..<count {
                    out.append(index == 0 ? "  - - " : "    - ")
                    out.append(yaml(sqlValue(handle, Int32(index), declared[index])))
                    out.append("\n")
                }
                if count == 0 { out.append("  - []\n") }
            }
            sqlite3_reset(handle)
            if rows == 0 { out.append("  rows: []\n") }
            counts[table] = rows
        }
        try out.flush()
        return counts
    }

    enum Declared { case other, time, boolean }

    static func declared(_ name: UnsafePointer<CChar>?) -> Declared {
        guard let name else { return .other }
        switch String(cString: name).uppercased() {
        case "DATETIME", "DATE", "TIMESTAMP": return .time
        case "BOOLEAN": return .boolean
        default: return .other
        }
    }

    /// The column's value as DqliteStore exports it (typed by the declared type; NULL stays NULL).
    static func sqlValue(_ handle: OpaquePointer, _ index: Int32, _ declared: Declared) -> SQLValue {
        switch (sqlite3_column_type(handle, index), declared) {
        case (SQLITE_NULL, _): return .null
        case (SQLITE_INTEGER, .time): return .unixTime(sqlite3_column_int64(handle, index))
        case (SQLITE_INTEGER, .boolean): return .boolean(sqlite3_column_int64(handle, index) != 0)
        case (SQLITE_INTEGER, _): return .integer(sqlite3_column_int64(handle, index))
        case (SQLITE_FLOAT, _): return .float(sqlite3_column_double(handle, index))
        case (SQLITE_TEXT, let kind):
            let count = Int(sqlite3_column_bytes(handle, index))
            let text = String(decoding: UnsafeRawBufferPointer(start: sqlite3_column_text(handle, index), count: count), as: UTF8.self)
            return kind == .time ? .iso8601(text) : .text(text)
        default:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard count > 0, let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        }
    }

    private func value(_ handle: OpaquePointer, _ index: Int32, _ declared: Declared) -> String {
        Self.yaml(Self.sqlValue(handle, index, declared))
    }

    /// `{kind: value}` as `ExportedValue` decodes it.
    static func yaml(_ value: SQLValue) -> String {
        switch value {
        case .integer(let v): return "integer: \(v)"
        case .float(let v):
            if v.isNaN { return "float: .nan" }
            if v.isInfinite { return v < 0 ? "float: -.inf" : "float: .inf" }
            return "float: \(v)"
        case .text(let v): return "text: \(quoted(v))"
        case .blob(let v): return "blob: \(quoted(Data(v).base64EncodedString()))"
        case .null: return "null: true"
        case .unixTime(let v): return "unixtime: \(v)"
        case .iso8601(let v): return "iso8601: \(quoted(v))"
        case .boolean(let v): return "boolean: \(v)"
        }
    }
}

/// A YAML double-quoted scalar: printable characters as they are, everything else escaped.
func quoted(_ text: String) -> String {
    if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) { return "\"" + text + "\"" }
    var out = "\""
    out.reserveCapacity(text.utf8.count + 2)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            let v = scalar.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF {
                let hex = String(v, radix: 16, uppercase: true)
                out += v <= 0xFF ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                    : "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// Appends text to a file through a 1 MiB buffer.
struct BufferedOutput {
    let file: FileHandle
    var buffer: [UInt8] = []

    init(_ file: FileHandle) {
        self.file = file
        buffer.reserveCapacity(1 << 20)
    }

    mutating func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { file.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
    }

    mutating func flush() throws {
        if !buffer.isEmpty { file.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
    }
}
