import Backups
import Foundation
@testable import Migration
import XCTest

/// Every backup archive in Fixtures/ (made by the simulator's create-backup and by the fixture
/// generator) comes back unchanged from a round trip through the other format.
final class FixtureArchiveTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fixtures/backups").standardized

    func test_everyFixtureArchiveSurvivesARoundTrip() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
            .filter { $0.hasSuffix(".tgz") || $0.hasSuffix(".tar.gz") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 6)
        for name in names {
            let scratch = try Scratch()
            defer { scratch.remove() }
            let source = Self.folder.appendingPathComponent(name).path
            try scratch.migrate(source, "other.tar.gz", verify: true)
            try scratch.migrate(scratch.path("other.tar.gz"), "back.tar.gz", verify: true)
            switch try read(source) {
            case .legacy(let original):
                try assertSameDocuments(original, try legacy(scratch.path("back.tar.gz")))
                XCTAssertEqual(try BackupMigration.flavor(of: scratch.path("other.tar.gz")), .modern, name)
            case .modern(let original):
                let back = try modern(scratch.path("back.tar.gz"))
                XCTAssertEqual(original.metadata, back.metadata, name)
                XCTAssertEqual(original.models, back.models, name)
                XCTAssertEqual(original.rootFiles, back.rootFiles, name)
                XCTAssertEqual(original.controller.tables.map(\.name), back.controller.tables.map(\.name), name)
                for (a, b) in zip(original.controller.tables, back.controller.tables) where a != b {
                    XCTFail("\(name): table \(a.name) differs: \(a.rows.count) rows, then \(b.rows.count)")
                }
                XCTAssertEqual(try BackupMigration.flavor(of: scratch.path("other.tar.gz")), .legacy, name)
            }
        }
    }
}
