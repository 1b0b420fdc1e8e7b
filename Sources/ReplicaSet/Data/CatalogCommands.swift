import BSON

/// The catalog commands mongodump and mongorestore rely on: listing databases and collections,
/// and dropping them (`--drop`). Drops travel through the oplog as `c` entries, so every member
/// ends up with the same catalog.
extension DataStore {
    /// `{listDatabases: 1}` on `admin` → `{databases: [{name, sizeOnDisk, empty}], totalSize, ok}`.
    public func listDatabases(database: String) -> Result<Document, CommandError> {
        guard database == "admin" else {
            return .failure(.unauthorized("listDatabases may only be run against the admin database."))
        }
        var total: Int64 = 0
        let entries: [Value] = databaseNames.map { name in
            let size = collections.filter { Namespace($0.namespace)?.database == name }
                .reduce(Int64(0)) { sum, c in c.documents.reduce(sum) { $0 + Int64(BSONSize.of($1)) } }
            total += size
            return .document(["name": .string(name), "sizeOnDisk": .double(Double(size)), "empty": .bool(size == 0)])
        }
        return .success(["databases": .array(entries), "totalSize": .double(Double(total)), "ok": .double(1)])
    }

    /// `{listCollections: 1}` → a single-batch cursor of `{name, type, options, info}`, sorted by name.
    public func listCollections(database: String) -> Document {
        let entries: [Value] = collections.compactMap { collection in
            guard let ns = Namespace(collection.namespace), ns.database == database else { return nil }
            return .document(["name": .string(ns.collection), "type": .string("collection"),
                              "options": .document(collection.options), "info": .document(["readOnly": .bool(false)])])
        }
        let cursor: Document = ["id": .int64(0), "ns": .string("\(database).$cmd.listCollections"), "firstBatch": .array(entries)]
        return ["cursor": .document(cursor), "ok": .double(1)]
    }

    /// `{drop: coll}`: mongod (before 7.0) refuses to drop a collection that does not exist.
    func planDrop(_ namespace: Namespace) throws(CommandError) -> WritePlan {
        guard collection(namespace.description) != nil else {
            throw CommandError(code: 26, codeName: "NamespaceNotFound", errmsg: "ns not found")
        }
        var plan = WritePlan(command: .drop)
        plan.operations = [OplogOperation(op: .command, ns: "\(namespace.database).$cmd", o: ["drop": .string(namespace.collection)])]
        plan.catalogReply = ["nIndexesWas": .int32(1), "ns": .string(namespace.description)]
        return plan
    }

    /// `{dropDatabase: 1}` succeeds whether or not the database exists.
    func planDropDatabase(_ database: String) throws(CommandError) -> WritePlan {
        guard !database.isEmpty, !database.contains(".") else { throw .invalidNamespace("Invalid database name: '\(database)'") }
        var plan = WritePlan(command: .dropDatabase)
        if databaseNames.contains(database) {
            plan.operations = [OplogOperation(op: .command, ns: "\(database).$cmd", o: ["dropDatabase": .int32(1)])]
        }
        plan.catalogReply = ["dropped": .string(database)]
        return plan
    }
}
