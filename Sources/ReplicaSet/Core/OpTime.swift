import BSON

/// A replica-set term: bumped by every election (protocol version 1).
public typealias Term = Int64

/// The position of an oplog entry: `{ts: Timestamp, t: term}`, ordered by term, then timestamp,
/// as protocol version 1 compares them.
public struct OpTime: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var ts: Timestamp
    public var t: Term

    public init(ts: Timestamp, t: Term) {
        self.ts = ts
        self.t = t
    }

    /// The optime of an empty oplog (`{ts: Timestamp(0, 0), t: -1}`, as DOWN members report).
    public static let null = OpTime(ts: Timestamp(seconds: 0, increment: 0), t: -1)

    public static func < (a: OpTime, b: OpTime) -> Bool { (a.t, a.ts) < (b.t, b.ts) }

    public var description: String { "{ts: \(ts), t: \(t)}" }

    /// `{ts: Timestamp, t: Int64}` as it appears in replies.
    public var document: Document { ["ts": .timestamp(ts), "t": .int64(t)] }
}
