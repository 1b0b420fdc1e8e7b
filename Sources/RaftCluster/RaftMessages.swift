/// Node-to-node Raft traffic (C-raft's `struct raft_message` kinds). Clients never send these;
/// the simulator carries them as values, a live host over the raft transport.
public enum RaftMessage: Codable, Sendable, Hashable {
    case requestVote(RequestVote)
    case requestVoteResult(RequestVoteResult)
    case appendEntries(AppendEntries)
    case appendEntriesResult(AppendEntriesResult)
    case timeoutNow(TimeoutNow)

    /// The sender's term, carried by every message.
    public var term: RaftTerm {
        switch self {
        case .requestVote(let m): return m.term
        case .requestVoteResult(let m): return m.term
        case .appendEntries(let m): return m.term
        case .appendEntriesResult(let m): return m.term
        case .timeoutNow(let m): return m.term
        }
    }

    public var kind: String {
        switch self {
        case .requestVote(let m): return m.preVote ? "pre-vote" : "request-vote"
        case .requestVoteResult(let m): return m.preVote ? "pre-vote-result" : "request-vote-result"
        case .appendEntries: return "append-entries"
        case .appendEntriesResult: return "append-entries-result"
        case .timeoutNow: return "timeout-now"
        }
    }
}

extension RaftMessage {
    /// `raft_request_vote`. In the pre-vote phase `term` is the candidate's term plus one and
    /// neither side changes its term or vote.
    public struct RequestVote: Codable, Sendable, Hashable {
        public var term: RaftTerm
        public var candidateID: UInt64
        public var lastLogIndex: LogIndex
        public var lastLogTerm: RaftTerm
        /// Set by a candidate that received TimeoutNow: voters ignore their current leader.
        public var disruptLeader: Bool
        public var preVote: Bool

        public init(term: RaftTerm, candidateID: UInt64, lastLogIndex: LogIndex, lastLogTerm: RaftTerm,
                    disruptLeader: Bool = false, preVote: Bool = false) {
            self.term = term
            self.candidateID = candidateID
            self.lastLogIndex = lastLogIndex
            self.lastLogTerm = lastLogTerm
            self.disruptLeader = disruptLeader
            self.preVote = preVote
        }
    }

    public struct RequestVoteResult: Codable, Sendable, Hashable {
        public var term: RaftTerm
        public var voteGranted: Bool
        public var preVote: Bool

        public init(term: RaftTerm, voteGranted: Bool, preVote: Bool) {
            self.term = term
            self.voteGranted = voteGranted
            self.preVote = preVote
        }
    }

    /// `raft_append_entries`; with no entries it is a heartbeat.
    public struct AppendEntries: Codable, Sendable, Hashable {
        public var term: RaftTerm
        public var leaderID: UInt64
        /// The leader's address, which followers report in answers to LEADER.
        public var leaderAddress: String
        public var prevLogIndex: LogIndex
        public var prevLogTerm: RaftTerm
        public var entries: [LogEntry]
        public var leaderCommit: LogIndex

        public init(term: RaftTerm, leaderID: UInt64, leaderAddress: String, prevLogIndex: LogIndex,
                    prevLogTerm: RaftTerm, entries: [LogEntry], leaderCommit: LogIndex) {
            self.term = term
            self.leaderID = leaderID
            self.leaderAddress = leaderAddress
            self.prevLogIndex = prevLogIndex
            self.prevLogTerm = prevLogTerm
            self.entries = entries
            self.leaderCommit = leaderCommit
        }
    }

    /// `raft_append_entries_result`: on success `lastLogIndex` is the last index known to match
    /// the leader's log (previous index + entries); on refusal `rejected` is the previous index
    /// that did not match and `lastLogIndex` the follower's last index, which lets the leader
    /// skip back at once.
    public struct AppendEntriesResult: Codable, Sendable, Hashable {
        public var term: RaftTerm
        public var rejected: LogIndex?
        public var lastLogIndex: LogIndex

        public init(term: RaftTerm, rejected: LogIndex?, lastLogIndex: LogIndex) {
            self.term = term
            self.rejected = rejected
            self.lastLogIndex = lastLogIndex
        }
    }

    /// `raft_timeout_now`: the leader hands over; the receiver, if its log matches the leader's
    /// last entry, starts an election at once (no pre-vote, disrupting the leader).
    public struct TimeoutNow: Codable, Sendable, Hashable {
        public var term: RaftTerm
        public var lastLogIndex: LogIndex
        public var lastLogTerm: RaftTerm

        public init(term: RaftTerm, lastLogIndex: LogIndex, lastLogTerm: RaftTerm) {
            self.term = term
            self.lastLogIndex = lastLogIndex
            self.lastLogTerm = lastLogTerm
        }
    }
}
