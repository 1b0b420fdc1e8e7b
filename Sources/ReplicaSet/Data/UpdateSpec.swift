import BSON

/// A parsed update document (an update statement's `u`): either a replacement document (no `$`
/// keys), which keeps the stored `_id`, or a list of modifications (`$set`, `$inc`, …).
public struct UpdateSpec: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case replacement(Document)
        case modifiers([Modification])
    }

    let kind: Kind

    public init(_ update: Document) throws(CommandError) {
        guard let first = update.keys.first, first.hasPrefix("$") else {
            try StorageRules.checkFieldNames(update)
            kind = .replacement(update)
            return
        }
        var modifications: [Modification] = []
        for (name, operand) in update {
            modifications.append(contentsOf: try Modification.parse(name, operand))
        }
        modifications.sort { Modification.pathOrder($0.path, $1.path) }
        try Self.checkConflicts(modifications)
        kind = .modifiers(modifications)
    }

    /// True for replacement-style updates, which `multi: true` does not allow.
    public var isReplacement: Bool {
        if case .replacement = kind { return true }
        return false
    }

    /// The document after the update. `isInsert` is true when building an upserted document,
    /// where `$setOnInsert` applies and `_id` may still be chosen.
    public func apply(to document: Document, isInsert: Bool = false) throws(CommandError) -> Document {
        let result: Document
        switch kind {
        case let .replacement(replacement):
            result = try Self.replace(document, with: replacement)
        case let .modifiers(modifications):
            var updated = document
            for modification in modifications {
                try modification.apply(to: &updated, isInsert: isInsert)
            }
            if !isInsert, document["_id"] != updated["_id"] { throw .immutableID() }
            result = updated
        }
        try StorageRules.checkFieldNames(result)
        return result
    }

    /// A replacement keeps the stored `_id`, first, unless it names the same `_id` itself.
    private static func replace(_ document: Document, with replacement: Document) throws(CommandError) -> Document {
        guard let id = document["_id"] else { return replacement }
        if let newID = replacement["_id"] {
            guard newID == id else {
                throw .immutableField(
                    "After applying the update, the (immutable) field '_id' was found to have been altered to _id: \(ShellFormat.value(newID))")
            }
            return replacement
        }
        var result: Document = ["_id": id]
        for (key, value) in replacement { result.append(key, value) }
        return result
    }

    /// Two modifications may not touch the same field or a field and its parent.
    private static func checkConflicts(_ modifications: [Modification]) throws(CommandError) {
        let paths = modifications.flatMap(\.touchedPaths)
        for (index, path) in paths.enumerated() {
            for other in paths[(index + 1)...] where path.overlaps(other) {
                let conflict = path.commonPrefix(with: other)
                let longer = path.components.count >= other.components.count ? path : other
                throw .conflictingUpdateOperators("Updating the path '\(longer)' would create a conflict at '\(conflict)'")
            }
        }
    }
}

/// Rules every stored document obeys, checked after inserts and updates.
enum StorageRules {
    /// Field names may not start with `$` (except a DBRef's `$ref`, `$id` and `$db`).
    static func checkFieldNames(_ document: Document, path: String = "") throws(CommandError) {
        for (key, value) in document {
            let fullPath = path.isEmpty ? key : "\(path).\(key)"
            if key.hasPrefix("$") && !["$ref", "$id", "$db"].contains(key) {
                throw .dollarPrefixedFieldName("The dollar ($) prefixed field '\(key)' in '\(fullPath)' is not valid for storage.")
            }
            try checkFieldNames(value, path: fullPath)
        }
    }

    private static func checkFieldNames(_ value: Value, path: String) throws(CommandError) {
        switch value {
        case let .document(inner):
            try checkFieldNames(inner, path: path)
        case let .array(elements):
            for (index, element) in elements.enumerated() {
                try checkFieldNames(element, path: "\(path).\(index)")
            }
        default:
            break
        }
    }

    /// The types an `_id` may not have.
    static func checkID(_ id: Value) throws(CommandError) {
        switch id {
        case .array: throw .badValue("can't use an array for _id")
        case .regex: throw .badValue("can't use a regex for _id")
        case .undefined: throw .badValue("can't use a undefined for _id")
        default: break
        }
    }
}
