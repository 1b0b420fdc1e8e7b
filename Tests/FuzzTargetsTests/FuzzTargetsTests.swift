import Foundation
import XCTest
import FuzzTargets

/// Every stored fuzz input (seeds, and any crash found, kept as a regression) goes through its
/// target again: none may crash, and each gets the verdict its name promises: `reject-…`
/// inputs are refused, the others accepted.
final class FuzzTargetsTests: XCTestCase {
    private var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fuzz")
    }

    private func replay(_ target: String, _ run: (UnsafeRawBufferPointer) -> FuzzVerdict) throws {
        let directory = root.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 3, "\(target) has seed inputs")
        for name in names {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            let verdict = data.withUnsafeBytes { run($0) }
            if name.hasPrefix("reject-") {
                guard case .rejected = verdict else { return XCTFail("\(target)/\(name) was accepted") }
            } else {
                XCTAssertEqual(verdict, .accepted, "\(target)/\(name)")
            }
        }
    }

    func test_bsonInputsRoundTripOrAreRefused() throws { try replay("bson", FuzzTargets.bsonDocument) }
    func test_archiveInputsReadOrAreRefusedWithABackupError() throws { try replay("archive", FuzzTargets.backupArchive) }
    func test_scenarioInputsRunOrAreRefused() throws { try replay("scenario", FuzzTargets.scenarioScript) }
    func test_mongoWireInputsDecodeOrAreRefused() throws { try replay("mongo-wire", FuzzTargets.mongoWireStream) }
    func test_dqliteWireInputsDecodeOrAreRefused() throws { try replay("dqlite-wire", FuzzTargets.dqliteWireStream) }

    func test_aDocumentWhoseReencodingDiffersWouldBeCaught() throws {
        // Duplicate keys decode but are kept as given, so even they re-encode byte for byte.
        let bytes: [UInt8] = [23, 0, 0, 0, 0x10, 0x61, 0, 1, 0, 0, 0, 0x10, 0x61, 0, 2, 0, 0, 0, 0x08, 0x62, 0, 1, 0]
        XCTAssertEqual(bytes.withUnsafeBytes { FuzzTargets.bsonDocument($0) }, .accepted)
    }
}
