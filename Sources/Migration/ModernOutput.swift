import Backups
import BSON
import Foundation
import GRDB
import GRDBSQLite
import HACore
import RaftCluster
import Yams

/// Pivot → format-2 archive: metadata.json, root.tar, dump/controller.yaml (every table but the
/// homeless documents), dump/models/<uuid>.yaml, and what only the legacy era has under
/// juju-backup/legacy/ (the documents without a home as <db>/<coll>.bson, the oplog, the
/// legacy metadata.json and environconfig.json). Every large part streams from the pivot.
struct ModernOutput {
    static let legacyRoot = "\(BackupLayout.root)/legacy"

    let pivot: Pivot
    let db: Database
    let sidecar: LegacySidecar
    let environmentUUID: String
    let agentVersion: String
    let targetVersion: String

    /// Writes the archive at `path`, or finishes `existing` (which already holds the collections
    /// streamed past during the import, at `streamed` positions).
    func write(to path: String, existing: BackgroundArchiveWriter? = nil, streamed: Set<Int> = []) throws {
        let metadata = try metadataJSON()
        let started = try Self.startedSeconds(metadata)
        let yamlPath = pivot.scratch("controller.yaml")
        _ = try ControllerYAMLWriter.write(db, to: yamlPath)
        let models = try modelFiles()
        let keepsLegacy = sidecar.modernMetadata == nil || !streamed.isEmpty
        let out = try existing ?? BackgroundArchiveWriter(path: path, modificationTime: started)
        out.file(BackupLayout.metadata, bytes: metadata)
        out.file(BackupLayout.rootTar, bytes: sidecar.rootTar ?? [])
        out.directory(BackupLayout.dump)
        try out.direct { try copy(file: yamlPath, into: $0, as: BackupLayout.controllerYAML) }
        out.directory(BackupLayout.modelsDirectory)
        for (name, bytes) in models { out.file("\(BackupLayout.root)/dump/\(name)", bytes: bytes) }
        if keepsLegacy {
            out.directory(Self.legacyRoot)
            if let bytes = sidecar.metadataJSON { out.file("\(Self.legacyRoot)/metadata.json", bytes: bytes) }
            if let bytes = sidecar.environConfig { out.file("\(Self.legacyRoot)/environconfig.json", bytes: bytes) }
            if let oplog = sidecar.oplogPath { try out.direct { try copy(file: oplog, into: $0, as: "\(Self.legacyRoot)/oplog.bson") } }
            try writeKeptDocuments(out, skipping: streamed)
        }
        try out.finish()
    }

