import Backups
import BSON
import Foundation
@testable import Migration
import RaftCluster
import XCTest

/// Legacy → modern → legacy gives every document back (same fields, order, types and values),
/// and modern → legacy → modern gives the same format-2 content.
final class RoundTripTests: XCTestCase {
    var scratch: Scratch!

    override func setUpWithError() throws { scratch = try Scratch() }
    override func tearDown() { scratch.remove() }

    func test_legacy120RoundTripOf10000DocumentsGivesEveryDocumentBack() throws {
        let source = try scratch.generate(FixtureSpec(flavor: .legacy, machines: 12, units: 40, documents: 10_000, seed: 7), "source.tar.gz")
        try scratch.migrate(source, "modern.tar.gz", verify: true)
        try scratch.migrate(scratch.path("modern.tar.gz"), "back.tar.gz", verify: true)
        try assertSameDocuments(try legacy(source), try legacy(scratch.path("back.tar.gz")))
        XCTAssertEqual(try legacy(scratch.path("back.tar.gz")).documentCount, 10_000)
    }

    func test_legacy125RoundTripKeepsPrefixedIdsLogsAndOplog() throws {
        let source = try scratch.generate(FixtureSpec(flavor: .legacy, machines: 5, units: 9, documents: 3_000, seed: 3, agentVersion: "1.25.6"),
                                          "source.tar.gz")
        try scratch.migrate(source, "modern.tar.gz", verify: true)
        try scratch.migrate(scratch.path("modern.tar.gz"), "back.tar.gz", verify: true)
        let back = try legacy(scratch.path("back.tar.gz"))
        try assertSameDocuments(try legacy(source), back)
        XCTAssertEqual(back.format, .v0)
        XCTAssertNotNil(back.collection("logs", "logs"))
        XCTAssertEqual(back.oplog?.count, 1)
    }

    func test_modernRoundTripOf10000RowsGivesTheSameFormat2Content() throws {
        let source = try scratch.generate(FixtureSpec(flavor: .modern, machines: 7, units: 20, documents: 10_000, seed: 11), "source.tar.gz")
        try scratch.migrate(source, "legacy.tar.gz", verify: true)
        let middle = try legacy(scratch.path("legacy.tar.gz"))
        XCTAssertEqual(middle.collection("juju", "modern.machine")?.documents.count, 7)
        try scratch.migrate(scratch.path("legacy.tar.gz"), "back.tar.gz", verify: true)
        let a = try modern(source), b = try modern(scratch.path("back.tar.gz"))
        XCTAssertEqual(a.metadata, b.metadata)
        XCTAssertEqual(a.models, b.models)
        XCTAssertEqual(a.rootFiles, b.rootFiles)
        XCTAssertEqual(a.controller.tables.map(\.name), b.controller.tables.map(\.name))
        for (x, y) in zip(a.controller.tables, b.controller.tables) where x != y {
            XCTFail("table \(x.name) differs: \(x.rows.count) rows, then \(y.rows.count)")
        }
    }

    func test_twoRoundTripsGiveIdenticalArchivesInside() throws {
        let source = try scratch.generate(FixtureSpec(flavor: .legacy, machines: 4, units: 6, documents: 500, seed: 5, agentVersion: "1.25.6"), "source.tar.gz")
        try scratch.migrate(source, "m1.tar.gz")
        try scratch.migrate(scratch.path("m1.tar.gz"), "l1.tar.gz")
        try scratch.migrate(scratch.path("l1.tar.gz"), "m2.tar.gz")
        XCTAssertEqual(try entries(of: scratch.path("m1.tar.gz")).map(\.1), try entries(of: scratch.path("m2.tar.gz")).map(\.1))
    }

    /// Every BSON type, in a mapped document's unmapped fields (before and after the mapped
    /// ones, duplicate keys too) and in a collection with no table.
    func test_roundTripKeepsFieldOrderAndTypes() throws {
        let source = try scratch.generate(FixtureSpec(flavor: .legacy, machines: 3, units: 3, documents: 100, seed: 1), "source.tar.gz")
        var backup = try legacy(source)
        let typesURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fixtures/bson/types.bson")
        let typed = try MongoDumpFiles.documents(in: [UInt8](try Data(contentsOf: typesURL)), entry: "types.bson")
        XCTAssertGreaterThan(typed.count, 10)
        let index = backup.collections.firstIndex { $0.namespace == "juju.machines" }!
        var machine = backup.collections[index].documents[1]
        var reordered: [(String, Value)] = [("zz-first", .double(-0.0))]
        for (n, doc) in typed.enumerated() { for (key, value) in doc { reordered.append(("t\(n)-\(key)", value)) } }
        reordered += machine.map { ($0.key, $0.value) }
        reordered.append(("life", .string("duplicate key, second occurrence")))
        machine = Document(reordered)
        backup.collections[index].documents[1] = machine
        backup.collections.append(CollectionDump(database: "juju", collection: "zz-types", documents: typed))
        backup = LegacyBackup(format: backup.format, metadata: backup.metadata, collections: backup.collections, oplog: backup.oplog,
                              rootFiles: backup.rootFiles, environConfig: backup.environConfig)
        _ = try LegacyArchiveWriter.write(backup, to: scratch.path("typed.tar.gz"), modificationTime: 0)
        try scratch.migrate(scratch.path("typed.tar.gz"), "modern.tar.gz", verify: true)
        try scratch.migrate(scratch.path("modern.tar.gz"), "back.tar.gz")
        try assertSameDocuments(backup, try legacy(scratch.path("back.tar.gz")))
    }

    func test_migratedArchiveHasMachinesApplicationsUnitsAndControllersInTables() throws {
        let source = try scratch.generate(FixtureSpec(flavor: .legacy, machines: 6, units: 10, documents: 200, seed: 9), "source.tar.gz")
        try scratch.migrate(source, "modern.tar.gz")
        let result = try modern(scratch.path("modern.tar.gz"))
        func column(_ table: String, _ name: String) -> [SQLValue] {
            guard let t = result.controller.table(table), let i = t.columns.firstIndex(of: name) else { return [] }
            return t.sqlRows.map { $0[i] }
        }
        XCTAssertEqual(column("machine", "name"), (0..<6).map { .text(String($0)) })
        XCTAssertEqual(column("machine", "is_controller"), [true, true, true, false, false, false].map(SQLValue.boolean))
        XCTAssertEqual(column("machine", "instance_id").count, 6)
        XCTAssertFalse(column("machine", "instance_id").contains(.null))
        XCTAssertEqual(column("controller_node", "controller_id"), ["0", "1", "2"].map(SQLValue.text))
        XCTAssertEqual(column("application", "name").count, 4)
        XCTAssertEqual(column("unit", "name").count, 10)
        XCTAssertEqual(column("model", "uuid"), [.text(result.metadata.modelUUID)])
        XCTAssertEqual(result.metadata.version, "4.0.0")
        XCTAssertEqual(result.models.first?.machines.count, 6)
        XCTAssertEqual(column("user", "name"), ["admin", "alice", "bob"].map(SQLValue.text))
        XCTAssertTrue(column("model_config", "key").contains(.text("agent-version")))
        // Every legacy document of the mapped collections is accounted for: a row of its own or kept.
        XCTAssertEqual(column("legacy_collection", "namespace").count, 15)
    }
}
