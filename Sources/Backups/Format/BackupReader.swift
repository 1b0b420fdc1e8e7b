import BSON
import HACore
import Yams

/// What an archive turned out to hold.
public enum BackupContents: Equatable, Sendable {
    case legacy(LegacyBackup)
    case modern(ModernBackupContents)

    public var formatName: String {
        switch self {
        case .legacy(let backup):
            return backup.format == .juju120 ? "legacy (Juju 1.20 plugin, no metadata)" : "legacy (metadata format \(backup.format.rawValue))"
        case .modern: return "modern (format 2)"
        }
    }
}

/// What reading checked besides the structure, for `verify-backup`.
public struct BackupReadReport: Equatable, Sendable {
    /// Whether the archive carried Quorum's manifest (archives from Juju itself have none).
    public var manifestChecked: Bool
    public var fileEntries: Int
    public var bytes: Int
}

/// Reads any backup archive Quorum understands: 1.20 plugin archives, metadata v0 and v1, and
/// format 2. Every entry is checked for safety by the archive reader; every BSON file is
/// validated; the manifest, when present, must match every entry's size and SHA-256.
public enum BackupReader {
    public static func read(path: String) throws(BackupError) -> (BackupContents, BackupReadReport) {
        let files: [String: [UInt8]]
        let order: [String]
        let manifestCheck: (checked: Bool, bytes: Int)
        do throws(ArchiveError) {
            let reader = try ArchiveReader(path: path)
            (files, order) = try readEntries(reader)
            manifestCheck = try checkManifest(files: files, observed: reader.observedManifest)
        } catch {
            throw .archive(error)
        }
        let contents = try interpret(files: files, order: order)
        return (contents, BackupReadReport(manifestChecked: manifestCheck.checked, fileEntries: order.count, bytes: manifestCheck.bytes))
    }

    private static func readEntries(_ reader: ArchiveReader) throws(ArchiveError) -> ([String: [UInt8]], [String]) {
        var files: [String: [UInt8]] = [:]
        var order: [String] = []
        while let header = try reader.next() {
            guard header.path == BackupLayout.root || header.path.hasPrefix(BackupLayout.root + "/") else {
                throw .invalidEntryPath(entry: header.path, problem: "is outside juju-backup/")
            }
            switch header.kind {
            case .directory: continue
            case .symlink, .hardlink:
                throw .invalidEntryPath(entry: header.path, problem: "is a link; backup archives hold only files and directories")
            case .file:
                guard files[header.path] == nil else { throw .duplicateEntry(header.path) }
                files[header.path] = try reader.readAll()
                order.append(header.path)
            }
        }
        return (files, order)
    }

    private static func checkManifest(files: [String: [UInt8]], observed: [ManifestEntry]) throws(ArchiveError) -> (Bool, Int) {
        let total = observed.reduce(0) { $0 + $1.size }
        guard let bytes = files[Manifest.archivePath] else { return (false, total) }
        let manifest = try Manifest(jsonBytes: bytes)
        let problems = manifest.verify(against: observed.filter { $0.path != Manifest.archivePath })
        guard problems.isEmpty else { throw .corrupted("the manifest does not match: " + problems.joined(separator: "; ")) }
        return (true, total)
    }

    static func interpret(files: [String: [UInt8]], order: [String]) throws(BackupError) -> BackupContents {
        guard let metadataBytes = files[BackupLayout.metadata] else {
            // Archives without metadata.json are 1.20's (`legacyVersion`).
            return .legacy(try legacy(files: files, order: order, format: .juju120, metadata: nil))
        }
        let document: Document
        do {
            document = try Document(extendedJSON: String(decoding: metadataBytes, as: UTF8.self))
        } catch {
            throw .invalidMetadata("metadata.json: invalid JSON: \(error)")
        }
        let version: Int
        if let value = document["FormatVersion"] {
            guard let n = value.int64Value else { throw .invalidMetadata("metadata.json: field \"FormatVersion\" is not a number") }
            version = Int(n)
        } else {
            version = 0
        }
        switch version {
        case 0: return .legacy(try legacy(files: files, order: order, format: .v0, metadata: try LegacyBackupMetadata(document: document, format: .v0)))
        case 1: return .legacy(try legacy(files: files, order: order, format: .v1, metadata: try LegacyBackupMetadata(document: document, format: .v1)))
        case 2: return .modern(try modern(files: files, order: order, metadata: document))
        default: throw .unsupportedFormat(version)
        }
    }

