import BSON

extension DataStore {
    /// Answers `find`, `getMore`, `killCursors` or `count` (recognised by the first key). Only
    /// the cursor table changes; the store is read.
    public func runRead(_ command: Document, database: String, cursors: inout CursorTable) -> Result<Document, CommandError> {
        switch DataCommand(command) {
        case .find?: return find(command, database: database, cursors: &cursors)
        case .getMore?: return cursors.getMore(command, database: database)
        case .killCursors?: return cursors.killCursors(command, database: database)
        case .count?: return count(command, database: database)
        case .listCollections?: return .success(listCollections(database: database))
        case .listDatabases?: return listDatabases(database: database)
        default: return .failure(.commandNotFound("no such command: '\(command.keys.first ?? "")'"))
        }
    }

    /// `{find: coll, filter?, projection?, sort?, skip?, limit?, batchSize?, singleBatch?}` →
    /// `{cursor: {firstBatch, id, ns}, ok: 1}`. Without `sort`, documents come in `_id` order.
    public func find(_ command: Document, database: String, cursors: inout CursorTable) -> Result<Document, CommandError> {
        do throws(CommandError) {
            let namespace = try CommandFields.namespace(command, database: database)
            let fields = CommandFields(command, prefix: "find")
            let matcher = try Matcher(try fields.document("filter") ?? [:])
            let projection = try Projection(try fields.document("projection") ?? [:])
            let sort = try SortOrder(try fields.document("sort") ?? [:])
            let skip = try fields.count("skip", label: "Skip") ?? 0
            let limit = try fields.count("limit", label: "Limit") ?? 0
            let batchSize = try fields.count("batchSize", label: "BatchSize")
            let singleBatch = try fields.bool("singleBatch", default: false)

            let matched = collection(namespace.description)?.matching(matcher) ?? []
            var results = sort.sorted(matched).dropFirst(skip)
            if limit > 0 { results = results.prefix(limit) }
            let projected = projection.isIdentity ? Array(results) : results.map(projection.apply)

            let (batch, rest) = BatchLimit.firstBatch(batchSize: batchSize).split(projected)
            let id = rest.isEmpty || singleBatch ? 0 : cursors.open(ns: namespace.description, documents: rest)
            return .success(cursorReply("firstBatch", batch, id: id, ns: namespace.description))
        } catch {
            return .failure(error)
        }
    }

    /// `{count: coll, query?, skip?, limit?}` → `{n, ok: 1}`; a missing collection counts 0.
    public func count(_ command: Document, database: String) -> Result<Document, CommandError> {
        do throws(CommandError) {
            let namespace = try CommandFields.namespace(command, database: database)
            let fields = CommandFields(command, prefix: "count")
            let matcher = try Matcher(try fields.document("query") ?? [:])
            let skip = try fields.count("skip", label: "Skip") ?? 0
            // count treats a negative limit like its absolute value, as mongod does.
            let limit = Int(clamping: (try fields.integer("limit") ?? 0).magnitude)
            var n = max((collection(namespace.description)?.matching(matcher).count ?? 0) - skip, 0)
            if limit > 0 { n = min(n, limit) }
            return .success(["n": .int32(Int32(clamping: n)), "ok": .double(1)])
        } catch {
            return .failure(error)
        }
    }
}

extension CursorTable {
    /// `{getMore: <id>, collection, batchSize?}` → `{cursor: {nextBatch, id, ns}, ok: 1}`.
    public mutating func getMore(_ command: Document, database: String) -> Result<Document, CommandError> {
        do throws(CommandError) {
            let id = try CommandFields.cursorID(command["getMore"] ?? .null, field: "getMore.getMore")
            let fields = CommandFields(command, prefix: "getMore")
            let collection = try fields.requiredString("collection")
            let ns = Namespace(database: database, collection: collection).description
            let batchSize = try fields.integer("batchSize")
            if let batchSize, batchSize <= 0 {
                throw .badValue("Batch size for getMore must be positive, but received: \(batchSize)")
            }
            guard let cursor = cursor(id) else { throw .cursorNotFound("cursor id \(id) not found") }
            guard cursor.ns == ns else {
                throw .unauthorized("Requested getMore on namespace '\(ns)', but cursor belongs to a different namespace \(cursor.ns)")
            }
            let (batch, cursorID) = takeBatch(from: id, limit: .nextBatch(batchSize: batchSize.map { Int(clamping: $0) }))
            return .success(cursorReply("nextBatch", batch, id: cursorID, ns: ns))
        } catch {
            return .failure(error)
        }
    }

    /// `{killCursors: coll, cursors: [ids]}` → the ids killed and those not found (a cursor on
    /// another collection counts as not found).
    public mutating func killCursors(_ command: Document, database: String) -> Result<Document, CommandError> {
        do throws(CommandError) {
            let namespace = try CommandFields.namespace(command, database: database)
            let ids = try CommandFields(command, prefix: "killCursors").requiredArray("cursors")
            var parsed: [Int64] = []
            for (index, value) in ids.enumerated() {
                parsed.append(try CommandFields.cursorID(value, field: "killCursors.cursors.\(index)"))
            }
            var killed: [Value] = [], notFound: [Value] = []
            for id in parsed {
                if cursor(id)?.ns == namespace.description {
                    kill(id)
                    killed.append(.int64(id))
                } else {
                    notFound.append(.int64(id))
                }
            }
            return .success([
                "cursorsKilled": .array(killed), "cursorsNotFound": .array(notFound),
                "cursorsAlive": .array([]), "cursorsUnknown": .array([]), "ok": .double(1),
            ])
        } catch {
            return .failure(error)
        }
    }
}

/// `{cursor: {<batchName>: [...], id, ns}, ok: 1}`.
private func cursorReply(_ batchName: String, _ batch: [Document], id: Int64, ns: String) -> Document {
    let cursor: Document = [batchName: .array(batch.map(Value.document)), "id": .int64(id), "ns": .string(ns)]
    return ["cursor": .document(cursor), "ok": .double(1)]
}
