import BSON

/// The CRUD commands this layer answers, recognised by the command document's FIRST key as
/// mongod recognises them.
public enum DataCommand: String, Sendable, CaseIterable {
    case insert, update, delete, find, getMore, killCursors, count
    case drop, dropDatabase, listCollections, listDatabases

    public init?(_ command: Document) {
        guard let name = command.keys.first else { return nil }
        self.init(rawValue: name)
    }

    /// insert, update and delete go through `planWrite` and the oplog.
    public var isWrite: Bool { [.insert, .update, .delete, .drop, .dropDatabase].contains(self) }
}

/// Typed reads of a command's (or a statement's) fields, failing with mongod's texts, e.g.
/// "BSON field 'find.limit' is the wrong type 'string', expected type 'long'".
struct CommandFields {
    let document: Document
    /// "find", or "update.updates" for a statement of an update command.
    let prefix: String

    init(_ document: Document, prefix: String) {
        self.document = document
        self.prefix = prefix
    }

    /// The command's name and its first value, the collection it works on, as a namespace.
    static func namespace(_ command: Document, database: String) throws(CommandError) -> Namespace {
        guard !database.isEmpty, !database.contains(".") else {
            throw .invalidNamespace("Invalid database name: '\(database)'")
        }
        guard case let .string(collection)? = command.values.first else {
            throw .invalidNamespace("collection name has invalid type \(command.values.first?.typeAlias ?? "missing")")
        }
        guard !collection.isEmpty else { throw .invalidNamespace("Invalid namespace specified '\(database).'") }
        return Namespace(database: database, collection: collection)
    }

    private func name(_ key: String) -> String { "\(prefix).\(key)" }

    func document(_ key: String) throws(CommandError) -> Document? {
        guard let value = document[key] else { return nil }
        guard case let .document(inner) = value else { throw .wrongType(name(key), value, expected: "object") }
        return inner
    }

    func requiredDocument(_ key: String) throws(CommandError) -> Document {
        guard let inner = try document(key) else { throw .missingField(name(key)) }
        return inner
    }

    func requiredArray(_ key: String) throws(CommandError) -> [Value] {
        guard let value = document[key] else { throw .missingField(name(key)) }
        guard case let .array(elements) = value else { throw .wrongType(name(key), value, expected: "array") }
        return elements
    }

    /// Flags accept booleans and numbers (mongod's "safe bool").
    func bool(_ key: String, default defaultValue: Bool) throws(CommandError) -> Bool {
        guard let value = document[key] else { return defaultValue }
        guard value.boolValue != nil || value.isNumber else { throw .wrongType(name(key), value, expected: "bool") }
        return value.isTruthy
    }

    /// A whole number given as int, long or an integral double.
    func integer(_ key: String) throws(CommandError) -> Int64? {
        guard let value = document[key] else { return nil }
        guard value.isNumber else { throw .wrongType(name(key), value, expected: "long") }
        guard let whole = value.wholeNumber else { throw .badValue("BSON field '\(name(key))' must be a whole number") }
        return whole
    }

    func requiredInteger(_ key: String) throws(CommandError) -> Int64 {
        guard let whole = try integer(key) else { throw .missingField(name(key)) }
        return whole
    }

    /// A non-negative count such as `skip`, `limit` or `batchSize`.
    func count(_ key: String, label: String) throws(CommandError) -> Int? {
        guard let whole = try integer(key) else { return nil }
        guard whole >= 0 else { throw .badValue("\(label) value must be non-negative, but received: \(whole)") }
        return Int(clamping: whole)
    }

    func requiredString(_ key: String) throws(CommandError) -> String {
        guard let value = document[key] else { throw .missingField(name(key)) }
        guard case let .string(text) = value else { throw .wrongType(name(key), value, expected: "string") }
        return text
    }

    /// A cursor id, which must be a long.
    static func cursorID(_ value: Value, field: String) throws(CommandError) -> Int64 {
        guard case let .int64(id) = value else { throw .wrongType(field, value, expected: "long") }
        return id
    }
}
