import Crypto
import Foundation
import GRDB
import RaftCluster

/// One simulated Dqlite node's SQLite database: an in-memory database with the controller
/// schema, on which the node's host runs the statements of committed entries
/// (`RaftDirective.apply`) and the reads the node accepted (`RaftDirective.query`).
///
/// Every node applies the same statements in the same order, so the databases stay equal as
/// long as no statement reads the wall clock or draws randomness: statements pass the simulated
/// clock's reading as parameters (see `LeaseStatements`). `export()` and `digest()` let a
/// checker compare nodes.
public final class NodeDatabase: Sendable {
    private let queue: DatabaseQueue
    /// Statements prepared on the queue's one connection, by SQL; touched only inside the
    /// queue's serialized closures.
    nonisolated(unsafe) private var prepared: [String: Statement] = [:]

    /// The bookkeeping table of GRDB's migrator: the same on every node, never exported.
    static let migrationsTable = "grdb_migrations"

    /// A fresh database with every migration applied.
    public init() throws {
        do {
            var configuration = Configuration()
            configuration.label = "DqliteStore.NodeDatabase"
            configuration.foreignKeysEnabled = true
            queue = try DatabaseQueue(configuration: configuration)
            try ControllerSchema.migrator().migrate(queue)
        } catch let error as ControllerSchema.MigrationFileError {
            throw error
        } catch {
            throw SQLFailure(error)
        }
    }

    // MARK: Statements

    /// Runs a write (the statement of an EXEC_SQL entry), in a transaction of its own: if any
    /// part of it fails, the database is left as it was and the failure carries SQLite's
    /// extended code and message. The result is what Dqlite's RESULT carries,
    /// `sqlite3_last_insert_rowid` and `sqlite3_changes` after the statement.
    ///
    /// SQL text holding several statements runs them in order, handing each the parameters it
    /// needs, in order.
    @discardableResult
    public func apply(_ statement: SQLStatement) throws -> (lastInsertID: Int64, rowsAffected: Int64) {
        do {
            return try queue.write { db in
                try self.execute(statement, in: db)
                return (db.lastInsertedRowID, Int64(db.changesCount))
            }
        } catch {
            throw SQLFailure(error)
        }
    }

    /// One statement is prepared once per connection and reused (the same few statements
    /// arrive thousands of times); SQL holding several statements is run as a script.
    private func execute(_ statement: SQLStatement, in db: Database) throws {
        let arguments = StatementArguments(statement.parameters.map(\.databaseValue))
        guard !statement.sql.utf8.contains(UInt8(ascii: ";")) else { return try db.execute(sql: statement.sql, arguments: arguments) }
        let reused = try prepared[statement.sql] ?? db.makeStatement(sql: statement.sql)
        do {
            try reused.execute(arguments: arguments)
            prepared[statement.sql] = reused
        } catch {
            // A statement that failed keeps its error state: the next use prepares it afresh.
            prepared[statement.sql] = nil
            throw error
        }
    }

    /// Runs a write and rolls it back: what the statement would do here, without doing it.
    /// Dqlite executes an EXEC on the leader before it replicates anything, and answers a
    /// statement that fails with SQLite's error; this gives the host that answer.
    public func trial(_ statement: SQLStatement) throws -> (lastInsertID: Int64, rowsAffected: Int64) {
        var outcome: (Int64, Int64) = (0, 0)
        do {
            try queue.inDatabase { db in
                try db.inSavepoint {
                    try self.execute(statement, in: db)
                    outcome = (db.lastInsertedRowID, Int64(db.changesCount))
                    return .rollback
                }
            }
        } catch {
            throw SQLFailure(error)
        }
        return outcome
    }

