import BSON
import XCTest
@testable import Backups

/// Legacy archives: the layouts of 1.20 and 1.21+, metadata.json, and what reading refuses.
final class LegacyBackupTests: XCTestCase {
    private let started: Int64 = 1_402_000_000_250_000

    private func sample(_ format: LegacyBackupFormat) -> LegacyBackup {
        let metadata = format == .juju120 ? nil : LegacyBackupMetadata(environment: "9f3b4c1e-0000-4000-8000-000000000001", machine: "0",
                                                                      hostname: "juju-9f3b4c-machine-0", version: "1.25.6", started: started)
        return LegacyBackup(
            format: format, metadata: metadata,
            collections: [
                CollectionDump(database: "juju", collection: "machines", documents: [["_id": "0", "jobs": [1, 2], "hasvote": true]]),
                CollectionDump(database: "admin", collection: "system.users", documents: [["_id": "admin.machine-0", "user": "machine-0"]]),
                CollectionDump(database: "juju", collection: "settings", options: ["capped": false], documents: [["_id": "e", "agent-version": "1.20.14"]]),
            ],
            oplog: format == .juju120 ? nil : [["ts": .timestamp(Timestamp(seconds: 1_402_000_000, increment: 1)), "op": "n", "ns": "", "o": ["msg": "x"]]],
            rootFiles: [BackupFile(path: "var/lib/juju/agents/machine-0/agent.conf", text: "statepassword: a\n"),
                        BackupFile(path: "var/log/juju/all-machines.log", text: "")],
            environConfig: format == .juju120 ? "{ \"_id\" : \"e\" }\n" : nil)
    }

    private func roundTrip(_ backup: LegacyBackup) throws -> (BackupContents, BackupReadReport) {
        let scratch = ArchiveScratch()
        let path = scratch.file("backup.tar.gz")
        _ = try LegacyArchiveWriter.write(backup, to: path, modificationTime: started / 1_000_000)
        return try BackupReader.read(path: path)
    }

    func test_v0ArchiveReadsBackEqualWithItsManifestChecked() throws {
        let backup = sample(.v0)
        let (contents, report) = try roundTrip(backup)
        XCTAssertEqual(contents, .legacy(backup))
        XCTAssertTrue(report.manifestChecked)
    }

    func test_juju120ArchiveHasNoMetadataButAnEnvironConfig() throws {
        let backup = sample(.juju120)
        let (contents, _) = try roundTrip(backup)
        guard case .legacy(let read) = contents else { return XCTFail("expected a legacy archive") }
        XCTAssertEqual(read.format, .juju120)
        XCTAssertNil(read.metadata)
        XCTAssertEqual(read.environConfig, "{ \"_id\" : \"e\" }\n")
        XCTAssertNil(read.oplog, "the 1.20 plugin dumps offline, without --oplog")
    }

    func test_layoutFollowsTheJujuVersion() throws {
        let scratch = ArchiveScratch()
        for (format, expected) in [(LegacyBackupFormat.v0, ["juju-backup", "juju-backup/metadata.json", "juju-backup/root.tar", "juju-backup/dump"]),
                                   (.juju120, ["juju-backup", "juju-backup/dump", "juju-backup/dump/admin"])] {
            let path = scratch.file("\(format.rawValue).tar.gz")
            _ = try LegacyArchiveWriter.write(sample(format), to: path, modificationTime: 0)
            let names = try readEntries(try ArchiveReader(path: path)).map(\.0.path)
            XCTAssertEqual(Array(names.prefix(expected.count)), expected)
            XCTAssertEqual(names.last, Manifest.archivePath, "the manifest comes last, once every digest is known")
            XCTAssertTrue(names.contains("juju-backup/dump/juju/machines.bson"))
            XCTAssertTrue(names.contains("juju-backup/dump/juju/machines.metadata.json"))
            XCTAssertEqual(names.contains("juju-backup/dump/oplog.bson"), format != .juju120)
            XCTAssertEqual(names.contains("juju-backup/environconfig.json"), format == .juju120)
        }
    }

    func test_sameBackupGivesTheSameBytes() throws {
        let scratch = ArchiveScratch()
        let a = try LegacyArchiveWriter.write(sample(.v0), to: scratch.file("a.tar.gz"), modificationTime: 1_402_000_000)
        let b = try LegacyArchiveWriter.write(sample(.v0), to: scratch.file("b.tar.gz"), modificationTime: 1_402_000_000)
        XCTAssertEqual(scratch.read("a.tar.gz"), scratch.read("b.tar.gz"))
        XCTAssertEqual(a.checksum, b.checksum)
    }

    func test_checksumIsBase64SHA1OfTheWholeFile() throws {
        let scratch = ArchiveScratch()
        let written = try LegacyArchiveWriter.write(sample(.v0), to: scratch.file("a.tar.gz"), modificationTime: 0)
        XCTAssertEqual(written.size, scratch.read("a.tar.gz").count)
        XCTAssertEqual(written.checksum.count, 28, "20 bytes of SHA-1 are 28 base64 characters")
    }

