import BSON

/// What a write command will do, decided without touching the store: the oplog operations the
/// primary must stamp, apply and replicate, and the reply mongod gives for them.
public struct WritePlan: Sendable, Equatable {
    /// A document an update statement inserted because nothing matched (`upsert: true`).
    public struct Upserted: Sendable, Equatable {
        /// The statement's position in `updates`.
        public var index: Int
        public var id: Value
    }

    /// A statement that failed; the others still count.
    public struct WriteError: Sendable, Equatable {
        /// The statement's position in `documents`, `updates` or `deletes`.
        public var index: Int
        public var error: CommandError
    }

    public var command: DataCommand
    /// In order; includes the `create` an insert into a new collection implies.
    public var operations: [OplogOperation] = []
    /// Documents inserted, matched (plus upserted) or deleted.
    public var n: Int = 0
    /// Documents an update actually changed (update only).
    public var nModified: Int = 0
    public var upserted: [Upserted] = []
    public var writeErrors: [WriteError] = []
    /// The reply of a catalog command (`drop`, `dropDatabase`), which has no counts.
    public var catalogReply: Document?

    public init(command: DataCommand) {
        self.command = command
    }

    /// `{n, nModified?, upserted?, writeErrors?}` in mongod's order, without `ok`, so the member
    /// can add `writeConcernError`, `opTime` or `electionId` before it.
    public var replyFields: Document {
        if let catalogReply { return catalogReply }
        var reply: Document = ["n": .int32(Int32(clamping: n))]
        if command == .update { reply.append("nModified", .int32(Int32(clamping: nModified))) }
        if !upserted.isEmpty {
            reply.append("upserted", .array(upserted.map { .document(["index": .int32(Int32($0.index)), "_id": $0.id]) }))
        }
        if !writeErrors.isEmpty {
            reply.append("writeErrors", .array(writeErrors.map {
                .document(["index": .int32(Int32($0.index)), "code": .int32($0.error.code), "errmsg": .string($0.error.errmsg)])
            }))
        }
        return reply
    }

    /// The whole reply: `replyFields` and `ok: 1.0` (write errors do not fail the command).
    public var reply: Document {
        var reply = replyFields
        reply.append("ok", .double(1))
        return reply
    }
}

/// A deterministic source of ObjectIds for inserts that carry no `_id`: the seconds the caller
/// gives (the simulated clock), a 5-byte value unique to the member, and a 3-byte counter.
public struct ObjectIDGenerator: Sendable, Equatable, Codable {
    /// The middle five bytes (big-endian low 40 bits of the value given at creation).
    public let processUnique: UInt64
    /// The next counter value (only its low 24 bits appear in an id).
    public private(set) var counter: UInt32

    public init(processUnique: UInt64, counter: UInt32 = 0) {
        self.processUnique = processUnique & 0xFF_FFFF_FFFF
        self.counter = counter
    }

    public mutating func next(seconds: UInt32) -> ObjectID {
        let value = counter & 0xFF_FFFF
        counter &+= 1
        var bytes: [UInt8] = []
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: seconds >> UInt32(shift))) }
        for shift in stride(from: 32, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: processUnique >> UInt64(shift))) }
        for shift in stride(from: 16, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
        return ObjectID(bytes: bytes)!
    }
}
