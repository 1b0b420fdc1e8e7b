import BSON

/// A parsed query filter (`find`'s `filter`, an update's `q`, a delete's `q`, `count`'s `query`).
public struct Matcher: Sendable, Equatable {
    let predicate: Predicate

    /// Parses `filter`; unknown operators fail with BadValue as mongod reports them.
    public init(_ filter: Document) throws(CommandError) {
        predicate = try Predicate.parse(filter)
    }

    /// Whether `document` satisfies the filter.
    public func matches(_ document: Document) -> Bool {
        predicate.matches(document)
    }

    /// The `_id`s the filter pins the result to, when it says `{_id: v}` or `{_id: {$in: [...]}}`
    /// at the top level: the only documents that can match, so a collection can look them up
    /// instead of scanning. The full filter must still be applied to them.
    var idCandidates: [Value]? {
        guard case let .and(clauses) = predicate else { return nil }
        for case let .field(path, test) in clauses where path.components == ["_id"] {
            switch test {
            case let .equals(value) where value.isPlainKey: return [value]
            case let .isIn(values) where values.allSatisfy(\.isPlainKey): return values
            default: continue
            }
        }
        return nil
    }
}

extension Value {
    /// A value an `_id` lookup can find directly: not an array (which matches by element) and not
    /// null (which also matches a missing field).
    fileprivate var isPlainKey: Bool {
        if case .array = self { return false }
        return !isNullish
    }
}

/// The tree a filter parses into: clauses joined by `$and`/`$or`/`$nor` (a filter document is an
/// implicit `$and` of its fields), and tests on the values at a field path.
indirect enum Predicate: Sendable, Equatable {
    case and([Predicate])
    case or([Predicate])
    case nor([Predicate])
    case field(FieldPath, FieldTest)

    func matches(_ document: Document) -> Bool {
        switch self {
        case let .and(clauses): return clauses.allSatisfy { $0.matches(document) }
        case let .or(clauses): return clauses.contains { $0.matches(document) }
        case let .nor(clauses): return !clauses.contains { $0.matches(document) }
        case let .field(path, test): return test.matches(path.queryValues(in: document))
        }
    }

    static func parse(_ filter: Document) throws(CommandError) -> Predicate {
        var clauses: [Predicate] = []
        for (key, value) in filter {
            if key.hasPrefix("$") {
                if let clause = try parseTopLevel(key, value) { clauses.append(clause) }
            } else {
                let path = FieldPath(key)
                for test in try FieldTest.parse(value) {
                    clauses.append(.field(path, test))
                }
            }
        }
        return .and(clauses)
    }

    /// `$and`, `$or`, `$nor` (and `$comment`, which only annotates the query).
    private static func parseTopLevel(_ key: String, _ value: Value) throws(CommandError) -> Predicate? {
        let combine: ([Predicate]) -> Predicate
        switch key {
        case "$and": combine = Predicate.and
        case "$or": combine = Predicate.or
        case "$nor": combine = Predicate.nor
        case "$comment": return nil
        default: throw .badValue("unknown top level operator: \(key)")
        }
        guard case let .array(elements) = value, !elements.isEmpty else {
            throw .badValue("\(key) must be a nonempty array")
        }
        var clauses: [Predicate] = []
        for element in elements {
            guard case let .document(clause) = element else {
                throw .badValue("$or/$and/$nor entries need to be full objects")
            }
            clauses.append(try parse(clause))
        }
        return combine(clauses)
    }
}

/// The comparison operators `$gt`, `$gte`, `$lt`, `$lte`.
enum Comparison: String, Sendable {
    case greater = "$gt", greaterOrEqual = "$gte", less = "$lt", lessOrEqual = "$lte"

    func holds(_ order: Int) -> Bool {
        switch self {
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        }
    }

    var includesEqual: Bool { self == .greaterOrEqual || self == .lessOrEqual }
}

