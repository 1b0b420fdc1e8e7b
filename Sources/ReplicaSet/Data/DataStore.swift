import BSON

/// Every database and collection of one member, changed only by applying oplog operations, so
/// a primary and its secondaries hold equal stores once they have applied the same entries.
public struct DataStore: Sendable, Equatable {
    /// The collections, sorted by namespace (byte order), so iteration never depends on hashing.
    public private(set) var collections: [DocumentCollection]

    public init() {
        collections = []
    }

    /// "db.coll" names in sorted order.
    public var namespaces: [String] { collections.map(\.namespace) }

    /// The databases that hold at least one collection, sorted.
    public var databaseNames: [String] {
        var names: [String] = []
        for collection in collections {
            let name = Namespace(collection.namespace)!.database
            if names.last != name { names.append(name) }
        }
        return names
    }

    public func collection(_ ns: String) -> DocumentCollection? {
        let (index, found) = position(of: ns)
        return found ? collections[index] : nil
    }

    /// The documents of `ns` in `_id` order (empty when the collection does not exist).
    public func documents(in ns: String) -> [Document] {
        collection(ns)?.documents ?? []
    }

    public func document(in ns: String, id: Value) -> Document? {
        collection(ns)?.document(withID: id)
    }

    /// A hash of every namespace, option and document (types and field order included), stable
    /// across processes: equal stores have equal digests.
    public var digest: UInt64 {
        var hasher = StableHasher()
        hasher.combine(UInt64(collections.count))
        for collection in collections {
            hasher.combine(collection.namespace)
            hasher.combine(collection.options)
            hasher.combine(UInt64(collection.count))
            for document in collection.documents { hasher.combine(document) }
        }
        return hasher.value
    }

    // MARK: Applying the oplog

    /// Applies one oplog entry. Applying an entry twice leaves the same store as applying it once.
    public mutating func apply(_ entry: OplogEntry) throws(CommandError) {
        try apply(entry.operation)
    }

    public mutating func apply<Entries: Sequence>(contentsOf entries: Entries) throws(CommandError) where Entries.Element == OplogEntry {
        for entry in entries { try apply(entry) }
    }

    /// Inserts are upserts, updates replace (or insert) the post-image, deletes of absent
    /// documents and re-creations of existing collections do nothing: every operation sets state
    /// rather than changing it relative to what was there.
    public mutating func apply(_ operation: OplogOperation) throws(CommandError) {
        switch operation.op {
        case .noop:
            return
        case .insert:
            try applyInsert(operation)
        case .update:
            try applyUpdate(operation)
        case .delete:
            guard let id = operation.o["_id"] else { throw .failedToParse("Invalid oplog delete on \(operation.ns): 'o' has no _id") }
            let namespace = try Self.dataNamespace(operation.ns)
            modifyCollection(namespace, creating: false) { $0.remove(id: id) }
        case .command:
            try applyCommand(operation)
        }
    }

    private mutating func applyInsert(_ operation: OplogOperation) throws(CommandError) {
        guard operation.o["_id"] != nil else { throw .failedToParse("Invalid oplog insert on \(operation.ns): the document has no _id") }
        let namespace = try Self.dataNamespace(operation.ns)
        modifyCollection(namespace, creating: true) { $0.upsert(operation.o) }
    }

    /// The normal form carries the whole post-image. The `$set`/`$unset` form older mongods log is
    /// also understood; it can only be applied to a document that exists.
    private mutating func applyUpdate(_ operation: OplogOperation) throws(CommandError) {
        guard let id = operation.o2?["_id"] else { throw .failedToParse("Invalid oplog update on \(operation.ns): 'o2' has no _id") }
        let namespace = try Self.dataNamespace(operation.ns)
        var postImage: Document
        if let first = operation.o.keys.first, first.hasPrefix("$") {
            var modifiers = operation.o
            modifiers["$v"] = nil
            guard let current = document(in: namespace.description, id: id) else { return }
            postImage = try UpdateSpec(modifiers).apply(to: current)
        } else {
            postImage = operation.o
            if postImage["_id"] == nil { postImage = postImage.withIDFirst(id) }
        }
        guard let newID = postImage["_id"], ValueOrder.equal(newID, id) else {
            throw .failedToParse("Invalid oplog update on \(operation.ns): the post-image's _id differs from o2's")
        }
        modifyCollection(namespace, creating: true) { $0.upsert(postImage) }
    }

    private mutating func applyCommand(_ operation: OplogOperation) throws(CommandError) {
        guard let namespace = Namespace(operation.ns), namespace.collection == "$cmd" else {
            throw .invalidNamespace("Invalid oplog command namespace: \(operation.ns)")
        }
        let database = namespace.database
        guard let command = operation.o.first(where: { _ in true }) else {
            throw .failedToParse("Invalid oplog command on \(operation.ns): empty command")
        }
        switch (command.key, command.value) {
        case let ("create", .string(collection)):
            var options = operation.o
            options["create"] = nil
            modifyCollection(Namespace(database: database, collection: collection), creating: true, options: options) { _ in }
        case let ("drop", .string(collection)):
            let (index, found) = position(of: "\(database).\(collection)")
            if found { collections.remove(at: index) }
        case ("dropDatabase", _):
            collections.removeAll { Namespace($0.namespace)?.database == database }
        default:
            throw .failedToParse("Quorum cannot apply the oplog command \(ShellFormat.spaced(operation.o)) on \(operation.ns)")
        }
    }

    private static func dataNamespace(_ ns: String) throws(CommandError) -> Namespace {
        guard let namespace = Namespace(ns), !namespace.database.isEmpty, !namespace.collection.isEmpty,
              namespace.collection != "$cmd" else {
            throw .invalidNamespace("Invalid namespace specified '\(ns)'")
        }
        return namespace
    }

    /// Runs `change` on the collection, creating it first when asked (a missing collection
    /// otherwise makes the change a no-op).
    private mutating func modifyCollection(_ namespace: Namespace, creating: Bool, options: Document = [:],
                                           _ change: (inout DocumentCollection) -> Void) {
        let (index, found) = position(of: namespace.description)
        if found {
            change(&collections[index])
        } else if creating {
            var collection = DocumentCollection(namespace: namespace.description, options: options)
            change(&collection)
            collections.insert(collection, at: index)
        }
    }

    private func position(of ns: String) -> (index: Int, found: Bool) {
        var low = 0, high = collections.count
        while low < high {
            let middle = (low + high) / 2
            let order = ValueOrder.compareBytes(collections[middle].namespace, ns)
            if order == 0 { return (middle, true) }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return (low, false)
    }
}

extension DataStore: Codable {
    private enum CodingKeys: String, CodingKey { case collections }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        collections = try container.decode([DocumentCollection].self, forKey: .collections)
            .sorted { ValueOrder.compareBytes($0.namespace, $1.namespace) < 0 }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(collections, forKey: .collections)
    }
}

extension Document {
    /// The document with `_id` set to `id` as its first field, the other fields in their order
    /// (mongod stores `_id` first).
    func withIDFirst(_ id: Value) -> Document {
        var result: Document = ["_id": id]
        for (key, value) in self where key != "_id" { result.append(key, value) }
        return result
    }
}
