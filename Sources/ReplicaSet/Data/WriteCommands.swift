import BSON

extension DataStore {
    /// Plans `insert`, `update` or `delete` (recognised by the first key) against this store
    /// without changing it. Each statement sees the effects of the earlier ones, so two inserts of
    /// one `_id` in a command make the second a duplicate. `newObjectID` supplies the `_id` of
    /// inserted documents that have none; it is called once per such document, in order.
    ///
    /// A malformed command fails as a whole; a statement that cannot be performed becomes a
    /// write error, and with `ordered` (the default) the statements after it are not attempted.
    public func planWrite(_ command: Document, database: String, newObjectID: () -> ObjectID) -> Result<WritePlan, CommandError> {
        do throws(CommandError) {
            guard let kind = DataCommand(command), kind.isWrite else {
                throw .commandNotFound("no such command: '\(command.keys.first ?? "")'")
            }
            if kind == .dropDatabase { return .success(try planDropDatabase(database)) }
            let namespace = try CommandFields.namespace(command, database: database)
            let fields = CommandFields(command, prefix: kind.rawValue)
            var planner = WritePlanner(store: self, command: kind, namespace: namespace,
                                       ordered: try fields.bool("ordered", default: true))
            switch kind {
            case .insert: try planner.insert(try WritePlanner.statements(fields, "documents"), newObjectID: newObjectID)
            case .update: try planner.update(try WritePlanner.statements(fields, "updates"), newObjectID: newObjectID)
            case .drop: return .success(try planDrop(namespace))
            default: try planner.delete(try WritePlanner.statements(fields, "deletes"))
            }
            return .success(planner.plan)
        } catch {
            return .failure(error)
        }
    }
}

/// Works through a write command's statements on a scratch copy of the store, recording every
/// operation it applies there.
private struct WritePlanner {
    /// The store as the statements so far have left it (a copy: the caller's store is a value).
    var scratch: DataStore
    var plan: WritePlan
    let namespace: Namespace
    let ordered: Bool

    init(store: DataStore, command: DataCommand, namespace: Namespace, ordered: Bool) {
        scratch = store
        plan = WritePlan(command: command)
        self.namespace = namespace
        self.ordered = ordered
    }

    static func statements(_ fields: CommandFields, _ key: String) throws(CommandError) -> [Value] {
        let statements = try fields.requiredArray(key)
        guard (1...100_000).contains(statements.count) else {
            throw .invalidLength("Write batch sizes must be between 1 and 100000. Got \(statements.count) operations.")
        }
        return statements
    }

    /// Applies `operation` to the scratch store and records it, preceded by the `create` that
    /// mongod logs when a write makes a new collection.
    mutating func emit(_ operation: OplogOperation) throws(CommandError) {
        if operation.op == .insert, scratch.collection(namespace.description) == nil {
            let create = OplogOperation.createCollection(namespace)
            try scratch.apply(create)
            plan.operations.append(create)
        }
        try scratch.apply(operation)
        plan.operations.append(operation)
    }

    /// Runs one statement, turning its failure into a write error; false when the rest must stop.
    mutating func attempt(_ index: Int, _ body: (inout WritePlanner) throws(CommandError) -> Void) -> Bool {
        do {
            try body(&self)
            return true
        } catch {
            plan.writeErrors.append(WritePlan.WriteError(index: index, error: error))
            return !ordered
        }
    }

    func duplicateKey(_ id: Value) -> CommandError {
        .duplicateKey("E11000 duplicate key error collection: \(namespace) index: _id_ dup key: \(ShellFormat.spaced(["_id": id]))")
    }

    /// Stores a new document with `_id` first, generating the `_id` when it has none.
    mutating func insertDocument(_ document: Document, newObjectID: () -> ObjectID) throws(CommandError) -> Value {
        let id = document["_id"] ?? .objectID(newObjectID())
        try StorageRules.checkID(id)
        try StorageRules.checkFieldNames(document)
        if scratch.document(in: namespace.description, id: id) != nil { throw duplicateKey(id) }
        try emit(.insert(document.withIDFirst(id), into: namespace.description))
        return id
    }

    // MARK: insert

