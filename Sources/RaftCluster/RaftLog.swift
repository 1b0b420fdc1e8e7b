/// Raft terms and log indexes, as C-raft numbers them (`raft_term`, `raft_index`): 0 means
/// "none", the first entry has index 1.
public typealias RaftTerm = UInt64
public typealias LogIndex = UInt64

/// What a log entry carries (C-raft's entry types `RAFT_COMMAND`, `RAFT_BARRIER`, `RAFT_CHANGE`).
public enum EntryPayload: Codable, Sendable, Hashable {
    /// A no-op. A new leader of a multi-voter cluster appends one so that it can commit the
    /// entries of earlier terms (`convertToLeader`), and a leader appends one before a read
    /// whose result must include everything it has appended (`leaderBarrier`).
    case barrier
    /// A write to the node's SQLite database: what EXEC_SQL replicates.
    case command(SQLStatement)
    /// The whole new configuration; it takes effect on a node as soon as it is in its log.
    case configuration(RaftConfiguration)

    public var configuration: RaftConfiguration? {
        if case .configuration(let c) = self { return c }
        return nil
    }
}

public struct LogEntry: Codable, Sendable, Hashable {
    public var index: LogIndex
    public var term: RaftTerm
    public var payload: EntryPayload

    public init(index: LogIndex, term: RaftTerm, payload: EntryPayload) {
        self.index = index
        self.term = term
        self.payload = payload
    }
}

/// The Raft log. The emulation never takes snapshots, so the log always starts at index 1 and
/// entry `i` sits at position `i - 1`.
public struct RaftLog: Codable, Sendable, Equatable {
    public private(set) var entries: [LogEntry] = []

    public init() {}

    public init(_ entries: [LogEntry]) {
        for (offset, entry) in entries.enumerated() {
            precondition(entry.index == LogIndex(offset + 1), "log entries must be numbered from 1 without gaps")
            if offset > 0 { precondition(entry.term >= entries[offset - 1].term, "log terms must not decrease") }
        }
        self.entries = entries
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var lastIndex: LogIndex { LogIndex(entries.count) }
    public var lastTerm: RaftTerm { entries.last?.term ?? 0 }

    /// The term of the entry at `index`; 0 for index 0; nil past the end.
    public func term(at index: LogIndex) -> RaftTerm? {
        if index == 0 { return 0 }
        return index <= lastIndex ? entries[Int(index - 1)].term : nil
    }

    public func entry(at index: LogIndex) -> LogEntry? {
        index >= 1 && index <= lastIndex ? entries[Int(index - 1)] : nil
    }

    /// Up to `limit` entries starting at `index`.
    public func entries(from index: LogIndex, limit: Int) -> [LogEntry] {
        guard index >= 1, index <= lastIndex, limit > 0 else { return [] }
        let start = Int(index - 1)
        return Array(entries[start..<min(entries.count, start + limit)])
    }

    /// Raft's election restriction (§5.4.1): a log ending at (`lastIndex`, `lastTerm`) is at
    /// least as up to date as this one. C-raft's `electionVote` compares the same way.
    public func isAtMostAsUpToDate(asLastIndex otherIndex: LogIndex, lastTerm otherTerm: RaftTerm) -> Bool {
        if isEmpty { return true }
        if otherTerm != lastTerm { return otherTerm > lastTerm }
        return lastIndex <= otherIndex
    }

    /// The newest configuration entry in the log, with its index.
    public func lastConfiguration() -> (index: LogIndex, configuration: RaftConfiguration)? {
        for entry in entries.reversed() {
            if let configuration = entry.payload.configuration { return (entry.index, configuration) }
        }
        return nil
    }

    /// The newest configuration entry at or before `index`.
    public func lastConfiguration(atOrBefore index: LogIndex) -> (index: LogIndex, configuration: RaftConfiguration)? {
        for entry in entries.reversed() where entry.index <= index {
            if let configuration = entry.payload.configuration { return (entry.index, configuration) }
        }
        return nil
    }

    mutating func append(_ entry: LogEntry) {
        precondition(entry.index == lastIndex + 1, "appending index \(entry.index) after \(lastIndex)")
        precondition(entry.term >= lastTerm, "appending term \(entry.term) after \(lastTerm)")
        entries.append(entry)
    }

    /// Removes the entries from `index` to the end.
    mutating func truncate(from index: LogIndex) {
        precondition(index >= 1)
        guard index <= lastIndex else { return }
        entries.removeSubrange(Int(index - 1)...)
    }
}
