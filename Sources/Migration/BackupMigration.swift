import Backups
import BSON
import Foundation
import GRDB
import GRDBSQLite
import RaftCluster

/// Which era a backup archive belongs to.
public enum BackupFlavor: String, Sendable, CaseIterable {
    case legacy, modern
}

public struct MigrationOptions: Sendable {
    /// Report what would be mapped, kept aside or refused; write nothing.
    public var dryRun = false
    /// Convert the result back and compare per-collection (per-table) counts and digests.
    public var verify = false
    /// Progress on stderr when it is a terminal.
    public var progress = true
    /// The Juju version a legacy archive's modern result names (4.x, so a modern controller restores it).
    public var modernVersion = "4.0.0"
    /// The Juju version a modern archive's legacy result names, when it was never legacy.
    public var legacyVersion = "1.25.6"

    public init() {}
}

/// `migrate-backup`: legacy ⇄ modern through the SQLite pivot (DESIGN §5).
public enum BackupMigration {
    /// Looks at the first entries only: metadata.json's FormatVersion, or which dump files come first.
    public static func flavor(of path: String) throws -> BackupFlavor {
        let reader: ArchiveReader
        do { reader = try ArchiveReader(path: path) } catch { throw MigrationError.backup(.archive(error)) }
        do {
            while let header = try reader.next() {
                if header.path == BackupLayout.metadata {
                    let bytes = try reader.readAll()
                    guard let document = try? Document(extendedJSON: String(decoding: bytes, as: UTF8.self)) else {
                        throw MigrationError.backup(.invalidMetadata("metadata.json: invalid JSON"))
                    }
                    let version = document["FormatVersion"]?.int64Value ?? 0
                    if version > 2 { throw MigrationError.backup(.unsupportedFormat(Int(version))) }
                    return version == 2 ? .modern : .legacy
                }
                if header.path == BackupLayout.controllerYAML { return .modern }
                if header.path.hasPrefix(BackupLayout.dump + "/"), header.path.hasSuffix(".bson") { return .legacy }
            }
        } catch let error as ArchiveError {
            throw MigrationError.backup(.archive(error))
        }
        throw MigrationError.invalidArchive("\(path) holds neither a legacy dump nor a modern controller.yaml: not a backup archive")
    }

