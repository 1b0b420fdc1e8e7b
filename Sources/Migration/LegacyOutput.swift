import Backups
import BSON
import DqliteStore
import Foundation
import GRDB
import GRDBSQLite
import HACore
import RaftCluster

/// Format-2 content → legacy archive. Rows written from legacy documents become those
/// documents again (their `extra` with the columns put back where the MinKeys stand, original
/// order and types), in their collections at their places, between the documents that
/// travelled unchanged; rows derived from a document are dropped (the document is back); rows
/// of the modern controller's own go to `juju.modern.<table>`. A modern archive that was not
/// legacy before keeps its metadata.json and model files under juju-backup/modern/.
struct LegacyOutput {
    let source: ModernSource
    let pivot: Pivot
    let legacyVersion: String
    var report = MigrationReport()
    var documentsWritten = 0
    /// Per collection, when verifying.
    var digests: [String: ContentDigest]?

    struct Origin {
        var position: Int
        var index: Int
        var extra: [UInt8]?
    }

    init(source: ModernSource, pivot: Pivot, legacyVersion: String, verify: Bool) {
        self.source = source
        self.pivot = pivot
        self.legacyVersion = legacyVersion
        digests = verify ? [:] : nil
    }

    mutating func write(to path: String, dryRun: Bool) throws {
        // A fresh schema: primary keys, and the rows every database starts with.
        let fresh = try DatabaseQueue()
        try ControllerSchema.migrator().migrate(fresh)
        let (keys, seeds) = try fresh.read { db -> ([String: [String]], [String: Set<[SQLValue]>]) in
            var seeds: [String: Set<[SQLValue]>] = [:]
            for name in try TableKeys.tableNames(db) {
                let statement = try db.makeStatement(sql: "SELECT * FROM \"\(name)\"")
                let handle = statement.sqliteStatement
                let count = Int(sqlite3_column_count(handle))
                let declared = (0..<count).map { ControllerYAMLWriter.declared(sqlite3_column_decltype(handle, Int32($0))) }
                while sqlite3_step(handle) == SQLITE_ROW {
                    seeds[name, default: []].insert((0..<count).map { ControllerYAMLWriter.sqlValue(handle, Int32($0), declared[$0]) })
                }
                sqlite3_reset(handle)
            }
            return (try TableKeys.all(db), seeds)
        }
        let yaml = ControllerYAMLReader(path: source.controllerYAML!)
        // Pass 1: where each legacy document was, and which rows came from one.
        var collections: ExportedTable?
        var origins: [String: Origin] = [:]
        var current = ""
        var legacyColumns: [String: Int] = [:]
        try yaml.scan(table: { name, columns in
            current = name
            if name == "legacy_collection" { collections = ExportedTable(name: name, columns: columns, rows: []) }
            if name == "legacy_row" { legacyColumns = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) }) }
        }, row: { row in
            if current == "legacy_collection" {
                collections?.rows.append(row.map(ExportedValue.init))
            } else if current == "legacy_row" {
                let c = legacyColumns
                guard case .text(let table)? = c["table_name"].map({ row[$0] }), case .text(let key)? = c["row_key"].map({ row[$0] }),
                      case .integer(let position)? = c["collection_position"].map({ row[$0] }),
                      case .integer(let index)? = c["document_index"].map({ row[$0] }) else {
                    throw MigrationError.invalidArchive("controller.yaml: a legacy_row row is malformed")
                }
                var extra: [UInt8]?
                if case .blob(let bytes)? = c["extra"].map({ row[$0] }) { extra = bytes }
                origins[table + "\u{0}" + key] = Origin(position: Int(position), index: Int(index), extra: extra)
            }
        })
        // Pass 2: documents rebuilt from rows, per collection position; native rows per table,
        // straight into a file each.
        var rebuilt: [Int: [(index: Int, document: Document)]] = [:]
        var native: [(table: String, path: String, count: Int)] = []
        var nativeFile: (table: String, writer: BSONStreamWriter, digest: ContentDigest?)?
        var keyPositions: [Int?] = []
        var columns: [String] = []
        var skip = false
        var digests = self.digests
        func closeNative() throws {
            guard let open = nativeFile else { return }
            try open.writer.close()
            if open.writer.documentsWritten > 0 {
                native.append((open.table, pivot.scratch("native-\(open.table).bson"), open.writer.documentsWritten))
                if let digest = open.digest { digests?["\(ModernNative.database).\(ModernNative.prefix)\(open.table)"] = digest }
            }
            nativeFile = nil
        }
        try yaml.scan(table: { name, tableColumns in
            try closeNative()
            current = name
            columns = tableColumns
            skip = ["legacy_collection", "legacy_row", "legacy_document"].contains(name)
            guard !skip else { return }
            guard let keyColumns = keys[name] else {
                throw MigrationError.invalidArchive("controller.yaml: table \"\(name)\" is not in the modern schema")
            }
            keyPositions = keyColumns.map { tableColumns.firstIndex(of: $0) }
            _ = report.line(name)
        }, row: { row in
            guard !skip else { return }
            let key = rowKey(keyPositions.map { $0.map { row[$0] } ?? .null })
            if let origin = origins[current + "\u{0}" + key] {
                guard let extra = origin.extra else { return }
                let document = try rebuild(table: current, columns: columns, row: row, extra: extra, origin: origin)
                rebuilt[origin.position, default: []].append((origin.index, document))
                report.count(current, rows: "its legacy documents", kept: false)
            } else if seeds[current]?.contains(row) == true {
                return
            } else {
                var document: Document = ["_id": .string(key)]
                for (column, value) in zip(columns, row) { document.append(column, ModernNative.value(value)) }
                report.count(current, rows: "\(ModernNative.database).\(ModernNative.prefix)\(current)", kept: false)
                if dryRun { return }
                if nativeFile == nil {
                    nativeFile = (current, try BSONStreamWriter(path: pivot.scratch("native-\(current).bson")), digests != nil ? ContentDigest() : nil)
                }
                try nativeFile!.writer.write(document)
                try nativeFile!.digest?.add(document)
            }
        })
        try closeNative()
        self.digests = digests
        for (namespace, kept) in source.kept.sorted(by: { $0.key < $1.key }) {
            for _ in 0..<kept.count { report.count("\(ModernOutput.legacyRoot)/\(namespace)", rows: nil, kept: true) }
        }
        guard !dryRun else { return }
        try writeArchive(to: path, collections: collections, rebuilt: rebuilt, native: native)
    }

    /// The row's document: `extra` with each MinKey of a mapped field replaced by its column.
    private func rebuild(table: String, columns: [String], row: [SQLValue], extra: [UInt8], origin: Origin) throws -> Document {
        let remainder: Document
        do { remainder = try Document(bson: extra) } catch {
            throw MigrationError.invalidArchive("controller.yaml: the extra of a \(table) row is not BSON: \(error)")
        }
        let fields = TableFields.all[table] ?? [:]
        var done = Set<String>()
        var elements: [(String, Value)] = []
        for element in remainder {
            if case .minKey = element.value, let target = fields[element.key], done.insert(element.key).inserted {
                guard let index = columns.firstIndex(of: target.column) else {
                    throw MigrationError.invalidArchive("controller.yaml: table \(table) has no column \(target.column)")
                }
                do {
                    elements.append((element.key, try target.kind.value(row[index], field: element.key)))
                } catch {
                    throw MigrationError.invalidArchive("controller.yaml: a \(table) row: \(error)")
                }
            } else {
                elements.append((element.key, element.value))
            }
        }
        return Document(elements)
    }

    private mutating func writeArchive(to path: String, collections: ExportedTable?, rebuilt: [Int: [(index: Int, document: Document)]],
                                       native: [(table: String, path: String, count: Int)]) throws {
        let legacyOrigin = !(collections?.rows.isEmpty ?? true)
        let metadata: [UInt8]? = legacyOrigin ? source.legacyMetadata : Array(derivedMetadata().utf8)
        let is120 = legacyOrigin && source.legacyMetadata == nil
        let started = (source.metadata["Started"]?.stringValue.flatMap(CivilTime.parseRFC3339) ?? 0) / 1_000_000
        var digests = self.digests
        var written = 0
        try AtomicOutput.write(to: path) { temporary in
            let writer = try ArchiveWriter(path: temporary, compression: .gzip, modificationTime: started)
            try writer.addDirectory(BackupLayout.root)
            if !is120 {
                if let metadata { try writer.addFile(BackupLayout.metadata, bytes: metadata) }
                try writer.addFile(BackupLayout.rootTar, bytes: source.rootTar ?? [])
            }
            try writer.addDirectory(BackupLayout.dump)
            var directories = Set<String>()
            func directory(_ database: String) throws {
                if directories.insert(database).inserted { try writer.addDirectory("\(BackupLayout.dump)/\(database)") }
            }
            if let collections {
                let c = Dictionary(uniqueKeysWithValues: collections.columns.enumerated().map { ($1, $0) })
                for row in collections.sqlRows {
                    guard case .integer(let position)? = c["position"].map({ row[$0] }), case .text(let namespace)? = c["namespace"].map({ row[$0] }),
                          case .integer(let count)? = c["document_count"].map({ row[$0] }) else {
                        throw MigrationError.invalidArchive("controller.yaml: a legacy_collection row is malformed")
                    }
                    let hasBSON: Bool
                    switch c["has_bson"].map({ row[$0] }) {
                    case .boolean(let b)?: hasBSON = b
                    case .integer(let n)?: hasBSON = n != 0
                    default: hasBSON = true
                    }
                    let (database, collection) = split(namespace)
                    try directory(database)
                    if hasBSON {
                        let scratch = pivot.scratch("collection.bson")
                        var digest = digests != nil ? ContentDigest() : nil
                        written += try merge(namespace: namespace, count: Int(count), rebuilt: rebuilt[Int(position)] ?? [],
                                             into: scratch, digest: &digest)
                        if let digest { digests?[namespace] = digest }
                        try copy(file: scratch, into: writer, as: BackupLayout.collectionBSON(database, collection))
                    }
                    if case .text(let json)? = c["metadata_json"].map({ row[$0] }) {
                        try writer.addFile(BackupLayout.collectionMetadata(database, collection), bytes: Array(json.utf8))
                    }
                }
            }
            for (table, file, count) in native {
                let collection = ModernNative.prefix + table
                try directory(ModernNative.database)
                written += count
                try copy(file: file, into: writer, as: BackupLayout.collectionBSON(ModernNative.database, collection))
                let dump = CollectionDump(database: ModernNative.database, collection: collection, documents: [])
                try writer.addFile(BackupLayout.collectionMetadata(ModernNative.database, collection), bytes: Array(MongoDumpFiles.metadataJSON(dump).utf8))
            }
            if let oplog = source.legacyOplog { try copy(file: oplog, into: writer, as: BackupLayout.oplog) }
            if is120 {
                try writer.addFile(BackupLayout.environConfig, bytes: source.legacyEnvironConfig ?? [])
                try writer.addFile(BackupLayout.rootTar, bytes: source.rootTar ?? [])
            }
            if !legacyOrigin {
                try writer.addDirectory("\(BackupLayout.root)/modern")
                try writer.addFile("\(BackupLayout.root)/modern/metadata.json", bytes: source.metadataJSON)
                for model in source.models { try writer.addFile("\(BackupLayout.root)/modern/\(model.path)", bytes: model.bytes) }
            }
            try writer.addFile(Manifest.archivePath, bytes: writer.manifest.jsonBytes())
            _ = try writer.finish()
        }
        self.digests = digests
        documentsWritten = written
    }

    /// Interleaves the rebuilt documents (at their indexes) with the kept ones (in order).
    private func merge(namespace: String, count: Int, rebuilt: [(index: Int, document: Document)], into path: String,
                       digest: inout ContentDigest?) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw MigrationError.io("cannot write \(path)")
        }
        defer { try? file.close() }
        var out = BufferedOutput(file)
        let placed = rebuilt.sorted { $0.index < $1.index }
        let kept = try source.kept[namespace].map { try FileDocumentStream(path: $0.path) }
        var next = 0
        for index in 0..<count {
            if next < placed.count, placed[next].index == index {
                try BSONBuffer.withEncoded(placed[next].document) { out.append(bytes: $0) }
                try digest?.add(placed[next].document)
                next += 1
            } else {
                guard let document = kept?.next() else {
                    throw MigrationError.invalidArchive("\(namespace): document \(index) is neither in a table nor under \(ModernOutput.legacyRoot)/")
                }
                try document.withUnsafeBytes { bytes in
                    out.append(bytes: bytes)
                    try digest?.add(bson: bytes)
                }
            }
        }
        guard next == placed.count, kept?.next() == nil else {
            throw MigrationError.invalidArchive("\(namespace): the archive holds more documents than the \(count) it records")
        }
        try out.flush()
        return count
    }

    /// metadata.json (format 1) for a modern backup that was never legacy.
    private func derivedMetadata() -> String {
        func text(_ key: String) -> String { source.metadata[key]?.stringValue ?? "" }
        var metadata = LegacyBackupMetadata(environment: text("ModelUUID"), machine: text("Machine"), hostname: text("Hostname"),
                                            version: legacyVersion, started: CivilTime.parseRFC3339(text("Started")))
        metadata.notes = text("Notes")
        metadata.controllerUUID = text("ControllerUUID")
        metadata.haNodes = Int(source.metadata["HANodes"]?.int64Value ?? 0)
        metadata.controllerMachineID = text("ControllerMachineID")
        metadata.controllerMachineInstanceID = text("ControllerMachineInstanceID")
        return metadata.json(format: .v1)
    }
}
