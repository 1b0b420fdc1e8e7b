import BSON
import Crypto
import Foundation

/// What writing an archive produced: its size and Juju's checksum of the whole file.
public struct WrittenArchive: Equatable, Sendable {
    public var size: Int
    /// Juju's backup checksum: SHA-1 of the archive file, base64 encoded.
    public var checksum: String
    public var manifest: Manifest

    /// Reads the written file back for Juju's checksum.
    init(path: String, manifest: Manifest) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        size = bytes.count
        checksum = Data(Insecure.SHA1.hash(data: bytes)).base64EncodedString()
        self.manifest = manifest
    }
}

/// Writes a legacy backup archive in the layout of the Juju version that made it: the 1.20
/// plugin's (dump, environconfig.json, root.tar) or 1.21+'s (metadata.json, root.tar, dump with
/// oplog). Every archive ends with Quorum's manifest. The file appears only once complete.
public enum LegacyArchiveWriter {
    public static func write(_ backup: LegacyBackup, to path: String, modificationTime: Int64) throws -> WrittenArchive {
        var manifest = Manifest()
        try AtomicOutput.write(to: path) { temporary in
            let writer = try ArchiveWriter(path: temporary, compression: .gzip, modificationTime: modificationTime)
            try writer.addDirectory(BackupLayout.root)
            if backup.format == .juju120 {
                try writeDump(backup, into: writer, modificationTime: modificationTime)
                try writer.addFile(BackupLayout.environConfig, bytes: Array((backup.environConfig ?? "").utf8))
                try writer.addFile(BackupLayout.rootTar, bytes: try rootTar(backup.rootFiles, modificationTime: modificationTime))
            } else {
                let metadata = backup.metadata?.json(format: backup.format) ?? "{}"
                try writer.addFile(BackupLayout.metadata, bytes: Array(metadata.utf8))
                try writer.addFile(BackupLayout.rootTar, bytes: try rootTar(backup.rootFiles, modificationTime: modificationTime))
                try writeDump(backup, into: writer, modificationTime: modificationTime)
            }
            manifest = writer.manifest
            try writer.addFile(Manifest.archivePath, bytes: manifest.jsonBytes())
            _ = try writer.finish()
        }
        return try WrittenArchive(path: path, manifest: manifest)
    }

    /// `root.tar`: an uncompressed tar of the machine's files, paths without a leading `/`.
    static func rootTar(_ files: [BackupFile], modificationTime: Int64) throws -> [UInt8] {
        let writer = ArchiveWriter(inMemory: .none, modificationTime: modificationTime)
        var directories: Set<String> = []
        for file in files {
            var parents: [String] = []
            var parent = (file.path as NSString).deletingLastPathComponent
            while !parent.isEmpty, !directories.contains(parent) {
                parents.append(parent)
                parent = (parent as NSString).deletingLastPathComponent
            }
            for directory in parents.reversed() {
                directories.insert(directory)
                try writer.addDirectory(directory)
            }
            try writer.addFile(file.path, bytes: file.bytes)
        }
        return try writer.finish()
    }

    private static func writeDump(_ backup: LegacyBackup, into writer: ArchiveWriter, modificationTime: Int64) throws {
        try writer.addDirectory(BackupLayout.dump)
        var database = ""
        for dump in backup.collections {
            if dump.database != database {
                database = dump.database
                try writer.addDirectory("\(BackupLayout.dump)/\(database)")
            }
            try writer.addFile(BackupLayout.collectionBSON(dump.database, dump.collection), bytes: try MongoDumpFiles.bson(dump.documents))
            try writer.addFile(BackupLayout.collectionMetadata(dump.database, dump.collection), bytes: Array(MongoDumpFiles.metadataJSON(dump).utf8))
        }
        if let oplog = backup.oplog {
            try writer.addFile(BackupLayout.oplog, bytes: try MongoDumpFiles.bson(oplog))
        }
    }
}
