import BSON
@testable import ReplicaSet
import XCTest

/// Shared fixtures for the data-layer tests: planning writes, stamping and applying them.
enum DataFixture {
    static let database = "test"

    /// A deterministic `_id` source, as a member would hold one.
    static func idSource(_ unique: UInt64 = 0x0102_0304_05) -> ObjectIDGenerator {
        ObjectIDGenerator(processUnique: unique)
    }

    /// Plans `command`, failing the test on a command-level error.
    static func plan(_ command: Document, on store: DataStore, database: String = database, ids: inout ObjectIDGenerator,
                     file: StaticString = #filePath, line: UInt = #line) throws -> WritePlan {
        switch store.planWrite(command, database: database, newObjectID: { ids.next(seconds: 1_700_000_000) }) {
        case let .success(plan): return plan
        case let .failure(error):
            XCTFail("planWrite failed: \(error)", file: file, line: line)
            throw error
        }
    }

    /// The command-level error `command` fails with (nil when it succeeds).
    static func planError(_ command: Document, on store: DataStore = DataStore()) -> CommandError? {
        var ids = idSource()
        if case let .failure(error) = store.planWrite(command, database: database, newObjectID: { ids.next(seconds: 1) }) {
            return error
        }
        return nil
    }

    /// Stamps operations with consecutive optimes, as a primary in term 1 would.
    static func stamp(_ operations: [OplogOperation], after previous: Int = 0) -> [OplogEntry] {
        operations.enumerated().map { offset, operation in
            let tick = UInt32(previous + offset + 1)
            return OplogEntry(operation, opTime: OpTime(ts: Timestamp(seconds: 100, increment: tick), t: 1), wall: Int64(tick))
        }
    }

    /// Plans and applies `command`, returning the plan.
    @discardableResult
    static func run(_ command: Document, on store: inout DataStore, ids: inout ObjectIDGenerator) throws -> WritePlan {
        let plan = try plan(command, on: store, ids: &ids)
        try store.apply(contentsOf: stamp(plan.operations))
        return plan
    }

    /// A store holding `documents` in `test.<collection>`.
    static func store(_ collection: String = "c", _ documents: [Document]) throws -> DataStore {
        var store = DataStore()
        var ids = idSource()
        try run(["insert": .string(collection), "documents": .array(documents.map(Value.document))], on: &store, ids: &ids)
        return store
    }

    /// Runs a read command, failing the test on error.
    static func read(_ command: Document, on store: DataStore, cursors: inout CursorTable,
                     file: StaticString = #filePath, line: UInt = #line) throws -> Document {
        switch store.runRead(command, database: database, cursors: &cursors) {
        case let .success(reply): return reply
        case let .failure(error):
            XCTFail("read failed: \(error)", file: file, line: line)
            throw error
        }
    }

    static func readError(_ command: Document, on store: DataStore, cursors: inout CursorTable) -> CommandError? {
        if case let .failure(error) = store.runRead(command, database: database, cursors: &cursors) { return error }
        return nil
    }

    /// The `_id`s of a list of documents (from a batch or a store).
    static func ids(_ documents: [Value]) -> [Value] {
        documents.compactMap { $0.documentValue?["_id"] }
    }

    static func ids(_ documents: [Document]) -> [Value] {
        documents.compactMap { $0["_id"] }
    }

    /// `cursor.firstBatch` / `cursor.nextBatch` and `cursor.id` of a find or getMore reply.
    static func batch(_ reply: Document) -> (documents: [Value], id: Int64?) {
        let cursor = reply["cursor"]?.documentValue ?? [:]
        let batch = cursor["firstBatch"]?.arrayValue ?? cursor["nextBatch"]?.arrayValue ?? []
        if case let .int64(id)? = cursor["id"] { return (batch, id) }
        return (batch, nil)
    }
}
