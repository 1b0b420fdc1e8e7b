import BSON

/// One field of one update operator, e.g. the `a: 1` of `{$inc: {a: 1}}`, parsed.
struct Modification: Sendable, Equatable {
    enum Action: Sendable, Equatable {
        case set(Value)
        case setOnInsert(Value)
        case unset
        case arithmetic(NumberArithmetic.Operation, Value)
        case min(Value)
        case max(Value)
        case addToSet([Value])
        case push(PushSpec)
        case pull(PullCondition)
        case pop(fromFront: Bool)
        case rename(to: FieldPath)
    }

    let operatorName: String
    let path: FieldPath
    let action: Action

    /// The paths the modification writes, for conflict detection (`$rename` writes two).
    var touchedPaths: [FieldPath] {
        if case let .rename(target) = action { return [path, target] }
        return [path]
    }

    /// Parses one operator's document, e.g. `$set: {a: 1, "b.c": 2}`.
    static func parse(_ name: String, _ operand: Value) throws(CommandError) -> [Modification] {
        guard knownOperators.contains(name) else {
            throw .failedToParse("Unknown modifier: \(name). Expected a valid update modifier or pipeline-style update specified as an array")
        }
        guard case let .document(fields) = operand else {
            throw .failedToParse(
                "Modifiers operate on fields but we found type \(operand.typeAlias) instead. For example: {$mod: {<field>: ...}} not {\(name): \(ShellFormat.value(operand))}")
        }
        guard !fields.isEmpty else {
            throw .failedToParse("'\(name)' is empty. You must specify a field like so: {\(name): {<field>: ...}}")
        }
        var modifications: [Modification] = []
        for (field, argument) in fields {
            let path = try checkedPath(field)
            modifications.append(Modification(operatorName: name, path: path, action: try action(name, field, argument)))
        }
        return modifications
    }

    private static let knownOperators: Set<String> = [
        "$set", "$setOnInsert", "$unset", "$inc", "$mul", "$min", "$max",
        "$addToSet", "$push", "$pull", "$pop", "$rename",
    ]

    private static func checkedPath(_ field: String) throws(CommandError) -> FieldPath {
        let path = FieldPath(field)
        if path.hasEmptyComponent {
            throw .emptyFieldName("The update path '\(field)' contains an empty field name, which is not allowed.")
        }
        if path.components.contains(where: { $0 == "$" || $0.hasPrefix("$[") }) {
            throw .badValue("Quorum does not support positional update paths: '\(field)'")
        }
        if let dollar = path.components.first(where: { $0.hasPrefix("$") }) {
            throw .dollarPrefixedFieldName("The dollar ($) prefixed field '\(dollar)' in '\(field)' is not valid for storage.")
        }
        return path
    }

    private static func action(_ name: String, _ field: String, _ argument: Value) throws(CommandError) -> Action {
        switch name {
        case "$set": return .set(argument)
        case "$setOnInsert": return .setOnInsert(argument)
        case "$unset": return .unset
        case "$inc", "$mul":
            guard argument.isNumber else {
                let verb = name == "$inc" ? "increment" : "multiply"
                throw .typeMismatch("Cannot \(verb) with non-numeric argument: \(ShellFormat.element(field, argument))")
            }
            return .arithmetic(name == "$inc" ? .add : .multiply, argument)
        case "$min": return .min(argument)
        case "$max": return .max(argument)
        case "$addToSet": return .addToSet(try addToSetValues(argument))
        case "$push": return .push(try PushSpec(argument))
        case "$pull": return .pull(try PullCondition(argument))
        case "$pop":
            guard argument.isNumber, let end = argument.wholeNumber, end == 1 || end == -1 else {
                throw .failedToParse("$pop expects 1 or -1, found: \(ShellFormat.value(argument))")
            }
            return .pop(fromFront: end == -1)
        default:
            return .rename(to: try renameTarget(field, argument))
        }
    }

    private static func addToSetValues(_ argument: Value) throws(CommandError) -> [Value] {
        guard case let .document(spec) = argument, spec.keys.first == "$each" else { return [argument] }
        guard spec.count == 1 else {
            throw .badValue("Found unexpected fields after $each in $addToSet: \(ShellFormat.spaced(spec))")
        }
        guard case let .array(values) = spec["$each"]! else {
            throw .badValue("The argument to $each in $addToSet must be an array but it was of type: \(spec["$each"]!.typeAlias)")
        }
        return values
    }

    private static func renameTarget(_ field: String, _ argument: Value) throws(CommandError) -> FieldPath {
        guard case let .string(target) = argument else {
            throw .badValue("The 'to' field for $rename must be a string: \(ShellFormat.element(field, argument))")
        }
        guard target != field else {
            throw .badValue("The source and target field for $rename must differ: \(ShellFormat.element(field, argument))")
        }
        return try checkedPath(target)
    }

