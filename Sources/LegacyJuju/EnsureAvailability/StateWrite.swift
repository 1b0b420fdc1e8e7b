import BSON

/// One write Juju makes to the `juju` database, as documents a MongoDB client can send.
///
/// Most writes are operations of one mgo/txn transaction: the transaction first checks *every*
/// operation's assertion against the documents as they were, and only then applies all the
/// updates and inserts, in order. A caller that replays the writes one by one must therefore
/// evaluate all `assertionQuery`s before applying any `command`; if one matches nothing, Juju's
/// transaction aborts and nothing is written. The "machine" sequence bumps are not part of the
/// transaction: Juju makes them while it builds it.
public struct StateWrite: Equatable, Sendable {
    /// What must hold for the transaction to go ahead (mgo/txn `Assert`).
    public enum Assertion: Equatable, Sendable {
        case none
        /// `txn.DocMissing`: an insert of a document that must not exist yet.
        case documentMissing
        /// The document must match these conditions.
        case matches(Document)
    }

    public enum Operation: Equatable, Sendable {
        case insert(Document)
        case update(Document, upsert: Bool)
    }

    /// The database every write goes to.
    public static let database = "juju"

    public var collection: String
    /// The document's `_id`.
    public var id: String
    public var assertion: Assertion
    public var operation: Operation
    public var isTransactional: Bool

    public init(collection: String, id: String, assertion: Assertion = .none, operation: Operation, isTransactional: Bool = true) {
        self.collection = collection
        self.id = id
        self.assertion = assertion
        self.operation = operation
        self.isTransactional = isTransactional
    }

    /// `{_id: id}`.
    public var selector: Document { ["_id": .string(id)] }

    /// A query that matches exactly one document when the assertion holds: the selector plus the
    /// asserted conditions. Nil for `.none`; for `.documentMissing` the assertion holds when
    /// this selector matches nothing.
    public var assertionQuery: Document? {
        switch assertion {
        case .none: return nil
        case .documentMissing: return selector
        case let .matches(conditions):
            var query = selector
            for (key, value) in conditions { query.append(key, value) }
            return query
        }
    }

    /// The `insert` or `update` command that performs the write (without `$db`).
    public var command: Document {
        switch operation {
        case let .insert(document):
            return ["insert": .string(collection), "documents": .array([.document(document)]), "ordered": true]
        case let .update(update, upsert):
            let statement: Document = ["q": .document(selector), "u": .document(update), "upsert": .bool(upsert)]
            return ["update": .string(collection), "updates": .array([.document(statement)]), "ordered": true]
        }
    }
}