    /// Converts `input` into the other flavor (or `target`, which must be the other one) at
    /// `output`. Nothing appears at `output` unless the whole conversion (and verification)
    /// succeeded; the pivot is removed in every case.
    public static func migrate(input: String, output: String, to target: BackupFlavor? = nil,
                               options: MigrationOptions = MigrationOptions()) throws -> MigrationReport {
        let source = try flavor(of: input)
        if let target, target == source {
            throw MigrationError.wrongFlavor("\(input) is already a \(source == .legacy ? "legacy (MongoDB)" : "modern (format 2)") backup; "
                + "migrate-backup --to \(target.rawValue) converts a \(source == .legacy ? "modern" : "legacy") one")
        }
        if !options.dryRun {
            if FileManager.default.fileExists(atPath: output) { throw MigrationError.io("\(output) already exists") }
            let directory = (output as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            if !directory.isEmpty, !(FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue) {
                throw MigrationError.backup(.archive(.outputDirectoryMissing(path: output, directory: directory)))
            }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: input)[.size] as? NSNumber)?.int64Value ?? 1
        let progress = options.progress ? MigrationProgress(totalBytes: size) : nil
        let start = Date()
        var report: MigrationReport
        do {
            switch source {
            case .legacy: report = try legacyToModern(input: input, output: output, options: options, progress: progress)
            case .modern: report = try modernToLegacy(input: input, output: output, options: options, progress: progress)
            }
        } catch {
            progress?.finish()
            throw MigrationError.wrap(error)
        }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    // MARK: - Legacy → modern

    static func legacyToModern(input: String, output: String, options: MigrationOptions, progress: MigrationProgress?) throws -> MigrationReport {
        let pivot = try Pivot(near: output)
        defer { pivot.remove() }
        var report = try pivot.access { db -> MigrationReport in
            let importer = try LegacyImport(pivot: pivot, db: db, verify: options.verify, dryRun: options.dryRun, progress: progress)
            let temporary = pivot.scratch("result.tar.gz")
            importer.outputPath = temporary
            try importer.run(path: input)
            var report = importer.report
            report.direction = "legacy → modern"
            report.documents = importer.documents
            report.bytes = importer.bytes
            if options.dryRun { return report }
            try ModernOutput(pivot: pivot, db: db, sidecar: importer.sidecar, environmentUUID: importer.mapper.environmentUUID,
                             agentVersion: importer.mapper.agentVersion, targetVersion: options.modernVersion)
                .write(to: temporary, existing: importer.output, streamed: importer.streamed)
            if options.verify, let expected = importer.digests {
                // Back to legacy, in the pivot's directory, comparing every collection.
                let back = try Pivot(near: pivot.scratch("verify"))
                defer { back.remove() }
                let source = try ModernSource.read(path: temporary, pivot: back, progress: nil)
                var legacy = LegacyOutput(source: source, pivot: back, legacyVersion: options.legacyVersion, verify: true)
                try legacy.write(to: back.scratch("back.tar.gz"), dryRun: false)
                try compare(expected, legacy.digests ?? [:], what: "collection")
                report.verified = expected
            }
            try publish(temporary, as: output)
            return report
        }
        report.direction = "legacy → modern"
        return report
    }

    // MARK: - Modern → legacy

    static func modernToLegacy(input: String, output: String, options: MigrationOptions, progress: MigrationProgress?) throws -> MigrationReport {
        let pivot = try Pivot(near: output)
        defer { pivot.remove() }
        let source = try ModernSource.read(path: input, pivot: pivot, progress: progress)
        var legacy = LegacyOutput(source: source, pivot: pivot, legacyVersion: options.legacyVersion, verify: false)
        let temporary = pivot.scratch("result.tar.gz")
        try legacy.write(to: temporary, dryRun: options.dryRun)
        var report = legacy.report
        report.direction = "modern → legacy"
        report.unit = "rows"
        report.documents = legacy.documentsWritten
        report.bytes = source.bytes
        if options.dryRun { return report }
        if options.verify {
            let back = try Pivot(near: pivot.scratch("verify"))
            defer { back.remove() }
            let expected = try tableDigests(source: source)
            let actual = try back.access { db -> [String: ContentDigest] in
                let importer = try LegacyImport(pivot: back, db: db, verify: false, dryRun: false, progress: nil)
                try importer.run(path: temporary)
                return try tableDigests(db)
            }
            try compare(expected, actual, what: "table")
            report.verified = expected
        }
        try publish(temporary, as: output)
        return report
    }

    // MARK: - Verification

    /// Per table of controller.yaml, plus the documents that travel as BSON per collection.
    static func tableDigests(source: ModernSource) throws -> [String: ContentDigest] {
        var digests: [String: ContentDigest] = [:]
        var current: String?
        var digest = ContentDigest()
        try ControllerYAMLReader(path: source.controllerYAML!).scan(table: { name, _ in
            if let current { digests["table " + current] = digest }
            current = ControllerYAMLWriter.excluded.contains(name) ? nil : name
            digest = ContentDigest()
        }, row: { row in
            if current != nil { digest.add(line: row.map(ControllerYAMLWriter.yaml).joined(separator: "\t")) }
        })
        if let current { digests["table " + current] = digest }
        for (namespace, kept) in source.kept {
            var digest = ContentDigest()
            let stream = try FileDocumentStream(path: kept.path)
            while let document = stream.next() {
                try document.withUnsafeBytes { try digest.add(bson: $0) }
            }
            digests["kept " + namespace] = digest
        }
        return digests
    }

    static func tableDigests(_ db: Database) throws -> [String: ContentDigest] {
        var digests: [String: ContentDigest] = [:]
        for table in try TableKeys.tableNames(db) where !ControllerYAMLWriter.excluded.contains(table) {
            let statement = try db.makeStatement(sql: "SELECT * FROM \"\(table)\" ORDER BY rowid")
            let handle = statement.sqliteStatement
            let count = Int(sqlite3_column_count(handle))
            let declared = (0..<count).map { ControllerYAMLWriter.declared(sqlite3_column_decltype(handle, Int32($0))) }
            var digest = ContentDigest()
            while sqlite3_step(handle) == SQLITE_ROW {
                digest.add(line: (0..<count).map { ControllerYAMLWriter.yaml(ControllerYAMLWriter.sqlValue(handle, Int32($0), declared[$0])) }
                    .joined(separator: "\t"))
            }
            sqlite3_reset(handle)
            digests["table " + table] = digest
        }
        // A row at a time: the kept documents may be millions.
        let rows = try Row.fetchCursor(db, sql: """
            SELECT c.namespace AS namespace, d.document AS document FROM legacy_document d
            JOIN legacy_collection c ON c.position = d.collection_position ORDER BY d.id
            """)
        while let row = try rows.next() {
            let namespace: String = row["namespace"]
            try row.withUnsafeData(named: "document") { data in
                try (data ?? Data()).withUnsafeBytes { try digests["kept " + namespace, default: ContentDigest()].add(bson: $0) }
            }
        }
        return digests
    }

    static func compare(_ expected: [String: ContentDigest], _ actual: [String: ContentDigest], what: String) throws {
        var problems: [String] = []
        for name in Set(expected.keys).union(actual.keys).sorted() {
            let a = expected[name], b = actual[name]
            if a == b { continue }
            if (a?.count ?? 0) == 0 && (b?.count ?? 0) == 0 { continue }
            problems.append("\(name): source has \(a?.count ?? 0) (sha256 \(a?.hex.prefix(12) ?? "-")), result has \(b?.count ?? 0) (sha256 \(b?.hex.prefix(12) ?? "-"))")
        }
        guard problems.isEmpty else { throw MigrationError.verification(problems) }
    }

    /// Moves the finished archive (written beside the output, on the same filesystem) into
    /// place atomically: fsync, rename, fsync of the directory.
    static func publish(_ temporary: String, as output: String) throws {
        let descriptor = open(temporary, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0, fsync(descriptor) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            throw MigrationError.io("cannot sync \(temporary): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        guard rename(temporary, output) == 0 else {
            throw MigrationError.io("cannot move the result to \(output): \(String(cString: strerror(errno)))")
        }
        let directory = (output as NSString).deletingLastPathComponent
        let handle = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if handle >= 0 { fsync(handle); close(handle) }
    }
}
