import BSON

/// `$push`'s argument: one value, or `{$each: [...], $position?, $sort?, $slice?}`.
struct PushSpec: Sendable, Equatable {
    enum ElementSort: Sendable, Equatable {
        /// `$sort: 1` or `-1`: the elements themselves.
        case byValue(ascending: Bool)
        /// `$sort: {field: 1}`: documents by their fields.
        case byFields(SortOrder)
    }

    let values: [Value]
    let position: Int?
    let sort: ElementSort?
    let slice: Int?

    init(_ argument: Value) throws(CommandError) {
        guard case let .document(spec) = argument, spec["$each"] != nil else {
            (values, position, sort, slice) = ([argument], nil, nil, nil)
            return
        }
        for key in spec.keys where !["$each", "$position", "$sort", "$slice"].contains(key) {
            throw .badValue("Unrecognized clause in $push: \(key)")
        }
        guard case let .array(values) = spec["$each"]! else {
            throw .badValue("The argument to $each in $push must be an array but it was of type: \(spec["$each"]!.typeAlias)")
        }
        self.values = values
        position = try spec["$position"].map { value throws(CommandError) in
            guard let whole = value.wholeNumber else {
                throw .badValue("The value for $position must be an integer value, not of type: \(value.typeAlias)")
            }
            return Int(clamping: whole)
        }
        slice = try spec["$slice"].map { value throws(CommandError) in
            guard let whole = value.wholeNumber else {
                throw .badValue("The value for $slice must be an integer value but was given type: \(value.typeAlias)")
            }
            return Int(clamping: whole)
        }
        sort = try spec["$sort"].map(Self.elementSort)
    }

    private static func elementSort(_ value: Value) throws(CommandError) -> ElementSort {
        if case let .document(fields) = value {
            guard !fields.isEmpty else { throw .badValue("The $sort pattern is empty when it should be a set of fields.") }
            return .byFields(try SortOrder(fields))
        }
        guard value.isNumber, let whole = value.wholeNumber, whole == 1 || whole == -1 else {
            throw .badValue("The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields")
        }
        return .byValue(ascending: whole == 1)
    }

    /// Inserts at `$position` (negative counts from the end), then sorts, then keeps `$slice`
    /// elements (from the front when positive, from the back when negative).
    func apply(to existing: [Value]) -> [Value] {
        var result = existing
        let insertAt = position.map { $0 >= 0 ? min($0, result.count) : max(result.count + $0, 0) } ?? result.count
        result.insert(contentsOf: values, at: insertAt)
        if let sort { result = sorted(result, by: sort) }
        if let slice {
            result = slice >= 0 ? Array(result.prefix(slice)) : Array(result.suffix(-slice))
        }
        return result
    }

    private func sorted(_ elements: [Value], by sort: ElementSort) -> [Value] {
        switch sort {
        case let .byValue(ascending):
            return elements.enumerated().sorted { a, b in
                let order = ValueOrder.compare(a.element, b.element)
                return order != 0 ? (ascending ? order < 0 : order > 0) : a.offset < b.offset
            }.map(\.element)
        case let .byFields(order):
            // Elements that are not documents sort as documents without the fields.
            let keyed = elements.enumerated().map { (offset: $0.offset, key: order.sortKey(of: $0.element.documentValue ?? [:]), element: $0.element) }
            return keyed.sorted { a, b in
                let result = order.compare(a.key, b.key)
                return result != 0 ? result < 0 : a.offset < b.offset
            }.map(\.element)
        }
    }
}

/// `$pull`'s argument: a value to remove (by query equality), operator conditions on each
/// element (`{$gte: 6}`), or a query that document elements must match (`{name: "x"}`).
enum PullCondition: Sendable, Equatable {
    case equals(Value)
    case tests([FieldTest])
    case query(Matcher)

    init(_ argument: Value) throws(CommandError) {
        guard case let .document(condition) = argument else {
            self = .equals(argument)
            return
        }
        if let first = condition.keys.first, first.hasPrefix("$") {
            self = .tests(try FieldTest.parse(operators: condition))
        } else {
            self = .query(try Matcher(condition))
        }
    }

    func matches(_ element: Value) -> Bool {
        switch self {
        case let .equals(value): return ValueOrder.equal(element, value)
        case let .tests(tests): return tests.allSatisfy { $0.matches([element]) }
        case let .query(matcher):
            guard case let .document(document) = element else { return false }
            return matcher.matches(document)
        }
    }
}
