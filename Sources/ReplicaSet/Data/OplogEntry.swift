import BSON

/// What an oplog entry does, before the primary stamps it with an optime: the unit `planWrite`
/// returns and `DataStore.apply` performs.
///
/// Updates carry the whole post-image (`o2: {_id}`, `o: <new document>`) and deletes only
/// `{_id}`, so applying an operation again leaves the same data.
public struct OplogOperation: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case insert = "i"
        case update = "u"
        case delete = "d"
        /// A no-op, e.g. the "new primary" entry an election writes.
        case noop = "n"
        /// A command on "db.$cmd": `create`, `drop`, `dropDatabase`.
        case command = "c"
    }

    public var op: Kind
    /// "db.collection", or "db.$cmd" for commands.
    public var ns: String
    public var o: Document
    /// `{_id}` of the updated document, for updates only.
    public var o2: Document?

    public init(op: Kind, ns: String, o: Document, o2: Document? = nil) {
        self.op = op
        self.ns = ns
        self.o = o
        self.o2 = o2
    }

    public static func insert(_ document: Document, into ns: String) -> OplogOperation {
        OplogOperation(op: .insert, ns: ns, o: document)
    }

    /// A full-document update: the post-image replaces the document with `id`.
    public static func update(id: Value, postImage: Document, in ns: String) -> OplogOperation {
        OplogOperation(op: .update, ns: ns, o: postImage, o2: ["_id": id])
    }

    public static func delete(id: Value, from ns: String) -> OplogOperation {
        OplogOperation(op: .delete, ns: ns, o: ["_id": id])
    }

    /// A no-op carrying a message, e.g. `{msg: "new primary"}`.
    public static func noop(_ o: Document) -> OplogOperation {
        OplogOperation(op: .noop, ns: "", o: o)
    }

    public static func createCollection(_ namespace: Namespace, options: Document = [:]) -> OplogOperation {
        var o: Document = ["create": .string(namespace.collection)]
        for (key, value) in options { o.append(key, value) }
        return OplogOperation(op: .command, ns: Namespace.commands(of: namespace.database), o: o)
    }

    public static func dropCollection(_ namespace: Namespace) -> OplogOperation {
        OplogOperation(op: .command, ns: Namespace.commands(of: namespace.database), o: ["drop": .string(namespace.collection)])
    }

    public static func dropDatabase(_ database: String) -> OplogOperation {
        OplogOperation(op: .command, ns: Namespace.commands(of: database), o: ["dropDatabase": .int32(1)])
    }
}

/// One entry of `local.oplog.rs`: an operation stamped with its optime and wall-clock time.
public struct OplogEntry: Sendable, Equatable, Codable {
    public var ts: Timestamp
    public var t: Term
    public var op: OplogOperation.Kind
    public var ns: String
    public var o: Document
    public var o2: Document?
    /// Wall-clock milliseconds since the epoch, from the simulation's clock.
    public var wall: Int64

    public init(ts: Timestamp, t: Term, op: OplogOperation.Kind, ns: String, o: Document, o2: Document? = nil, wall: Int64) {
        self.ts = ts
        self.t = t
        self.op = op
        self.ns = ns
        self.o = o
        self.o2 = o2
        self.wall = wall
    }

    /// Stamps a planned operation.
    public init(_ operation: OplogOperation, opTime: OpTime, wall: Int64) {
        self.init(ts: opTime.ts, t: opTime.t, op: operation.op, ns: operation.ns, o: operation.o, o2: operation.o2, wall: wall)
    }

    public var opTime: OpTime {
        get { OpTime(ts: ts, t: t) }
        set { (ts, t) = (newValue.ts, newValue.t) }
    }

    public var operation: OplogOperation { OplogOperation(op: op, ns: ns, o: o, o2: o2) }

    /// The entry as `local.oplog.rs` stores it: `{ts, t, v: 2, op, ns, o2?, o, wall}`.
    public var document: Document {
        var document: Document = [
            "ts": .timestamp(ts), "t": .int64(t), "v": .int32(2), "op": .string(op.rawValue), "ns": .string(ns),
        ]
        if let o2 { document.append("o2", .document(o2)) }
        document.append("o", .document(o))
        document.append("wall", .datetime(wall))
        return document
    }

    /// Reads an oplog document. `t` may be absent (protocol version 0 entries), meaning term -1;
    /// `wall` may be absent (entries older than 3.6), meaning 0.
    public init(document: Document) throws(CommandError) {
        guard case let .timestamp(ts)? = document["ts"] else { throw Self.invalid("ts", "a timestamp", document["ts"]) }
        guard case let .string(opName)? = document["op"], let op = OplogOperation.Kind(rawValue: opName) else {
            throw Self.invalid("op", "one of i, u, d, n, c", document["op"])
        }
        guard case let .string(ns)? = document["ns"] else { throw Self.invalid("ns", "a string", document["ns"]) }
        guard case let .document(o)? = document["o"] else { throw Self.invalid("o", "an object", document["o"]) }
        let t: Term
        switch document["t"] {
        case nil: t = -1
        case let value? where value.int64Value != nil: t = value.int64Value!
        case let value?: throw Self.invalid("t", "a long", value)
        }
        var o2: Document?
        if let value = document["o2"] {
            guard case let .document(inner) = value else { throw Self.invalid("o2", "an object", value) }
            o2 = inner
        }
        var wall: Int64 = 0
        if let value = document["wall"] {
            guard case let .datetime(milliseconds) = value else { throw Self.invalid("wall", "a date", value) }
            wall = milliseconds
        }
        self.init(ts: ts, t: t, op: op, ns: ns, o: o, o2: o2, wall: wall)
    }

    private static func invalid(_ field: String, _ expected: String, _ found: Value?) -> CommandError {
        .failedToParse("Invalid oplog entry: '\(field)' must be \(expected), found \(found.map { ShellFormat.value($0) } ?? "nothing")")
    }
}