    mutating func insert(_ documents: [Value], newObjectID: () -> ObjectID) throws(CommandError) {
        var parsed: [Document] = []
        for (index, value) in documents.enumerated() {
            guard case let .document(document) = value else {
                throw .wrongType("insert.documents.\(index)", value, expected: "object")
            }
            parsed.append(document)
        }
        for (index, document) in parsed.enumerated() {
            let proceed = attempt(index) { planner throws(CommandError) in
                _ = try planner.insertDocument(document, newObjectID: newObjectID)
                planner.plan.n += 1
            }
            if !proceed { break }
        }
    }

    // MARK: update

    struct UpdateStatement {
        let query: Document
        let update: Document
        let upsert: Bool
        let multi: Bool
    }

    mutating func update(_ statements: [Value], newObjectID: () -> ObjectID) throws(CommandError) {
        var parsed: [UpdateStatement] = []
        for (index, value) in statements.enumerated() {
            guard case let .document(statement) = value else {
                throw .wrongType("update.updates.\(index)", value, expected: "object")
            }
            let fields = CommandFields(statement, prefix: "update.updates")
            parsed.append(UpdateStatement(query: try fields.requiredDocument("q"), update: try fields.requiredDocument("u"),
                                          upsert: try fields.bool("upsert", default: false),
                                          multi: try fields.bool("multi", default: false)))
        }
        for (index, statement) in parsed.enumerated() {
            let proceed = attempt(index) { planner throws(CommandError) in
                try planner.perform(statement, index: index, newObjectID: newObjectID)
            }
            if !proceed { break }
        }
    }

    /// Updates the first matching document (every one with `multi`), or upserts. Only changed
    /// documents are logged and counted in `nModified`; all matched ones count in `n`.
    private mutating func perform(_ statement: UpdateStatement, index: Int, newObjectID: () -> ObjectID) throws(CommandError) {
        let matcher = try Matcher(statement.query)
        let update = try UpdateSpec(statement.update)
        if statement.multi && update.isReplacement {
            throw .failedToParse("multi update is not supported for replacement-style update")
        }
        let matched = scratch.collection(namespace.description)?.matching(matcher) ?? []
        let targets = statement.multi ? matched : Array(matched.prefix(1))
        if targets.isEmpty && statement.upsert {
            try upsert(matcher, update, index: index, newObjectID: newObjectID)
            return
        }
        var modified = 0
        for document in targets {
            let updated = try update.apply(to: document)
            if updated != document {
                try emit(.update(id: document["_id"]!, postImage: updated, in: namespace.description))
                modified += 1
            }
        }
        plan.n += targets.count
        plan.nModified += modified
    }

    /// A replacement upsert takes only `_id` from the query; a modifier upsert starts from all
    /// of the query's equality fields.
    private mutating func upsert(_ matcher: Matcher, _ update: UpdateSpec, index: Int, newObjectID: () -> ObjectID) throws(CommandError) {
        var seed = try UpsertSeed.document(from: matcher)
        if update.isReplacement { seed = seed["_id"].map { ["_id": $0] } ?? [:] }
        let document = try update.apply(to: seed, isInsert: true)
        let id = try insertDocument(document, newObjectID: newObjectID)
        plan.n += 1
        plan.upserted.append(WritePlan.Upserted(index: index, id: id))
    }

    // MARK: delete

    mutating func delete(_ statements: [Value]) throws(CommandError) {
        var parsed: [(query: Document, limit: Int64)] = []
        for (index, value) in statements.enumerated() {
            guard case let .document(statement) = value else {
                throw .wrongType("delete.deletes.\(index)", value, expected: "object")
            }
            let fields = CommandFields(statement, prefix: "delete.deletes")
            let query = try fields.requiredDocument("q")
            let limit = try fields.requiredInteger("limit")
            guard limit == 0 || limit == 1 else {
                throw .failedToParse("The limit field in delete objects must be 0 or 1. Got \(limit)")
            }
            parsed.append((query, limit))
        }
        for (index, statement) in parsed.enumerated() {
            let proceed = attempt(index) { planner throws(CommandError) in
                let matcher = try Matcher(statement.query)
                let matched = planner.scratch.collection(planner.namespace.description)?.matching(matcher) ?? []
                let targets = statement.limit == 1 ? Array(matched.prefix(1)) : matched
                for document in targets {
                    try planner.emit(.delete(id: document["_id"]!, from: planner.namespace.description))
                }
                planner.plan.n += targets.count
            }
            if !proceed { break }
        }
    }
}