    private static func legacy(files: [String: [UInt8]], order: [String], format: LegacyBackupFormat,
                               metadata: LegacyBackupMetadata?) throws(BackupError) -> LegacyBackup {
        guard let rootTar = files[BackupLayout.rootTar] else { throw .missingEntry(BackupLayout.rootTar) }
        let rootFiles = try readRootTar(rootTar)
        var collections: [CollectionDump] = []
        for path in order {
            guard let (database, collection) = BackupLayout.collection(ofBSONPath: path) else { continue }
            let documents = try MongoDumpFiles.documents(in: files[path]!, entry: path)
            let metadataPath = BackupLayout.collectionMetadata(database, collection)
            let options = try files[metadataPath].map { bytes throws(BackupError) in
                try MongoDumpFiles.options(fromMetadataJSON: String(decoding: bytes, as: UTF8.self), entry: metadataPath)
            } ?? [:]
            collections.append(CollectionDump(database: database, collection: collection, options: options, documents: documents))
        }
        guard collections.contains(where: { $0.database == "juju" }) else { throw .missingEntry("\(BackupLayout.dump)/juju/") }
        let oplog = try files[BackupLayout.oplog].map { bytes throws(BackupError) in
            try MongoDumpFiles.documents(in: bytes, entry: BackupLayout.oplog)
        }
        let environConfig = files[BackupLayout.environConfig].map { String(decoding: $0, as: UTF8.self) }
        if format == .juju120, environConfig == nil { throw .missingEntry(BackupLayout.environConfig) }
        return LegacyBackup(format: format, metadata: metadata, collections: collections, oplog: oplog,
                            rootFiles: rootFiles, environConfig: environConfig)
    }

    private static func modern(files: [String: [UInt8]], order: [String], metadata: Document) throws(BackupError) -> ModernBackupContents {
        for key in ModernBackupMetadata.required where metadata[key] == nil {
            throw .invalidMetadata("metadata.json: missing field \"\(key)\"")
        }
        func text(_ key: String) -> String { metadata[key]?.stringValue ?? "" }
        guard let started = CivilTime.parseRFC3339(text("Started")) else {
            throw .invalidMetadata("metadata.json: field \"Started\" is not a time: \"\(text("Started"))\"")
        }
        guard let haNodes = metadata["HANodes"]?.int64Value else { throw .invalidMetadata("metadata.json: field \"HANodes\" is not a number") }
        var meta = ModernBackupMetadata(started: started, modelUUID: text("ModelUUID"), machine: text("Machine"), hostname: text("Hostname"),
                                        version: text("Version"), base: text("Base"), controllerUUID: text("ControllerUUID"),
                                        haNodes: Int(haNodes), controllerMachineID: text("ControllerMachineID"),
                                        controllerMachineInstanceID: text("ControllerMachineInstanceID"))
        meta.notes = text("Notes")
        guard let controllerBytes = files[BackupLayout.controllerYAML] else { throw .missingEntry(BackupLayout.controllerYAML) }
        let controller: ControllerExport = try decodeYAML(controllerBytes, entry: BackupLayout.controllerYAML)
        var models: [ModelExport] = []
        for path in order where path.hasPrefix(BackupLayout.modelsDirectory + "/") && path.hasSuffix(".yaml") {
            models.append(try decodeYAML(files[path]!, entry: path))
        }
        let rootFiles = try files[BackupLayout.rootTar].map { bytes throws(BackupError) in try readRootTar(bytes) } ?? []
        return ModernBackupContents(metadata: meta, controller: controller, models: models, rootFiles: rootFiles)
    }

    private static func decodeYAML<T: Decodable>(_ bytes: [UInt8], entry: String) throws(BackupError) -> T {
        do {
            return try YAMLDecoder().decode(T.self, from: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw .invalidFile(entry: entry, detail: "invalid YAML: \(error)")
        }
    }

    /// The nested `root.tar`: files only, each path checked like the outer archive's.
    static func readRootTar(_ bytes: [UInt8]) throws(BackupError) -> [BackupFile] {
        var files: [BackupFile] = []
        do throws(ArchiveError) {
            let reader = try ArchiveReader(bytes: bytes)
            while let header = try reader.next() {
                guard header.kind == .file else { continue }
                files.append(BackupFile(path: header.path, bytes: try reader.readAll()))
            }
        } catch {
            throw .invalidFile(entry: BackupLayout.rootTar, detail: error.description)
        }
        return files
    }
}