    func test_v0MetadataIsWrittenAtTheStartWithEmptyResultFields() {
        let json = sample(.v0).metadata!.json(format: .v0)
        XCTAssertEqual(json, #"{"ID":"","Checksum":"","ChecksumFormat":"","Size":0,"Stored":"0001-01-01T00:00:00Z","Started":"2014-06-05T20:26:40.25Z","Finished":"0001-01-01T00:00:00Z","Notes":"","Environment":"9f3b4c1e-0000-4000-8000-000000000001","Machine":"0","Hostname":"juju-9f3b4c-machine-0","Version":"1.25.6"}"#)
    }

    func test_v1MetadataNamesTheModelAndCarriesFormatVersion() throws {
        let json = sample(.v0).metadata!.json(format: .v1)
        XCTAssertTrue(json.hasPrefix(#"{"ID":"","FormatVersion":1,"#))
        XCTAssertTrue(json.contains(#""ModelUUID":"9f3b4c1e-0000-4000-8000-000000000001""#))
        let files: [String: [UInt8]] = [BackupLayout.metadata: Array(json.utf8)]
        XCTAssertThrowsError(try BackupReader.interpret(files: files, order: [BackupLayout.metadata])) { error in
            XCTAssertEqual((error as? BackupError)?.description, "backup archive has no juju-backup/root.tar")
        }
    }

    func test_unknownFormatVersionIsRefusedInJujusWords() {
        let files: [String: [UInt8]] = [BackupLayout.metadata: Array(#"{"FormatVersion": 7}"#.utf8)]
        XCTAssertThrowsError(try BackupReader.interpret(files: files, order: [])) { error in
            XCTAssertEqual((error as? BackupError)?.description, "backup format 7 not supported")
        }
    }

    func test_missingMetadataFieldIsNamed() {
        let json = #"{"ID":"","Started":"2014-06-05T20:26:40Z","Machine":"0","Hostname":"h","Version":"1.25.6"}"#
        let files: [String: [UInt8]] = [BackupLayout.metadata: Array(json.utf8)]
        XCTAssertThrowsError(try BackupReader.interpret(files: files, order: [])) { error in
            XCTAssertEqual((error as? BackupError)?.description, "metadata.json: missing field \"Environment\"")
        }
    }

    func test_formatTwoWithoutControllerYAMLIsRefused() throws {
        let metadata = ModernBackupMetadata(started: 0, modelUUID: "m", machine: "0", hostname: "h", version: "4.0.0", base: "ubuntu@22.04",
                                            controllerUUID: "c", haNodes: 3, controllerMachineID: "0", controllerMachineInstanceID: "i")
        let files: [String: [UInt8]] = [BackupLayout.metadata: Array(metadata.json.utf8)]
        XCTAssertThrowsError(try BackupReader.interpret(files: files, order: [BackupLayout.metadata])) { error in
            XCTAssertEqual((error as? BackupError)?.description, "backup archive has no juju-backup/dump/controller.yaml")
        }
    }

    func test_corruptBSONNamesTheFileTheDocumentAndTheOffset() throws {
        var bytes = try MongoDumpFiles.bson([["_id": 1], ["_id": 2]])
        bytes[14 + 4] = 0x7F // the second document's first element type byte: not a BSON type
        XCTAssertThrowsError(try MongoDumpFiles.documents(in: bytes, entry: "juju-backup/dump/juju/x.bson")) { error in
            XCTAssertTrue((error as? BackupError)?.description.hasPrefix("juju-backup/dump/juju/x.bson: invalid BSON: document 1 at offset 14") == true,
                          "\(error)")
        }
    }

    func test_truncatedBSONFileIsRefused() throws {
        let bytes = try MongoDumpFiles.bson([["_id": 1], ["_id": 2]])
        XCTAssertThrowsError(try MongoDumpFiles.documents(in: Array(bytes.dropLast(3)), entry: "x.bson")) { error in
            XCTAssertEqual((error as? BackupError)?.description,
                           "x.bson: invalid BSON: document 1 at offset 14: declared length 14 exceeds the 11 bytes left")
        }
    }

    func test_collectionMetadataKeepsOptionsAndTheIdIndex() throws {
        let dump = CollectionDump(database: "logs", collection: "logs", options: ["capped": true, "size": .int32(4096)], documents: [])
        let text = MongoDumpFiles.metadataJSON(dump)
        XCTAssertTrue(text.contains("\"ns\" : \"logs.logs\""), text)
        XCTAssertEqual(try MongoDumpFiles.options(fromMetadataJSON: text, entry: "m"), ["capped": true, "size": .int32(4096)])
    }
}