    /// The modern metadata a legacy archive carried back, or one made from the legacy metadata.
    private func metadataJSON() throws -> [UInt8] {
        if let bytes = sidecar.modernMetadata { return bytes }
        var legacy: Document = [:]
        if let bytes = sidecar.metadataJSON {
            legacy = (try? Document(extendedJSON: String(decoding: bytes, as: UTF8.self))) ?? [:]
        }
        func text(_ key: String) -> String? { legacy[key]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
        let started = text("Started").flatMap(CivilTime.parseRFC3339) ?? 0
        let nodes = try Int.fetchOne(db, sql: "SELECT count(*) FROM controller_node") ?? 0
        let machine = text("Machine") ?? "0"
        var metadata = ModernBackupMetadata(
            started: started, modelUUID: environmentUUID, machine: machine, hostname: text("Hostname") ?? "",
            version: targetVersion, base: "", controllerUUID: text("ControllerUUID") ?? environmentUUID, haNodes: max(nodes, 1),
            controllerMachineID: text("ControllerMachineID") ?? machine, controllerMachineInstanceID: text("ControllerMachineInstanceID") ?? "")
        metadata.notes = legacy["Notes"]?.stringValue ?? ""
        return Array(metadata.json.utf8)
    }

    static func startedSeconds(_ metadata: [UInt8]?) throws -> Int64 {
        guard let metadata else { return 0 }
        let document = try? Document(extendedJSON: String(decoding: metadata, as: UTF8.self))
        return (document?["Started"]?.stringValue.flatMap(CivilTime.parseRFC3339) ?? 0) / 1_000_000
    }

    /// `models/<uuid>.yaml` for each model: carried back from a modern archive, else made from
    /// the model and machine tables.
    private func modelFiles() throws -> [(String, [UInt8])] {
        if !sidecar.modernModels.isEmpty {
            return sidecar.modernModels.map { ($0.path, $0.bytes) }
        }
        var files: [(String, [UInt8])] = []
        let models = try Row.fetchAll(db, sql: "SELECT uuid, name FROM model ORDER BY rowid")
        for model in models {
            let uuid: String = model["uuid"]
            let machines = try Row.fetchAll(db, sql: "SELECT name, instance_id, is_controller FROM machine WHERE model_uuid = ? ORDER BY rowid",
                                            arguments: [uuid]).map { row in
                ModelExport.Machine(id: row["name"], instanceID: row["instance_id"] ?? "", isController: row["is_controller"])
            }
            let export = ModelExport(uuid: uuid, name: model["name"], machines: machines)
            files.append(("models/\(uuid).yaml", Array(try YAMLEncoder().encode(export).utf8)))
        }
        return files
    }

    /// The documents without a home, one entry per collection, read from the pivot in the order
    /// they were written (collections arrive one after the other, so each is one run of ids).
    private func writeKeptDocuments(_ writer: BackgroundArchiveWriter, skipping streamed: Set<Int>) throws {
        let collections = try Row.fetchAll(db, sql: "SELECT position, namespace, kept_bytes FROM legacy_collection WHERE kept_count > 0 ORDER BY position")
        var entries: [Int64: (path: String, size: Int)] = [:]
        for row in collections where !streamed.contains(row["position"]) {
            let namespace: String = row["namespace"]
            let (database, collection) = split(namespace)
            entries[row["position"]] = ("\(Self.legacyRoot)/\(database)/\(collection).bson", row["kept_bytes"])
        }
        guard !entries.isEmpty else { return }
        let statement = try db.makeStatement(sql: """
            SELECT collection_position, document FROM legacy_document
            WHERE collection_position IN (\(entries.keys.sorted().map(String.init).joined(separator: ", "))) ORDER BY id
            """)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        var open: Int64?
        while true {
            let status = sqlite3_step(handle)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw MigrationError.sql(String(cString: sqlite3_errmsg(db.sqliteConnection))) }
            let position = sqlite3_column_int64(handle, 0)
            if position != open {
                if open != nil { writer.end() }
                guard let entry = entries[position] else { throw MigrationError.sql("a kept document names no collection") }
                writer.begin(entry.path, size: entry.size)
                open = position
            }
            let count = Int(sqlite3_column_bytes(handle, 1))
            writer.write(UnsafeRawBufferPointer(start: sqlite3_column_blob(handle, 1), count: count))
        }
        if open != nil { writer.end() }
    }
}

/// `("juju", "machines")` for `"juju.machines"` (collection names may hold dots, databases not).
func split(_ namespace: String) -> (String, String) {
    guard let dot = namespace.firstIndex(of: ".") else { return (namespace, "") }
    return (String(namespace[..<dot]), String(namespace[namespace.index(after: dot)...]))
}

/// Copies a file into a new archive entry, 1 MiB at a time.
func copy(file path: String, into writer: ArchiveWriter, as entry: String) throws {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw MigrationError.io("cannot read \(path)") }
    defer { try? handle.close() }
    let size = Int((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0)
    try writer.beginFile(entry, size: size)
    while true {
        let data = handle.readData(ofLength: 1 << 20)
        if data.isEmpty { break }
        try data.withUnsafeBytes { try writer.write($0) }
    }
    try writer.endFile()
}
