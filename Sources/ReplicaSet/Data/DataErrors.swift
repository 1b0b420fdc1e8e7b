import BSON

/// Error codes of mongod's data layer that `CommandError` does not define in Core.
extension CommandError {
    public static func invalidLength(_ m: String) -> CommandError { .init(code: 16, codeName: "InvalidLength", errmsg: m) }
    public static func unauthorized(_ m: String) -> CommandError { .init(code: 13, codeName: "Unauthorized", errmsg: m) }
    public static func pathNotViable(_ m: String) -> CommandError { .init(code: 28, codeName: "PathNotViable", errmsg: m) }
    public static func conflictingUpdateOperators(_ m: String) -> CommandError {
        .init(code: 40, codeName: "ConflictingUpdateOperators", errmsg: m)
    }
    public static func dollarPrefixedFieldName(_ m: String) -> CommandError {
        .init(code: 52, codeName: "DollarPrefixedFieldName", errmsg: m)
    }
    public static func notSingleValueField(_ m: String) -> CommandError { .init(code: 54, codeName: "NotSingleValueField", errmsg: m) }
    public static func emptyFieldName(_ m: String) -> CommandError { .init(code: 56, codeName: "EmptyFieldName", errmsg: m) }
    public static func immutableField(_ m: String) -> CommandError { .init(code: 66, codeName: "ImmutableField", errmsg: m) }
    public static func invalidNamespace(_ m: String) -> CommandError { .init(code: 73, codeName: "InvalidNamespace", errmsg: m) }
    public static func invalidOptions(_ m: String) -> CommandError { .init(code: 72, codeName: "InvalidOptions", errmsg: m) }

    /// Errors mongod raises from an assertion site rather than a named code ("Location<code>").
    public static func location(_ code: Int32, _ m: String) -> CommandError {
        .init(code: code, codeName: "Location\(code)", errmsg: m)
    }

    /// The `_id` of a stored document would change.
    static func immutableID() -> CommandError {
        .immutableField("Performing an update on the path '_id' would modify the immutable field '_id'")
    }

    /// mongod's type-checking text for a command field: "BSON field 'find.limit' is the wrong type …".
    static func wrongType(_ field: String, _ value: Value, expected: String) -> CommandError {
        .typeMismatch("BSON field '\(field)' is the wrong type '\(value.typeAlias)', expected type '\(expected)'")
    }

    /// A required command field is absent.
    static func missingField(_ field: String) -> CommandError {
        .location(40414, "BSON field '\(field)' is missing but a required field")
    }
}

extension Value {
    /// MongoDB's alias for the value's type, as `$type` and error messages spell it.
    var typeAlias: String {
        switch self {
        case .double: return "double"
        case .string: return "string"
        case .document: return "object"
        case .array: return "array"
        case .binary: return "binData"
        case .undefined: return "undefined"
        case .objectID: return "objectId"
        case .bool: return "bool"
        case .datetime: return "date"
        case .null: return "null"
        case .regex: return "regex"
        case .dbPointer: return "dbPointer"
        case .javascript: return "javascript"
        case .symbol: return "symbol"
        case .javascriptWithScope: return "javascriptWithScope"
        case .int32: return "int"
        case .timestamp: return "timestamp"
        case .int64: return "long"
        case .decimal128: return "decimal"
        case .minKey: return "minKey"
        case .maxKey: return "maxKey"
        }
    }
}