/// One test on the values a path reaches. A document matches when any reached value passes (and
/// for equality and comparisons, a reached array also passes when any of its elements does).
indirect enum FieldTest: Sendable, Equatable {
    case equals(Value)
    case compares(Comparison, Value)
    case isIn([Value])
    case exists(Bool)
    case size(Int)
    case all([Value])
    /// `$not` of a conjunction; also how `$ne` and `$nin` are expressed.
    case not([FieldTest])

    /// `found` comes from `FieldPath.queryValues`: nil entries are places where the path is missing.
    func matches(_ found: [Value?]) -> Bool {
        switch self {
        case let .equals(operand):
            return found.contains { Self.equals($0, operand) }
        case let .compares(comparison, operand):
            return found.contains { Self.compares($0, comparison, operand) }
        case let .isIn(operands):
            return operands.contains { operand in found.contains { Self.equals($0, operand) } }
        case let .exists(expected):
            return found.contains { $0 != nil } == expected
        case let .size(count):
            return found.contains { if case let .array(elements)? = $0 { return elements.count == count } else { return false } }
        case let .all(operands):
            return !operands.isEmpty && operands.allSatisfy { operand in found.contains { Self.equals($0, operand) } }
        case let .not(tests):
            return !tests.allSatisfy { $0.matches(found) }
        }
    }

    /// Equality to null also matches a missing field.
    private static func equals(_ value: Value?, _ operand: Value) -> Bool {
        guard let value else { return operand.isNullish }
        return valueOrElements(value) { ValueOrder.equal($0, operand) }
    }

    /// Comparisons only match values in the operand's type bracket (`{$gt: 5}` never matches a
    /// string), except MinKey and MaxKey, which bound every bracket.
    private static func compares(_ value: Value?, _ comparison: Comparison, _ operand: Value) -> Bool {
        guard let value else { return operand.isNullish && comparison.includesEqual }
        let spansBrackets = operand.typeBracket == .minKey || operand.typeBracket == .maxKey
        return valueOrElements(value) { candidate in
            (spansBrackets || candidate.typeBracket == operand.typeBracket)
                && comparison.holds(ValueOrder.compare(candidate, operand))
        }
    }

    private static func valueOrElements(_ value: Value, _ test: (Value) -> Bool) -> Bool {
        if test(value) { return true }
        if case let .array(elements) = value { return elements.contains(where: test) }
        return false
    }

    /// The tests a filter value stands for: an operator document (`{$gt: 1, $lt: 5}`) gives one
    /// test per operator; anything else is an equality test.
    static func parse(_ value: Value) throws(CommandError) -> [FieldTest] {
        guard case let .document(operators) = value, let first = operators.keys.first, first.hasPrefix("$") else {
            return [.equals(value)]
        }
        return try parse(operators: operators)
    }

    static func parse(operators: Document) throws(CommandError) -> [FieldTest] {
        var tests: [FieldTest] = []
        for (name, operand) in operators {
            tests.append(try parse(name, operand))
        }
        return tests
    }

    private static func parse(_ name: String, _ operand: Value) throws(CommandError) -> FieldTest {
        if let comparison = Comparison(rawValue: name) { return .compares(comparison, operand) }
        switch name {
        case "$eq": return .equals(operand)
        case "$ne": return .not([.equals(operand)])
        case "$in": return .isIn(try array(operand, "$in needs an array"))
        case "$nin": return .not([.isIn(try array(operand, "$nin needs an array"))])
        case "$all": return .all(try array(operand, "$all needs an array"))
        case "$exists": return .exists(operand.isTruthy)
        case "$size": return .size(try size(operand))
        case "$not": return .not(try negated(operand))
        default: throw .badValue("unknown operator: \(name)")
        }
    }

    private static func array(_ operand: Value, _ message: String) throws(CommandError) -> [Value] {
        guard case let .array(elements) = operand else { throw .badValue(message) }
        return elements
    }

    private static func size(_ operand: Value) throws(CommandError) -> Int {
        guard operand.isNumber else { throw .badValue("$size needs a number") }
        guard let whole = operand.wholeNumber else { throw .badValue("$size must be a whole number") }
        guard whole >= 0 else { throw .badValue("$size may not be negative") }
        return Int(clamping: whole)
    }

    private static func negated(_ operand: Value) throws(CommandError) -> [FieldTest] {
        guard case let .document(operators) = operand else { throw .badValue("$not needs a regex or a document") }
        guard !operators.isEmpty else { throw .badValue("$not cannot be empty") }
        return try parse(operators: operators)
    }
}

extension Value {
    /// How mongod reads a flag given as any type: false, 0 and null are false, the rest true.
    var isTruthy: Bool {
        switch self {
        case let .bool(flag): return flag
        case .int32, .int64, .double, .decimal128: return NumberOrder.compare(self, .int32(0)) != 0
        case .null, .undefined: return false
        default: return true
        }
    }
}
