import ArchiveFixtures
import Backups
import BSON
import Foundation
@testable import Migration
import XCTest

/// A scratch directory per test, with helpers to generate, convert and read archives.
final class Scratch {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-migration-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// Everything in the directory: a failed migration must leave no output and no pivot.
    var names: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() }

    func generate(_ spec: FixtureSpec, _ name: String) throws -> String {
        _ = try FixtureGenerator.generate(spec, to: path(name))
        return path(name)
    }

    @discardableResult
    func migrate(_ input: String, _ output: String, to target: BackupFlavor? = nil, verify: Bool = false) throws -> MigrationReport {
        var options = MigrationOptions()
        options.verify = verify
        options.progress = false
        return try BackupMigration.migrate(input: input, output: path(output), to: target, options: options)
    }
}

func read(_ path: String) throws -> BackupContents {
    try BackupReader.read(path: path).0
}

func legacy(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> LegacyBackup {
    guard case .legacy(let backup) = try read(path) else {
        XCTFail("\(path) is not a legacy backup", file: file, line: line)
        throw CancellationError()
    }
    return backup
}

func modern(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> ModernBackupContents {
    guard case .modern(let backup) = try read(path) else {
        XCTFail("\(path) is not a modern backup", file: file, line: line)
        throw CancellationError()
    }
    return backup
}

/// Compares two legacy backups collection by collection, document by document, as canonical
/// extended JSON (which shows every type), plus everything else the archives hold.
func assertSameDocuments(_ a: LegacyBackup, _ b: LegacyBackup, file: StaticString = #filePath, line: UInt = #line) throws {
    XCTAssertEqual(a.collections.map(\.namespace), b.collections.map(\.namespace), file: file, line: line)
    for (x, y) in zip(a.collections, b.collections) {
        XCTAssertEqual(x.documents.count, y.documents.count, x.namespace, file: file, line: line)
        XCTAssertEqual(x.options, y.options, x.namespace, file: file, line: line)
        for (index, (p, q)) in zip(x.documents, y.documents).enumerated() {
            let left = try p.canonicalExtendedJSON, right = try q.canonicalExtendedJSON
            if left != right {
                XCTFail("\(x.namespace) document \(index):\n\(left)\n\(right)", file: file, line: line)
                return
            }
        }
    }
    XCTAssertEqual(a.format, b.format, file: file, line: line)
    XCTAssertEqual(a.metadata, b.metadata, file: file, line: line)
    XCTAssertEqual(a.oplog, b.oplog, file: file, line: line)
    XCTAssertEqual(a.rootFiles, b.rootFiles, file: file, line: line)
    XCTAssertEqual(a.environConfig, b.environConfig, file: file, line: line)
}

/// The entries of an archive (path → bytes), to build altered copies.
func entries(of path: String) throws -> [(String, [UInt8])] {
    let reader = try ArchiveReader(path: path)
    var result: [(String, [UInt8])] = []
    while let header = try reader.next() {
        result.append((header.path, header.kind == .file ? try reader.readAll() : []))
    }
    return result
}

/// An archive from entries, manifest left out (it would no longer match).
func archive(_ entries: [(String, [UInt8])], at path: String) throws {
    let raw = rawArchive(entries.filter { $0.0 != Manifest.archivePath && !$0.1.isEmpty }.map { RawEntry(path: $0.0, kind: .file($0.1)) }, gzip: true)
    try Data(raw).write(to: URL(fileURLWithPath: path))
}
