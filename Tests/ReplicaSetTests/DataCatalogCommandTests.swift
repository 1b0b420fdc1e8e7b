import BSON
@testable import ReplicaSet
import XCTest

/// The catalog commands mongodump and mongorestore use: listDatabases, listCollections, drop,
/// dropDatabase.
final class DataCatalogCommandTests: XCTestCase {
    private var ids = DataFixture.idSource()

    private func twoDatabases() throws -> DataStore {
        var store = try DataFixture.store("c", [["_id": 1], ["_id": 2]])
        try store.apply(OplogOperation.createCollection(Namespace(database: "juju", collection: "machines")))
        try store.apply(OplogOperation(op: .insert, ns: "juju.machines", o: ["_id": "0"]))
        return store
    }

    func test_listDatabasesNamesEveryDatabaseWithItsSize() throws {
        let reply = try twoDatabases().listDatabases(database: "admin").get()
        let names = reply["databases"]?.arrayValue?.compactMap { $0.documentValue?["name"]?.stringValue }
        XCTAssertEqual(names, ["juju", "test"])
        XCTAssertEqual(reply["databases"]?.arrayValue?.first?.documentValue?["sizeOnDisk"], .double(16), "{_id: \"0\"} is 16 bytes of BSON")
        XCTAssertEqual(reply["ok"], .double(1))
    }

    func test_listDatabasesOutsideAdminIsUnauthorized() throws {
        guard case .failure(let error) = try twoDatabases().listDatabases(database: "juju") else { return XCTFail("expected a failure") }
        XCTAssertEqual(error.code, 13)
        XCTAssertEqual(error.errmsg, "listDatabases may only be run against the admin database.")
    }

    func test_listCollectionsReturnsOnlyThatDatabasesCollections() throws {
        let reply = try twoDatabases().listCollections(database: "juju")
        let batch = reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.compactMap(\.documentValue)
        XCTAssertEqual(batch?.map { $0["name"] }, [.string("machines")])
        XCTAssertEqual(reply["cursor"]?.documentValue?["ns"], "juju.$cmd.listCollections")
    }

    func test_dropLogsACommandEntryAndRemovesTheCollection() throws {
        var store = try twoDatabases()
        let plan = try DataFixture.plan(["drop": "machines"], on: store, database: "juju", ids: &ids)
        XCTAssertEqual(plan.operations, [OplogOperation(op: .command, ns: "juju.$cmd", o: ["drop": "machines"])])
        XCTAssertEqual(plan.reply, ["nIndexesWas": .int32(1), "ns": "juju.machines", "ok": .double(1)])
        for operation in plan.operations { try store.apply(operation) }
        XCTAssertEqual(store.namespaces, ["test.c"])
    }

    func test_droppingAMissingCollectionIsNamespaceNotFound() throws {
        let planned = try twoDatabases().planWrite(["drop": "nothing"], database: "juju") { ObjectID(bytes: Array(repeating: 0, count: 12))! }
        guard case .failure(let error) = planned else { return XCTFail("expected a failure") }
        XCTAssertEqual(error.code, 26)
        XCTAssertEqual(error.errmsg, "ns not found")
    }

    func test_dropDatabaseRemovesEveryCollectionOfThatDatabaseOnly() throws {
        var store = try twoDatabases()
        let plan = try DataFixture.plan(["dropDatabase": 1], on: store, database: "juju", ids: &ids)
        XCTAssertEqual(plan.reply, ["dropped": "juju", "ok": .double(1)])
        for operation in plan.operations { try store.apply(operation) }
        XCTAssertEqual(store.databaseNames, ["test"])
    }

    func test_dropDatabaseOfAMissingDatabaseLogsNothing() throws {
        let plan = try DataFixture.plan(["dropDatabase": 1], on: try twoDatabases(), database: "nothing", ids: &ids)
        XCTAssertEqual(plan.operations, [])
        XCTAssertEqual(plan.reply, ["dropped": "nothing", "ok": .double(1)])
    }
}
