import BSON

/// The open cursors of one member. A cursor holds the rest of its result, computed when `find`
/// ran, so later batches are deterministic whatever is written meanwhile.
public struct CursorTable: Sendable, Equatable, Codable {
    public struct Cursor: Sendable, Equatable, Codable {
        public let id: Int64
        /// "db.collection".
        public let ns: String
        /// Documents not yet returned, in result order.
        public internal(set) var remaining: [Document]
    }

    /// The id the next cursor gets (ids count up from the seed, skipping 0, which means "exhausted").
    public private(set) var nextID: Int64
    /// Open cursors, sorted by id.
    public private(set) var cursors: [Cursor]

    /// A table whose first cursor id is `firstID` (e.g. drawn from the member's seeded generator).
    public init(firstID: Int64) {
        nextID = firstID == 0 ? 1 : firstID
        cursors = []
    }

    public func cursor(_ id: Int64) -> Cursor? {
        let (index, found) = position(of: id)
        return found ? cursors[index] : nil
    }

    /// Opens a cursor over `documents` and returns its id.
    mutating func open(ns: String, documents: [Document]) -> Int64 {
        while nextID == 0 || cursor(nextID) != nil { nextID &+= 1 }
        let id = nextID
        nextID &+= 1
        let (index, _) = position(of: id)
        cursors.insert(Cursor(id: id, ns: ns, remaining: documents), at: index)
        return id
    }

    /// Takes the next batch from cursor `id`, closing it when it runs out; the batch and the id
    /// to report (0 once closed). The cursor must exist.
    mutating func takeBatch(from id: Int64, limit: BatchLimit) -> (batch: [Document], cursorID: Int64) {
        let (index, _) = position(of: id)
        let (batch, rest) = limit.split(cursors[index].remaining)
        if rest.isEmpty {
            cursors.remove(at: index)
            return (batch, 0)
        }
        cursors[index].remaining = rest
        return (batch, id)
    }

    /// Closes cursor `id`; false when there is none.
    @discardableResult
    public mutating func kill(_ id: Int64) -> Bool {
        let (index, found) = position(of: id)
        if found { cursors.remove(at: index) }
        return found
    }

    /// Closes the cursors on `ns` (the collection was dropped).
    public mutating func killAll(in ns: String) {
        cursors.removeAll { $0.ns == ns }
    }

    /// Closes every cursor (the member restarted or stepped down).
    public mutating func killAll() {
        cursors.removeAll()
    }

    private func position(of id: Int64) -> (index: Int, found: Bool) {
        var low = 0, high = cursors.count
        while low < high {
            let middle = (low + high) / 2
            if cursors[middle].id == id { return (middle, true) }
            if cursors[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return (low, false)
    }
}

/// How much one batch may hold. mongod returns at most `count` documents (when given), never
/// more than 16 MiB (but always at least one document), and a default first batch of 101
/// documents that also ends once it reaches 1 MiB.
struct BatchLimit: Equatable {
    var count: Int?
    var softBytes: Int?

    static let maxBytes = 16 * 1024 * 1024
    static let defaultFirstBatchCount = 101
    static let defaultFirstBatchBytes = 1024 * 1024

    /// `find`'s first batch.
    static func firstBatch(batchSize: Int?) -> BatchLimit {
        batchSize.map { BatchLimit(count: $0, softBytes: nil) }
            ?? BatchLimit(count: defaultFirstBatchCount, softBytes: defaultFirstBatchBytes)
    }

    /// A `getMore` batch.
    static func nextBatch(batchSize: Int?) -> BatchLimit {
        BatchLimit(count: batchSize, softBytes: nil)
    }

    func split(_ documents: [Document]) -> (batch: [Document], rest: [Document]) {
        var taken = 0, bytes = 0
        for document in documents {
            if let count, taken >= count { break }
            if let softBytes, bytes >= softBytes { break }
            let size = BSONSize.of(document)
            if taken > 0 && bytes + size > Self.maxBytes { break }
            taken += 1
            bytes += size
        }
        return (Array(documents.prefix(taken)), Array(documents.dropFirst(taken)))
    }
}
