import Backups
import BSON
import Foundation
import GRDB
import RaftCluster
import Yams

/// What a format-2 archive holds, read entry by entry: the YAML parts in memory (they hold the
/// tables), every BSON file of juju-backup/legacy/ copied into the pivot's directory as it
/// streams past (validated on the way).
struct ModernSource {
    var metadataJSON: [UInt8] = []
    var metadata: Document = [:]
    var rootTar: [UInt8]?
    /// dump/controller.yaml, copied into the pivot's directory.
    var controllerYAML: String?
    var models: [(path: String, bytes: [UInt8])] = []
    var legacyMetadata: [UInt8]?
    var legacyEnvironConfig: [UInt8]?
    var legacyOplog: String?
    /// namespace → scratch file with the kept documents, and their count.
    var kept: [String: (path: String, count: Int)] = [:]
    var documents = 0
    var bytes = 0

    static func read(path: String, pivot: Pivot, progress: MigrationProgress?) throws -> ModernSource {
        var source = ModernSource()
        let reader: ArchiveReader
        do { reader = try ArchiveReader(path: path) } catch { throw MigrationError.backup(.archive(error)) }
        func all() throws -> [UInt8] {
            do { return try reader.readAll() } catch { throw MigrationError.backup(.archive(error)) }
        }
        var manifest: [UInt8]?
        var sawMetadata = false
        let legacyRoot = ModernOutput.legacyRoot + "/"
        while true {
            let header: ArchiveEntryHeader?
            do { header = try reader.next() } catch { throw MigrationError.backup(.archive(error)) }
            guard let header else { break }
            guard try MigrationError.isBackupFile(header) else { continue }
            let path = header.path
            if path == BackupLayout.metadata {
                source.metadataJSON = try all()
                do {
                    source.metadata = try Document(extendedJSON: String(decoding: source.metadataJSON, as: UTF8.self))
                } catch {
                    throw MigrationError.backup(.invalidMetadata("metadata.json: invalid JSON: \(error)"))
                }
                let version = source.metadata["FormatVersion"]?.int64Value ?? 0
                guard version == 2 else {
                    if version < 2 { throw MigrationError.wrongFlavor("the archive is a legacy (MongoDB) backup, not a modern one") }
                    throw MigrationError.backup(.unsupportedFormat(Int(version)))
                }
                sawMetadata = true
            } else if path == BackupLayout.rootTar {
                source.rootTar = try all()
            } else if path == BackupLayout.controllerYAML {
                let scratch = pivot.scratch("source-controller.yaml")
                guard FileManager.default.createFile(atPath: scratch, contents: nil), let file = FileHandle(forWritingAtPath: scratch) else {
                    throw MigrationError.io("cannot write \(scratch)")
                }
                defer { try? file.close() }
                while true {
                    let chunk: [UInt8]?
                    do { chunk = try reader.readChunk(maxBytes: 1 << 20) } catch { throw MigrationError.backup(.archive(error)) }
                    guard let chunk else { break }
                    source.bytes += chunk.count
                    file.write(Data(chunk))
                }
                source.controllerYAML = scratch
            } else if path.hasPrefix(BackupLayout.modelsDirectory + "/") {
                source.models.append((String(path.dropFirst(BackupLayout.root.count + "/dump/".count)), try all()))
            } else if path == legacyRoot + "metadata.json" {
                source.legacyMetadata = try all()
            } else if path == legacyRoot + "environconfig.json" {
                source.legacyEnvironConfig = try all()
            } else if path == legacyRoot + "oplog.bson" {
                source.legacyOplog = try copyDocuments(reader, namespace: "oplog", to: pivot.scratch("oplog.bson"), source: &source, progress: progress).path
            } else if path.hasPrefix(legacyRoot), path.hasSuffix(".bson") {
                let rest = path.dropFirst(legacyRoot.count).dropLast(5)
                guard let slash = rest.firstIndex(of: "/") else { continue }
                let namespace = "\(rest[..<slash]).\(rest[rest.index(after: slash)...])"
                let scratch = pivot.scratch("kept-\(source.kept.count).bson")
                source.kept[namespace] = try copyDocuments(reader, namespace: namespace, to: scratch, source: &source, progress: progress)
            } else if path == Manifest.archivePath {
                manifest = try all()
            } else if path.hasPrefix(BackupLayout.dump + "/"), path.hasSuffix(".bson") {
                throw MigrationError.wrongFlavor("the archive is a legacy (MongoDB) backup, not a modern one")
            }
        }
        if let manifest {
            let parsed: Manifest
            do { parsed = try Manifest(jsonBytes: manifest) } catch { throw MigrationError.backup(.archive(error)) }
            let problems = parsed.verify(against: reader.observedManifest.filter { $0.path != Manifest.archivePath })
            guard problems.isEmpty else { throw MigrationError.backup(.manifestMismatch(problems)) }
        }
        guard sawMetadata else { throw MigrationError.wrongFlavor("the archive is a legacy (MongoDB) backup, not a modern one") }
        guard source.controllerYAML != nil else { throw MigrationError.backup(.missingEntry(BackupLayout.controllerYAML)) }
        progress?.finish()
        return source
    }

    private static func copyDocuments(_ reader: ArchiveReader, namespace: String, to path: String, source: inout ModernSource,
                                      progress: MigrationProgress?) throws -> (path: String, count: Int) {
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw MigrationError.io("cannot write \(path)")
        }
        defer { try? file.close() }
        var out = BufferedOutput(file)
        let stream = EntryDocumentStream(reader: reader)
        while true {
            let index = stream.index
            let document: UnsafeRawBufferPointer?
            do { document = try stream.next() } catch let error as EntryDocumentStream.Reason {
                throw MigrationError.document(namespace: namespace, index: index, reason: error.description)
            } catch { throw MigrationError.wrap(error) }
            guard let document else { break }
            out.append(bytes: document)
            source.documents += 1
            source.bytes += document.count
            if source.documents & 1023 == 0 {
                progress?.update(phase: "reading", documents: source.documents, bytes: source.bytes, consumed: reader.compressedBytesRead)
            }
        }
        try out.flush()
        return (path, stream.index)
    }
}

extension BufferedOutput {
    mutating func append(bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { file.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
    }
}

/// Reads the documents of a file of concatenated BSON, one at a time.
final class FileDocumentStream {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var head = 0

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw MigrationError.io("cannot read \(path)") }
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// The next document's bytes (already validated when the file was written), or nil.
    func next() -> ArraySlice<UInt8>? {
        if !ensure(4) { return nil }
        let length = Int(UInt32(buffer[head]) | UInt32(buffer[head + 1]) << 8 | UInt32(buffer[head + 2]) << 16 | UInt32(buffer[head + 3]) << 24)
        guard ensure(length) else { return nil }
        defer { head += length }
        return buffer[head..<head + length]
    }

    private func ensure(_ count: Int) -> Bool {
        while buffer.count - head < count {
            if head > 0 { buffer.removeFirst(head); head = 0 }
            let data = handle.readData(ofLength: max(1 << 18, count))
            if data.isEmpty { return false }
            buffer.append(contentsOf: data)
        }
        return true
    }
}
