import BSON

/// One collection: its documents, each with its original field order, kept sorted by `_id` in
/// MongoDB's value order (so `1` and `1.0` are the same key, as in the `_id_` index).
public struct DocumentCollection: Sendable, Equatable, Codable {
    /// "db.collection".
    public let namespace: String
    /// The options the collection was created with (the `create` command minus its name).
    public private(set) var options: Document
    /// The documents in `_id` order.
    public private(set) var documents: [Document]

    public init(namespace: String, options: Document = [:]) {
        self.namespace = namespace
        self.options = options
        documents = []
    }

    public var count: Int { documents.count }

    /// The stored document whose `_id` equals `id`.
    public func document(withID id: Value) -> Document? {
        let (index, found) = position(of: id)
        return found ? documents[index] : nil
    }

    /// Inserts `document`, or replaces the one with the same `_id` (which makes replaying an
    /// insert harmless). The document must have an `_id`.
    mutating func upsert(_ document: Document) {
        let (index, found) = position(of: document["_id"]!)
        if found {
            documents[index] = document
        } else {
            documents.insert(document, at: index)
        }
    }

    /// Removes the document with this `_id`; false when there is none.
    @discardableResult
    mutating func remove(id: Value) -> Bool {
        let (index, found) = position(of: id)
        if found { documents.remove(at: index) }
        return found
    }

    /// The documents `matcher` selects, in `_id` order. A filter that pins `_id` is answered by
    /// binary search instead of a scan.
    func matching(_ matcher: Matcher) -> [Document] {
        guard let ids = matcher.idCandidates else { return documents.filter(matcher.matches) }
        let positions = Set(ids.compactMap { id -> Int? in
            let (index, found) = position(of: id)
            return found ? index : nil
        })
        return positions.sorted().map { documents[$0] }.filter(matcher.matches)
    }

    /// Binary search by `_id`: the index of the match, or where it would be inserted.
    func position(of id: Value) -> (index: Int, found: Bool) {
        var low = 0, high = documents.count
        while low < high {
            let middle = (low + high) / 2
            let order = ValueOrder.compare(documents[middle]["_id"]!, id)
            if order == 0 { return (middle, true) }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return (low, false)
    }
}

/// A namespace split into its database and collection ("db.coll.with.dots" → "db", "coll.with.dots").
public struct Namespace: Hashable, Sendable, CustomStringConvertible {
    public let database: String
    public let collection: String

    public init(database: String, collection: String) {
        self.database = database
        self.collection = collection
    }

    /// Splits at the first dot; nil without one.
    public init?(_ full: String) {
        guard let dot = full.firstIndex(of: ".") else { return nil }
        database = String(full[..<dot])
        collection = String(full[full.index(after: dot)...])
    }

    public var description: String { "\(database).\(collection)" }

    /// Where a database's commands are logged: "db.$cmd".
    static func commands(of database: String) -> String { "\(database).$cmd" }
}
