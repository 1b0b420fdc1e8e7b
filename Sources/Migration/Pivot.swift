import DqliteStore
import Foundation
import GRDB
import GRDBSQLite
import RaftCluster

/// The SQLite pivot of a migration: a database file with the modern schema (`Migrations/*.sql`,
/// through `ControllerSchema.migrator()`), in a private directory beside the output, removed
/// when the migration ends. Bulk writes go through prepared statements bound with SQLite's C API
/// inside large transactions; journal and syncing are off, since the file never outlives the run.
final class Pivot {
    let directory: String
    let queue: DatabaseQueue

    /// Creates the directory `<near>/.quorum-migrate-<pid>-<n>/` and the database in it.
    init(near outputPath: String) throws {
        let parent = (outputPath as NSString).deletingLastPathComponent
        Self.removeAbandoned(in: parent.isEmpty ? "." : parent)
        var attempt = 0
        var candidate: String
        repeat {
            attempt += 1
            candidate = (parent.isEmpty ? "." : parent) + "/\(Self.prefix)\(getpid())-\(attempt)"
        } while FileManager.default.fileExists(atPath: candidate)
        do {
            try FileManager.default.createDirectory(atPath: candidate, withIntermediateDirectories: false)
        } catch {
            throw MigrationError.io("cannot create the pivot directory \(candidate): \(error.localizedDescription)")
        }
        directory = candidate
        do {
            var configuration = Configuration()
            configuration.label = "Migration.Pivot"
            configuration.foreignKeysEnabled = false
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY")
            }
            queue = try DatabaseQueue(path: candidate + "/pivot.sqlite", configuration: configuration)
            try ControllerSchema.migrator().migrate(queue)
        } catch {
            try? FileManager.default.removeItem(atPath: candidate)
            throw MigrationError.io("cannot create the pivot database: \(error)")
        }
    }

    /// Removes pivot directories in `parent` whose migration was killed (its process is gone):
    /// SIGKILL gives a run no chance to clean up, so the next run does.
    static func removeAbandoned(in parent: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count).prefix { $0 != "-" }), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: parent + "/" + name)
            }
        }
    }

    static let prefix = ".quorum-migrate-"

    /// Removes the pivot's directory and everything in it.
    func remove() {
        try? queue.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `body` on the pivot's connection; a transaction it leaves open after a failure is
    /// rolled back.
    func access<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.inDatabase { db in
            do {
                return try body(db)
            } catch {
                if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
                throw error
            }
        }
    }

    /// A scratch file path inside the pivot's directory.
    func scratch(_ name: String) -> String { directory + "/" + name }
}

/// A prepared statement run many times with SQLite's bind calls: no argument arrays, no copies
/// of blobs (they are bound for the duration of the step only).
final class BulkStatement {
    private let statement: Statement
    private var handle: OpaquePointer { statement.sqliteStatement }
    let sql: String

    init(_ db: Database, _ sql: String) throws {
        self.sql = sql
        statement = try db.makeStatement(sql: sql)
    }

    func bind(_ index: Int32, _ value: SQLValue) {
        switch value {
        case .integer(let v), .unixTime(let v): sqlite3_bind_int64(handle, index, v)
        case .float(let v): sqlite3_bind_double(handle, index, v)
        case .text(let v), .iso8601(let v): bindText(index, v)
        case .blob(let v):
            v.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32($0.count), SQLITE_TRANSIENT_VALUE) }
        case .null: sqlite3_bind_null(handle, index)
        case .boolean(let v): sqlite3_bind_int64(handle, index, v ? 1 : 0)
        }
    }

    func bindText(_ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = sqlite3_bind_text(handle, index, UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                .assumingMemoryBound(to: CChar.self), Int32(bytes.count), SQLITE_TRANSIENT_VALUE)
        }
    }

    /// Binds UTF-8 text that stays valid until the next `step()` returns.
    func bindText(_ index: Int32, pointer: UnsafePointer<CChar>, length: Int) {
        sqlite3_bind_text(handle, index, pointer, Int32(length), nil)
    }

    func bindInt(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }
    func bindNull(_ index: Int32) { sqlite3_bind_null(handle, index) }

    /// Binds bytes that stay valid until the next `step()` returns.
    func bindBlobNoCopy(_ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        sqlite3_bind_blob(handle, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count), nil)
    }

    /// Runs the statement once; returns the number of rows it changed.
    @discardableResult
    func step(_ db: Database) throws -> Int {
        let status = sqlite3_step(handle)
        // Every call binds every parameter, so the bindings need no clearing.
        defer { sqlite3_reset(handle) }
        guard status == SQLITE_DONE || status == SQLITE_ROW else {
            throw MigrationError.sql(String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        return Int(sqlite3_changes(db.sqliteConnection))
    }

    @discardableResult
    func run(_ db: Database, _ values: [SQLValue]) throws -> Int {
        for (offset, value) in values.enumerated() { bind(Int32(offset + 1), value) }
        return try step(db)
    }
}

/// SQLite's SQLITE_TRANSIENT, which Swift cannot import as a macro.
let SQLITE_TRANSIENT_VALUE = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
