import Backups
import BSON
import Foundation
@testable import Migration
import XCTest

/// Malformed input stops with the collection, the document number and the reason, and leaves
/// neither an output file nor the pivot behind.
final class BadInputTests: XCTestCase {
    var scratch: Scratch!
    var source: String!

    override func setUpWithError() throws {
        scratch = try Scratch()
        source = try scratch.generate(FixtureSpec(flavor: .legacy, machines: 5, units: 5, documents: 200, seed: 4), "source.tar.gz")
    }

    override func tearDown() { scratch.remove() }

    /// The source archive with the documents of `juju.<collection>` replaced.
    private func altered(_ collection: String, _ change: ([[UInt8]]) throws -> [UInt8]) throws -> String {
        var files = try entries(of: source)
        let path = BackupLayout.collectionBSON("juju", collection)
        let index = files.firstIndex { $0.0 == path }!
        let documents = try MongoDumpFiles.documents(in: files[index].1, entry: path).map { try $0.encode() }
        files[index].1 = try change(documents)
        try archive(files, at: scratch.path("bad.tar.gz"))
        return scratch.path("bad.tar.gz")
    }

    private func assertFails(_ input: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        let before = scratch.names
        XCTAssertThrowsError(try scratch.migrate(input, "out.tar.gz"), file: file, line: line) { error in
            XCTAssertTrue("\(error)".hasPrefix(message), "said: \(error)", file: file, line: line)
        }
        XCTAssertEqual(scratch.names, before, "no output, no pivot left", file: file, line: line)
    }

    func test_badDocumentInTheMiddleOfACollectionNamesItsNumberAndReason() throws {
        let bad = try altered("machines") { documents in
            var broken = documents[2]
            broken[4] = 0x1A  // the first element's type byte
            return documents[0] + documents[1] + broken + documents[3] + documents[4]
        }
        assertFails(bad, "juju.machines: document 2: bad type byte 0x1a")
    }

    func test_truncatedCollectionNamesTheDocumentItEndsIn() throws {
        let bad = try altered("units") { documents in documents[0] + documents[1] + Array(documents[2].prefix(10)) }
        assertFails(bad, "juju.units: document 2: truncated")
    }

    /// A collection with no table streams into the output as it is read: a bad document in it
    /// still leaves nothing behind.
    func test_badDocumentInACollectionWithNoTableLeavesNoOutput() throws {
        let bad = try altered("txns") { documents in
            var broken = documents[100]
            broken[0] = 0xFF  // declared length far beyond the document
            return documents[..<100].flatMap { $0 } + broken + documents[101...].flatMap { $0 }
        }
        assertFails(bad, "juju.txns: document 100: ")
    }

    func test_unexpectedTypeInAMappedFieldStops() throws {
        let bad = try altered("machines") { documents in
            var third = try Document(bson: documents[3])
            third["life"] = .string("alive")
            return documents[0] + documents[1] + documents[2] + (try third.encode()) + documents[4]
        }
        assertFails(bad, "juju.machines: document 3: field \"life\" is a string, expected a 32-bit integer")
    }

    func test_unknownMachineStatusStops() throws {
        let bad = try altered("statuses") { documents in
            var first = try Document(bson: documents[0])
            first["status"] = .string("exploded")
            return (try first.encode()) + documents.dropFirst().flatMap { $0 }
        }
        assertFails(bad, "juju.statuses: document 0: field \"status\" is machine status \"exploded\"")
    }

    func test_archiveOfTheWrongFlavorIsRefused() throws {
        try scratch.migrate(source, "modern.tar.gz")
        XCTAssertThrowsError(try scratch.migrate(scratch.path("modern.tar.gz"), "again.tar.gz", to: .modern)) { error in
            XCTAssertTrue("\(error)".contains("is already a modern (format 2) backup"), "\(error)")
        }
        XCTAssertThrowsError(try scratch.migrate(source, "again.tar.gz", to: .legacy)) { error in
            XCTAssertTrue("\(error)".contains("is already a legacy (MongoDB) backup"), "\(error)")
        }
        XCTAssertFalse(scratch.names.contains("again.tar.gz"))
    }

    func test_outputInAMissingDirectoryOrOverAnExistingFileIsRefused() throws {
        XCTAssertThrowsError(try scratch.migrate(source, "nowhere/out.tar.gz")) { error in
            XCTAssertEqual("\(error)", "cannot write \(self.scratch.path("nowhere/out.tar.gz")): directory \(self.scratch.path("nowhere")) does not exist")
        }
        XCTAssertThrowsError(try scratch.migrate(source, "source.tar.gz")) { error in
            XCTAssertEqual("\(error)", "\(self.scratch.path("source.tar.gz")) already exists")
        }
        XCTAssertEqual(scratch.names, ["source.tar.gz"])
    }

    func test_dryRunReportsRefusalsAndWritesNothing() throws {
        let bad = try altered("machines") { documents in
            var first = try Document(bson: documents[1])
            first["nonce"] = .int32(7)
            return documents[0] + (try first.encode()) + documents.dropFirst(2).flatMap { $0 }
        }
        let before = scratch.names
        var options = MigrationOptions()
        options.dryRun = true
        options.progress = false
        let report = try BackupMigration.migrate(input: bad, output: scratch.path("out.tar.gz"), options: options)
        XCTAssertEqual(report.refusals, ["juju.machines: document 1: field \"nonce\" is a 32-bit integer, expected a string"])
        XCTAssertTrue(report.render().contains("juju.machines: 5 documents: 4 → machine, 1 refused"), report.render())
        XCTAssertEqual(scratch.names, before)
    }

    func test_verificationComparesEveryCollection() throws {
        var a = ContentDigest(), b = ContentDigest()
        try a.add(["_id": "0", "life": .int32(0)])
        try b.add(["_id": "0", "life": .int64(0)])
        XCTAssertThrowsError(try BackupMigration.compare(["juju.machines": a], ["juju.machines": b], what: "collection")) { error in
            XCTAssertTrue("\(error)".hasPrefix("verification failed: juju.machines: source has 1"), "\(error)")
        }
        XCTAssertNoThrow(try BackupMigration.compare(["juju.machines": a], ["juju.machines": a], what: "collection"))
    }
}
