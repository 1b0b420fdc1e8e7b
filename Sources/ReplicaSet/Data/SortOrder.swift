import BSON

/// A parsed sort specification such as `{a: 1, "b.c": -1}`.
public struct SortOrder: Sendable, Equatable {
    struct Key: Sendable, Equatable {
        let path: FieldPath
        let ascending: Bool
    }

    let keys: [Key]

    public init(_ spec: Document) throws(CommandError) {
        var keys: [Key] = []
        for (name, direction) in spec {
            guard !name.isEmpty, !FieldPath(name).hasEmptyComponent else {
                throw .badValue("FieldPath field names may not be empty strings.")
            }
            guard direction.isNumber, let whole = direction.wholeNumber, whole == 1 || whole == -1 else {
                throw .badValue("$sort key ordering must be 1 (for ascending) or -1 (for descending)")
            }
            keys.append(Key(path: FieldPath(name), ascending: whole == 1))
        }
        self.keys = keys
    }

    public var isEmpty: Bool { keys.isEmpty }

    /// The documents in this order; ties keep their incoming order, so the result is deterministic.
    public func sorted(_ documents: [Document]) -> [Document] {
        guard !keys.isEmpty else { return documents }
        let decorated = documents.enumerated().map { (index: $0.offset, key: sortKey(of: $0.element), document: $0.element) }
        return decorated.sorted { a, b in
            let order = compare(a.key, b.key)
            return order != 0 ? order < 0 : a.index < b.index
        }.map(\.document)
    }

    /// Sorting values in this order (for `$push`'s `$sort` on scalar elements, with one unnamed key).
    func compare(_ a: [Value], _ b: [Value]) -> Int {
        for (index, key) in keys.enumerated() {
            let order = ValueOrder.compare(a[index], b[index])
            if order != 0 { return key.ascending ? order : -order }
        }
        return 0
    }

    /// One value per key. A field holding an array sorts by its smallest element when ascending
    /// and its largest when descending; a missing field sorts as null.
    func sortKey(of document: Document) -> [Value] {
        keys.map { key in
            var candidates: [Value] = []
            for found in key.path.queryValues(in: document) {
                switch found {
                case nil: candidates.append(.null)
                case let .array(elements)?: candidates.append(contentsOf: elements.isEmpty ? [.undefined] : elements)
                case let value?: candidates.append(value)
                }
            }
            let pick = key.ascending ? candidates.min(by: ValueOrder.less) : candidates.max(by: ValueOrder.less)
            return pick ?? .null
        }
    }
}