    /// Runs a read (a QUERY_SQL the node accepted) on a read-only connection: a statement that
    /// would write fails with SQLITE_READONLY (8) instead of changing this node alone. One
    /// statement only. Values are typed as Dqlite types them on the wire (see `DeclaredType`):
    /// a NULL in a time column reads as ISO8601 `""`, in a boolean column as false.
    public func query(_ statement: SQLStatement) throws -> QueryResult {
        do {
            return try queue.read { db in
                let prepared = try db.makeStatement(sql: statement.sql)
                try prepared.setArguments(StatementArguments(statement.parameters.map(\.databaseValue)))
                let (columns, rows) = try prepared.readAll(nulls: .wire)
                return QueryResult(columns: columns, rows: rows)
            }
        } catch {
            throw SQLFailure(error)
        }
    }

    // MARK: Contents

    /// The tables, sorted by name; SQLite's own tables and the migrator's bookkeeping left out.
    public func tables() -> [String] {
        (try? queue.read { db in try Self.tableNames(db) }) ?? []
    }

    /// Every table's rows (see `TableExport`); NULLs stay NULL.
    public func export() throws -> [TableExport] {
        do {
            return try queue.read { db in try Self.export(db) }
        } catch {
            throw SQLFailure(error)
        }
    }

    /// Lower-case hex SHA-256 over the schema (`sqlite_master`), the export and the
    /// AUTOINCREMENT counters (`sqlite_sequence`, which decide the next ids): equal digests mean
    /// the nodes will also answer the next statements the same way.
    public func digest() -> String {
        do {
            return try queue.read { db in
                var hasher = CanonicalHasher()
                let schema = try db.makeStatement(sql: "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
                    .readAll(nulls: .stored)
                hasher.add(table: "sqlite_master", columns: schema.columns, rows: schema.rows)
                for table in try Self.export(db) {
                    hasher.add(table: table.name, columns: table.columns, rows: table.rows)
                }
                if try db.tableExists("sqlite_sequence") {
                    let sequence = try db.makeStatement(sql: "SELECT name, seq FROM sqlite_sequence ORDER BY name")
                        .readAll(nulls: .stored)
                    hasher.add(table: "sqlite_sequence", columns: sequence.columns, rows: sequence.rows)
                }
                return hasher.finalize()
            }
        } catch {
            return "unreadable: \(SQLFailure(error))"
        }
    }

    // MARK: Helpers

    static func tableNames(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master
            WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ?
            ORDER BY name
            """, arguments: [migrationsTable])
    }

    static func export(_ db: Database) throws -> [TableExport] {
        try tableNames(db).map { name in
            // GRDB reports the hidden rowid as the primary key of a table without one.
            let order = try db.primaryKey(name).columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
            let (columns, rows) = try db.makeStatement(sql: "SELECT * FROM \(name.quotedDatabaseIdentifier) ORDER BY \(order)")
                .readAll(nulls: .stored)
            return TableExport(name: name, columns: columns, rows: rows)
        }
    }
}

/// SHA-256 over an unambiguous encoding: every string and value carries its type and length.
struct CanonicalHasher {
    private var hash = SHA256()

    mutating func add(table: String, columns: [String], rows: [[SQLValue]]) {
        add(text: table)
        add(count: columns.count)
        columns.forEach { add(text: $0) }
        add(count: rows.count)
        for row in rows {
            for value in row { add(value) }
        }
    }

    mutating func add(_ value: SQLValue) {
        hash.update(data: [value.wireType])
        switch value {
        case .integer(let v), .unixTime(let v): add(integer: UInt64(bitPattern: v))
        case .float(let v): add(integer: v.bitPattern)
        case .text(let v), .iso8601(let v): add(text: v)
        case .blob(let v):
            add(count: v.count)
            hash.update(data: v)
        case .null: break
        case .boolean(let v): hash.update(data: [v ? 1 : 0])
        }
    }

    private mutating func add(text: String) {
        let bytes = Array(text.utf8)
        add(count: bytes.count)
        hash.update(data: bytes)
    }

    private mutating func add(count: Int) { add(integer: UInt64(count)) }

    private mutating func add(integer: UInt64) {
        withUnsafeBytes(of: integer.littleEndian) { hash.update(bufferPointer: $0) }
    }

    func finalize() -> String {
        hash.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
