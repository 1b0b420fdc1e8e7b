import Backups
import BSON
import CBSON
import Foundation
import GRDB
import RaftCluster

/// What a legacy archive holds besides its collections, kept for the way back.
struct LegacySidecar {
    var metadataJSON: [UInt8]?
    var environConfig: [UInt8]?
    /// The oplog, copied into the pivot's directory as it streamed past.
    var oplogPath: String?
    var oplogSize = 0
    var rootTar: [UInt8]?
    /// A legacy archive made from a modern one carries the modern metadata and model files.
    var modernMetadata: [UInt8]?
    var modernModels: [(path: String, bytes: [UInt8])] = []
}

/// Legacy → pivot: reads the archive entry by entry, streams every `.bson` through libbson into
/// the pivot (mapped rows with their extras, other documents as they are) with prepared
/// statements in large transactions.
final class LegacyImport {
    let pivot: Pivot
    let db: Database
    var mapper = LegacyMapper()
    var sidecar = LegacySidecar()
    var report = MigrationReport()
    /// Per collection, when verifying.
    var digests: [String: ContentDigest]?
    let dryRun: Bool
    let progress: MigrationProgress?
    private var statements: [String: BulkStatement] = [:]
    private var positions: [String: Int] = [:]
    private var bsonSeen: Set<String> = []
    private var tableKeys: [String: [String]] = [:]
    private var pendingInTransaction = 0
    private let iter = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 128)
    private var documentsDone = 0
    private var bytesDone = 0
    private var reader: ArchiveReader?
    /// Where the output archive goes: collections with no table are written into it as they
    /// stream past (made on first use, dated by metadata.json when that came first).
    var outputPath: String?
    private(set) var output: BackgroundArchiveWriter?
    /// Positions of the collections already in `output`.
    private(set) var streamed: Set<Int> = []

    static let transactionSize = 200_000

    init(pivot: Pivot, db: Database, verify: Bool, dryRun: Bool, progress: MigrationProgress?) throws {
        self.pivot = pivot
        self.db = db
        self.dryRun = dryRun
        self.progress = progress
        digests = verify ? [:] : nil
        tableKeys = try TableKeys.all(db)
    }

    deinit { iter.deallocate() }

    func run(path: String) throws {
        let reader: ArchiveReader
        do { reader = try ArchiveReader(path: path) } catch { throw MigrationError.backup(.archive(error)) }
        self.reader = reader
        try db.execute(sql: "BEGIN")
        var sawManifest: [UInt8]?
        var sawCollection = false
        while let header = try wrapArchive({ try reader.next() }) {
            guard try MigrationError.isBackupFile(header) else { continue }
            let path = header.path
            if path == BackupLayout.metadata {
                let bytes = try wrapArchive { try reader.readAll() }
                try readMetadata(bytes)
                sidecar.metadataJSON = bytes
            } else if path == BackupLayout.rootTar {
                sidecar.rootTar = try wrapArchive { try reader.readAll() }
            } else if path == BackupLayout.environConfig {
                sidecar.environConfig = try wrapArchive { try reader.readAll() }
            } else if path == BackupLayout.controllerYAML {
                throw MigrationError.wrongFlavor("the archive is a modern (format 2) backup, not a legacy one")
            } else if path == BackupLayout.oplog {
                try copyOplog(reader)
            } else if path == Manifest.archivePath {
                sawManifest = try wrapArchive { try reader.readAll() }
            } else if path == "\(BackupLayout.root)/modern/metadata.json" {
                sidecar.modernMetadata = try wrapArchive { try reader.readAll() }
            } else if path.hasPrefix("\(BackupLayout.root)/modern/models/") {
                sidecar.modernModels.append((String(path.dropFirst("\(BackupLayout.root)/modern/".count)), try wrapArchive { try reader.readAll() }))
            } else if let (database, collection) = BackupLayout.collection(ofBSONPath: path) {
                sawCollection = true
                try importCollection(database: database, collection: collection, reader: reader, size: header.size)
            } else if let (database, collection) = BackupLayout.collection(ofMetadataPath: path) {
                let text = String(decoding: try wrapArchive { try reader.readAll() }, as: UTF8.self)
                try recordMetadata(namespace: "\(database).\(collection)", json: text)
            }
        }
        if let manifest = sawManifest {
            let parsed: Manifest
            do { parsed = try Manifest(jsonBytes: manifest) } catch { throw MigrationError.backup(.archive(error)) }
            let problems = parsed.verify(against: reader.observedManifest.filter { $0.path != Manifest.archivePath })
            guard problems.isEmpty else { throw MigrationError.backup(.manifestMismatch(problems)) }
        }
        guard sidecar.rootTar != nil else { throw MigrationError.backup(.missingEntry(BackupLayout.rootTar)) }
        guard sawCollection else { throw MigrationError.backup(.missingEntry("\(BackupLayout.dump)/juju/")) }
        try finishFixups()
        try db.execute(sql: "COMMIT")
        progress?.finish()
    }

    var documents: Int { documentsDone }
    var bytes: Int { bytesDone }

    // MARK: - Entries

    private func wrapArchive<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ArchiveError { throw MigrationError.backup(.archive(error)) }
    }

    private func readMetadata(_ bytes: [UInt8]) throws {
        let document: Document
        do {
            document = try Document(extendedJSON: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw MigrationError.backup(.invalidMetadata("metadata.json: invalid JSON: \(error)"))
        }
        if let version = document["FormatVersion"]?.int64Value, version >= 2 {
            if version == 2 { throw MigrationError.wrongFlavor("the archive is a modern (format 2) backup, not a legacy one") }
            throw MigrationError.backup(.unsupportedFormat(Int(version)))
        }
        if let uuid = (document["ModelUUID"] ?? document["Environment"])?.stringValue, !uuid.isEmpty, mapper.environmentUUID.isEmpty {
            mapper.environmentUUID = uuid
        }
        if let version = document["Version"]?.stringValue { mapper.agentVersion = version }
    }

    private func copyOplog(_ reader: ArchiveReader) throws {
        let path = pivot.scratch("oplog.bson")
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw MigrationError.io("cannot write \(path)")
        }
        defer { try? file.close() }
        let stream = EntryDocumentStream(reader: reader)
        var size = 0
        while true {
            let document: UnsafeRawBufferPointer?
            do { document = try stream.next() } catch let error as EntryDocumentStream.Reason {
                throw MigrationError.document(namespace: "oplog", index: stream.index, reason: error.description)
            } catch { throw MigrationError.wrap(error) }
            guard let document else { break }
            file.write(Data(document))
            size += document.count
        }
        sidecar.oplogPath = path
        sidecar.oplogSize = size
    }

    // MARK: - Collections

    /// The collection's position, creating its row on first sight.
    private func position(of namespace: String) throws -> Int {
        if let position = positions[namespace] { return position }
        let position = positions.count
        positions[namespace] = position
        try statement("INSERT INTO legacy_collection (position, namespace, has_bson, metadata_json, document_count, kept_count, kept_bytes) VALUES (?, ?, 0, NULL, 0, 0, 0)")
            .run(db, [.integer(Int64(position)), .text(namespace)])
        return position
    }

    private func recordMetadata(namespace: String, json: String) throws {
        let (database, collection) = split(namespace)
        if ModernNative.table(database: database, collection: collection) != nil { return }
        let position = try position(of: namespace)
        try statement("UPDATE legacy_collection SET metadata_json = ? WHERE position = ?").run(db, [.text(json), .integer(Int64(position))])
    }

    private func importCollection(database: String, collection: String, reader: ArchiveReader, size: Int) throws {
        let namespace = "\(database).\(collection)"
        guard bsonSeen.insert(namespace).inserted else {
            throw MigrationError.backup(.archive(.duplicateEntry(BackupLayout.collectionBSON(database, collection))))
        }
        if let table = ModernNative.table(database: database, collection: collection) {
            return try importNativeCollection(table: table, namespace: namespace, reader: reader)
        }
        let position = try position(of: namespace)
        let mapped = LegacyMapper.isMapped(namespace)
        let stream = EntryDocumentStream(reader: reader)
        let reportLine = report.line(namespace)
        // A collection with no table travels as it is: its bytes go to the output as they stream
        // past (same size as the input entry), besides into the pivot.
        if !mapped, output == nil, let outputPath, !dryRun {
            output = try BackgroundArchiveWriter(path: outputPath, modificationTime: try ModernOutput.startedSeconds(sidecar.metadataJSON))
        }
        let passThrough = !mapped ? output : nil
        passThrough?.begin("\(ModernOutput.legacyRoot)/\(database)/\(collection).bson", size: size)
        var kept = 0
        var keptBytes = 0
        var digest = digests != nil ? ContentDigest() : nil
        let keep = try statement("INSERT INTO legacy_document (collection_position, document_index, document_id, document) VALUES (?, ?, ?, ?)")
        while true {
            guard let (index, bytes) = try nextDocument(stream, namespace: namespace) else { break }
            if digest != nil {
                do { try digest!.add(bson: bytes) } catch {
                    throw MigrationError.document(namespace: namespace, index: index, reason: "\(error)")
                }
            }
            if mapped {
                do {
                    if try importMapped(bytes, namespace: namespace, position: position, index: index) {
                        try keepDocument(keep, bytes, position: position, index: index)
                        kept += 1
                        keptBytes += bytes.count
                    }
                } catch let error as FieldProblem {
                    let failure = MigrationError.document(namespace: namespace, index: index, reason: error.description)
                    guard dryRun else { throw failure }
                    report.refuse(namespace, failure.description)
                }
            } else {
                try keepDocument(keep, bytes, position: position, index: index)
                report.countKept(reportLine)
                passThrough?.write(bytes)
                kept += 1
                keptBytes += bytes.count
            }
            documentsDone += 1
            bytesDone += bytes.count
            try tick()
        }
        if let digest { digests?[namespace] = digest }
        if let passThrough {
            passThrough.end()
            streamed.insert(position)
        }
        try statement("UPDATE legacy_collection SET has_bson = 1, document_count = ?, kept_count = ?, kept_bytes = ? WHERE position = ?")
            .run(db, [.integer(Int64(stream.index)), .integer(Int64(kept)), .integer(Int64(keptBytes)), .integer(Int64(position))])
        if stream.index == 0 { _ = report.line(namespace) }
    }

    private func keepDocument(_ keep: BulkStatement, _ bytes: UnsafeRawBufferPointer, position: Int, index: Int) throws {
        keep.bindInt(1, Int64(position))
        keep.bindInt(2, Int64(index))
        bindID(keep, 3, bytes)
        keep.bindBlobNoCopy(4, bytes)
        try keep.step(db)
    }

    /// The `_id` as text when it is a string (or an ObjectId, in hex), read in place with libbson.
    private func bindID(_ statement: BulkStatement, _ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        let iterator = OpaquePointer(iter)
        let data = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard bson_iter_init_from_data(iterator, data, bytes.count) else { return statement.bindNull(index) }
        while bson_iter_next(iterator) {
            guard bson_iter_key_len(iterator) == 3, strcmp(bson_iter_key(iterator), "_id") == 0 else { continue }
            switch bson_iter_type(iterator) {
            case BSON_TYPE_UTF8:
                var length: UInt32 = 0
                let text = bson_iter_utf8(iterator, &length)!
                statement.bindText(index, pointer: text, length: Int(length))
            case BSON_TYPE_OID:
                var hex = [CChar](repeating: 0, count: 25)
                bson_oid_to_string(bson_iter_oid(iterator), &hex)
                statement.bindText(index, String(cString: hex))
            default:
                statement.bindNull(index)
            }
            return
        }
        statement.bindNull(index)
    }

    /// Maps one document; true when the document itself must also be kept (no row of its own).
    private func importMapped(_ bytes: UnsafeRawBufferPointer, namespace: String, position: Int, index: Int) throws -> Bool {
        let document: Document
        do { document = try BSONBuffer.decode(validated: bytes) } catch {
            throw MigrationError.document(namespace: namespace, index: index, reason: "\(error)")
        }
        let mapping = try mapper.map(document, namespace: namespace)
        if let primary = mapping.primary {
            var extra = document
            var replaced = Set<String>()
            var elements: [(String, Value)] = []
            for element in extra {
                if mapping.placeholders.contains(element.key), replaced.insert(element.key).inserted {
                    elements.append((element.key, .minKey))
                } else {
                    elements.append((element.key, element.value))
                }
            }
            extra = Document(elements)
            if !dryRun {
                try insert(primary, orIgnore: false, namespace: namespace, index: index)
                let key = try self.key(of: primary)
                let legacyRow = try statement("INSERT INTO legacy_row (table_name, row_key, collection_position, document_index, extra) VALUES (?, ?, ?, ?, ?)")
                legacyRow.bindText(1, primary.table)
                legacyRow.bindText(2, key)
                legacyRow.bindInt(3, Int64(position))
                legacyRow.bindInt(4, Int64(index))
                do {
                    try BSONBuffer.withEncoded(extra) { legacyRow.bindBlobNoCopy(5, $0); try legacyRow.step(db) }
                } catch let error as MigrationError {
                    throw MigrationError.document(namespace: namespace, index: index, reason: "\(error)")
                }
            }
            report.count(namespace, rows: primary.table, kept: false)
        } else {
            report.count(namespace, rows: nil, kept: true)
        }
        for row in mapping.derived {
            if !dryRun {
                guard try insert(row, orIgnore: true, namespace: namespace, index: index) > 0 else { continue }
                try statement("INSERT OR IGNORE INTO legacy_row (table_name, row_key, collection_position, document_index, extra) VALUES (?, ?, ?, ?, NULL)")
                    .run(db, [.text(row.table), .text(try key(of: row)), .integer(Int64(position)), .integer(Int64(index))])
            }
            report.derived(namespace, table: row.table)
        }
        return mapping.keepsDocument
    }

    @discardableResult
    private func insert(_ row: MappedRow, orIgnore: Bool, namespace: String, index: Int) throws -> Int {
        let columns = row.columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let marks = Array(repeating: "?", count: row.columns.count).joined(separator: ", ")
        let sql = "INSERT \(orIgnore ? "OR IGNORE " : "")INTO \"\(row.table)\" (\(columns)) VALUES (\(marks))"
        do {
            return try statement(sql).run(db, row.values)
        } catch let error as MigrationError {
            throw MigrationError.document(namespace: namespace, index: index, reason: "cannot write its \(row.table) row: \(error)")
        }
    }

    private func key(of row: MappedRow) throws -> String {
        guard let columns = tableKeys[row.table] else { throw MigrationError.sql("no table \(row.table)") }
        return rowKey(columns.map { column in row.columns.firstIndex(of: column).map { row.values[$0] } ?? .null })
    }

    /// The stream's next document and its index; a malformed one stops the run with its
    /// namespace, index and reason.
    private func nextDocument(_ stream: EntryDocumentStream, namespace: String) throws -> (Int, UnsafeRawBufferPointer)? {
        let index = stream.index
        do {
            return try stream.next().map { (index, $0) }
        } catch let error as EntryDocumentStream.Reason {
            throw MigrationError.document(namespace: namespace, index: index, reason: error.description)
        } catch { throw MigrationError.wrap(error) }
    }

    private func importNativeCollection(table: String, namespace: String, reader: ArchiveReader) throws {
        let stream = EntryDocumentStream(reader: reader)
        var digest = digests != nil ? ContentDigest() : nil
        while true {
            guard let (index, bytes) = try nextDocument(stream, namespace: namespace) else { break }
            if digest != nil { try digest!.add(bson: bytes) }
            try importNative(bytes, table: table, namespace: namespace, index: index)
            documentsDone += 1
            bytesDone += bytes.count
            try tick()
        }
        if let digest { digests?[namespace] = digest }
    }

    /// A document of `juju.modern.<table>`: a row of a modern table that had no legacy document.
    private func importNative(_ bytes: UnsafeRawBufferPointer, table: String, namespace: String, index: Int) throws {
        let document: Document
        do { document = try BSONBuffer.decode(validated: bytes) } catch {
            throw MigrationError.document(namespace: namespace, index: index, reason: "\(error)")
        }
        guard tableKeys[table] != nil else {
            throw MigrationError.document(namespace: namespace, index: index, reason: "the modern schema has no table \"\(table)\"")
        }
        var row = MappedRow(table: table, columns: [], values: [])
        for (field, value) in document where field != "_id" {
            row.columns.append(field)
            do { row.values.append(try ModernNative.column(value)) } catch let problem as FieldProblem {
                throw MigrationError.document(namespace: namespace, index: index, reason: "field \"\(field)\": \(problem)")
            }
        }
        report.count(namespace, rows: table, kept: false)
        guard !dryRun else { return }
        let columns = row.columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let marks = Array(repeating: "?", count: row.columns.count).joined(separator: ", ")
        do {
            try statement("INSERT OR REPLACE INTO \"\(table)\" (\(columns)) VALUES (\(marks))").run(db, row.values)
        } catch let error as MigrationError {
            throw MigrationError.document(namespace: namespace, index: index, reason: "cannot write its \(table) row: \(error)")
        }
    }

    private func tick() throws {
        pendingInTransaction += 1
        if pendingInTransaction >= Self.transactionSize {
            try db.execute(sql: "COMMIT; BEGIN")
            pendingInTransaction = 0
        }
        if documentsDone & 1023 == 0, let progress, let reader {
            progress.update(phase: "reading", documents: documentsDone, bytes: bytesDone, consumed: reader.compressedBytesRead)
        }
    }

    private func statement(_ sql: String) throws -> BulkStatement {
        if let cached = statements[sql] { return cached }
        let made: BulkStatement
        do { made = try BulkStatement(db, sql) } catch { throw MigrationError.sql("\(error)") }
        statements[sql] = made
        return made
    }

    /// Rows written before the environment's UUID was known get it now; machines get their
    /// instance ids from instanceData.
    private func finishFixups() throws {
        guard !dryRun else { return }
        let uuid = mapper.environmentUUID
        if !uuid.isEmpty {
            for table in ["machine", "application", "unit", "relation"] {
                try db.execute(sql: "UPDATE \"\(table)\" SET model_uuid = ? WHERE model_uuid = ''", arguments: [uuid])
            }
            for table in ["model_config", "constraint_value"] {
                try db.execute(sql: "UPDATE \"\(table)\" SET model_uuid = ? WHERE model_uuid = ''", arguments: [uuid])
                try db.execute(sql: "UPDATE legacy_row SET row_key = ? || row_key WHERE table_name = ? AND substr(row_key, 1, 1) = char(31)",
                               arguments: [uuid, table])
            }
            try db.execute(sql: "UPDATE controller SET uuid = ?, model_uuid = ? WHERE uuid = ''", arguments: [uuid, uuid])
            try db.execute(sql: "UPDATE legacy_row SET row_key = ? WHERE table_name = 'controller' AND row_key = ''", arguments: [uuid])
        }
        if !mapper.agentVersion.isEmpty {
            try db.execute(sql: "UPDATE controller SET target_version = ? WHERE target_version = ''", arguments: [mapper.agentVersion])
        }
        let update = try statement("UPDATE machine SET instance_id = ? WHERE uuid = ?")
        for (machine, instance) in mapper.instanceIDs {
            _ = try update.run(db, [.text(instance), .text(machine)])
        }
    }
}

/// Primary-key columns of every table (every column for a table without one).
enum TableKeys {
    static func all(_ db: Database) throws -> [String: [String]] {
        var keys: [String: [String]] = [:]
        for name in try tableNames(db) {
            let primary = try db.primaryKey(name)
            if primary.columns == ["rowid"] || primary.columns.isEmpty {
                keys[name] = try db.columns(in: name).map(\.name)
            } else {
                keys[name] = primary.columns
            }
        }
        return keys
    }

    /// The tables in the order the schema created them; SQLite's own and the migrator's left out.
    static func tableNames(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master
            WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'grdb_migrations'
            ORDER BY rowid
            """)
    }
}
