import BSON

/// The document an upsert starts from: the query's equality conditions (`{a: 1}`,
/// `{"b.c": {$eq: 2}}`, inside `$and` or a one-clause `$or`), as mongod seeds it before
/// applying the update's modifiers.
enum UpsertSeed {
    static func document(from matcher: Matcher) throws(CommandError) -> Document {
        var equalities: [(path: FieldPath, value: Value)] = []
        collect(matcher.predicate, into: &equalities)
        try checkSingleValued(equalities.map(\.path))
        var seed = Document()
        for (path, value) in equalities {
            try path.set(value, in: &seed)
        }
        if let id = seed["_id"] { seed = seed.withIDFirst(id) }
        return seed
    }

    private static func collect(_ predicate: Predicate, into equalities: inout [(path: FieldPath, value: Value)]) {
        switch predicate {
        case let .and(clauses):
            for clause in clauses { collect(clause, into: &equalities) }
        case let .or(clauses) where clauses.count == 1:
            collect(clauses[0], into: &equalities)
        case let .field(path, .equals(value)):
            equalities.append((path, value))
        case let .field(path, .isIn(values)) where values.count == 1:
            equalities.append((path, values[0]))
        default:
            break
        }
    }

    /// A field constrained twice (`{a: 1, "a.b": 2}`) has no single value to seed.
    private static func checkSingleValued(_ paths: [FieldPath]) throws(CommandError) {
        for (index, path) in paths.enumerated() {
            for other in paths[(index + 1)...] where path.overlaps(other) {
                if path == other {
                    throw .notSingleValueField("cannot infer query fields to set, path '\(path)' is matched twice")
                }
                throw .notSingleValueField("cannot infer query fields to set, both paths '\(path)' and '\(other)' are matched")
            }
        }
    }
}
