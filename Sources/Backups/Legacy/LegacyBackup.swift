import BSON

/// Which Juju wrote a legacy (MongoDB-era) backup archive.
public enum LegacyBackupFormat: String, Equatable, Sendable {
    /// The 1.20 `juju backup` plugin: no `metadata.json`, an `environconfig.json` export.
    case juju120 = "1.20"
    /// 1.21 – 2.7: `metadata.json` without `FormatVersion`.
    case v0 = "0"
    /// 2.8 / 2.9: `FormatVersion: 1`.
    case v1 = "1"
}

/// One collection as mongodump writes it: `dump/<db>/<coll>.bson` plus its `.metadata.json`.
public struct CollectionDump: Equatable, Sendable {
    public var database: String
    public var collection: String
    /// The options the collection was created with (`metadata.json`'s `options`).
    public var options: Document
    public var documents: [Document]

    public init(database: String, collection: String, options: Document = [:], documents: [Document]) {
        self.database = database
        self.collection = collection
        self.options = options
        self.documents = documents
    }

    public var namespace: String { "\(database).\(collection)" }
}

/// A file of the backed-up machine, stored in `root.tar` without its leading `/`.
public struct BackupFile: Equatable, Sendable {
    public var path: String
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    public init(path: String, text: String) { self.init(path: path, bytes: Array(text.utf8)) }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Everything a legacy backup archive holds, in memory.
public struct LegacyBackup: Equatable, Sendable {
    public var format: LegacyBackupFormat
    /// v0/v1 only; 1.20 archives carry none.
    public var metadata: LegacyBackupMetadata?
    /// In mongodump's order: databases, then collections, by name.
    public var collections: [CollectionDump]
    /// `dump/oplog.bson`: the oplog entries written while the dump ran (`--oplog`); nil when the
    /// archive has no such file (1.20).
    public var oplog: [Document]?
    /// The files of `root.tar`.
    public var rootFiles: [BackupFile]
    /// 1.20: `environconfig.json`, mongoexport of `juju.settings` (one JSON document per line).
    public var environConfig: String?

    public init(format: LegacyBackupFormat, metadata: LegacyBackupMetadata?, collections: [CollectionDump],
                oplog: [Document]?, rootFiles: [BackupFile], environConfig: String?) {
        self.format = format
        self.metadata = metadata
        self.collections = collections.sorted { ($0.database, $0.collection) < ($1.database, $1.collection) }
        self.oplog = oplog
        self.rootFiles = rootFiles
        self.environConfig = environConfig
    }

    public func collection(_ database: String, _ collection: String) -> CollectionDump? {
        collections.first { $0.database == database && $0.collection == collection }
    }

    public var documentCount: Int { collections.reduce(0) { $0 + $1.documents.count } }

    public func rootFile(_ path: String) -> BackupFile? { rootFiles.first { $0.path == path } }
}
