import HACore

/// Timers a node asks its host for. A node keeps track of what it scheduled, so a timer that
/// fires when nothing is due (it was superseded, or belongs to a state the node has left) is
/// ignored; the host only has to deliver each scheduled timer once, and drop the timers of a
/// process that crashed.
public enum RaftTimer: String, Codable, Sendable, Hashable {
    /// Followers and candidates: the randomised election timeout may have elapsed.
    case election
    /// Leaders: send heartbeats, check quorum contact, supervise promotions and transfers.
    case heartbeat
}

/// What a node asks its host to do, in order.
public enum RaftDirective: Codable, Sendable, Hashable {
    /// The durable part (`RaftNode.durable`: term, vote, log, applied index) changed: write it
    /// before performing anything that follows. Always the first directive of its batch.
    case persist
    case send(to: UInt64, RaftMessage)
    case schedule(RaftTimer, after: Interval)
    /// A committed entry, to apply to this node's SQLite database: in index order, once per
    /// index for as long as the node's disk lives (the applied index is durable).
    case apply(index: LogIndex, payload: EntryPayload)
    case reply(DqliteRequestID, DqliteReply)
    /// The node accepted a QUERY_SQL as leader and its database is up to date: run the read
    /// against the local database and answer the client with the rows.
    case query(DqliteRequestID, SQLStatement)
    /// A line for the node's log and the simulation trace.
    case trace(String)
}