    /// mongod applies modifications in field order: names compare as strings, except that two
    /// numeric components compare as numbers (so "a.2" comes before "a.10").
    static func pathOrder(_ a: FieldPath, _ b: FieldPath) -> Bool {
        for (l, r) in zip(a.components, b.components) where l != r {
            if let left = arrayIndex(l), let right = arrayIndex(r), left != right { return left < right }
            return ValueOrder.compareBytes(l, r) < 0
        }
        return a.components.count < b.components.count
    }
}

// MARK: - Applying

extension Modification {
    func apply(to document: inout Document, isInsert: Bool) throws(CommandError) {
        let current = path.value(in: document)
        switch action {
        case let .set(value):
            try path.set(value, in: &document)
        case let .setOnInsert(value):
            if isInsert { try path.set(value, in: &document) }
        case .unset:
            path.remove(from: &document)
        case let .arithmetic(operation, operand):
            try path.set(try arithmetic(operation, current, operand, document), in: &document)
        case let .min(operand):
            if current.map({ ValueOrder.compare(operand, $0) < 0 }) ?? true { try path.set(operand, in: &document) }
        case let .max(operand):
            if current.map({ ValueOrder.compare(operand, $0) > 0 }) ?? true { try path.set(operand, in: &document) }
        case let .addToSet(values):
            try path.set(.array(addToSet(values, try array(current, document))), in: &document)
        case let .push(spec):
            try path.set(.array(spec.apply(to: try array(current, document))), in: &document)
        case let .pull(condition):
            try pull(condition, current, in: &document)
        case let .pop(fromFront):
            try pop(fromFront, current, in: &document)
        case let .rename(target):
            try rename(to: target, current, in: &document)
        }
    }

    private func arithmetic(_ operation: NumberArithmetic.Operation, _ current: Value?, _ operand: Value,
                            _ document: Document) throws(CommandError) -> Value {
        // A missing field starts at zero: `$inc` stores the operand, `$mul` a zero of its type.
        guard let current else {
            return operation == .add ? operand : NumberArithmetic.apply(.multiply, operand, .int32(0))!
        }
        guard current.isNumber else {
            throw .typeMismatch("Cannot apply \(operatorName) to a value of non-numeric type. \(idText(document)) has the field '\(path.components.last!)' of non-numeric type \(current.typeAlias)")
        }
        guard let result = NumberArithmetic.apply(operation, current, operand) else {
            throw .badValue("Failed to apply \(operatorName) operations to current value ((\(numberTypeName(current)))\(ShellFormat.value(current))) for document \(idText(document))")
        }
        return result
    }

    private func numberTypeName(_ value: Value) -> String {
        switch value {
        case .int32: return "NumberInt"
        case .int64: return "NumberLong"
        case .decimal128: return "NumberDecimal"
        default: return "NumberDouble"
        }
    }

    /// The current array for `$push`/`$addToSet` (a missing field is an empty array).
    private func array(_ current: Value?, _ document: Document) throws(CommandError) -> [Value] {
        switch current {
        case nil: return []
        case let .array(elements)?: return elements
        case let value?:
            if operatorName == "$addToSet" {
                throw .badValue("Cannot apply $addToSet to non-array field. Field named '\(path.components.last!)' has non-array type \(value.typeAlias)")
            }
            throw .badValue("The field '\(path)' must be an array but is of type \(value.typeAlias) in document \(idText(document))")
        }
    }

    /// Appends the values not already present (by query equality), each at most once.
    private func addToSet(_ values: [Value], _ existing: [Value]) -> [Value] {
        var result = existing
        for value in values where !result.contains(where: { ValueOrder.equal($0, value) }) {
            result.append(value)
        }
        return result
    }

    private func pull(_ condition: PullCondition, _ current: Value?, in document: inout Document) throws(CommandError) {
        guard let current else { return }
        guard case let .array(elements) = current else { throw .badValue("Cannot apply $pull to a non-array value") }
        try path.set(.array(elements.filter { !condition.matches($0) }), in: &document)
    }

    private func pop(_ fromFront: Bool, _ current: Value?, in document: inout Document) throws(CommandError) {
        guard let current else { return }
        guard case var .array(elements) = current else {
            throw .typeMismatch("Path '\(path)' contains an element of non-array type '\(current.typeAlias)'")
        }
        guard !elements.isEmpty else { return }
        if fromFront { elements.removeFirst() } else { elements.removeLast() }
        try path.set(.array(elements), in: &document)
    }

    private func rename(to target: FieldPath, _ current: Value?, in document: inout Document) throws(CommandError) {
        guard let current else { return }
        path.remove(from: &document)
        try target.set(current, in: &document)
    }

    /// `{_id: 1}`, how mongod names the document in update errors.
    private func idText(_ document: Document) -> String {
        document["_id"].map { ShellFormat.element("_id", $0) } ?? "{}"
    }
}
