import HACore

/// The node's Raft state (C-raft's `RAFT_UNAVAILABLE/FOLLOWER/CANDIDATE/LEADER`, with the
/// pre-vote phase of a candidacy spelt out).
public enum RaftState: String, Codable, Sendable, Hashable {
    /// Not started yet.
    case unavailable
    case follower
    /// Asking for pre-votes: the term is not bumped until a majority would vote.
    case preCandidate
    case candidate
    case leader
}

/// Timing and limits, with the values a Dqlite node runs with (DESIGN §4; canonical/dqlite
/// `src/server.c`: election 3 s, heartbeat 500 ms, pre-vote on, 100 catch-up rounds of at most
/// 50 s each).
public struct RaftSettings: Codable, Sendable, Hashable {
    public var heartbeatTimeout: Interval = .milliseconds(500)
    /// The base election timeout T; each reset draws the actual timeout from [T, 2T).
    public var electionTimeout: Interval = .seconds(3)
    public var preVote = true
    public var maxCatchUpRounds = 100
    public var maxCatchUpRoundDuration: Interval = .seconds(50)
    /// Most entries one AppendEntries carries.
    public var maxEntriesPerMessage = 64
    /// C-raft's `raft_start` makes a sole voter leader at once (`maybeSelfElect`); off, the
    /// sole voter waits for its election timeout like any follower.
    public var selfElectAtStart = false
    /// C-raft's `electionVote` grants nothing while this node is not a voter in its own latest
    /// configuration. That leaves a liveness hole: a leader appends "X becomes voter" and crashes
    /// before X receives it; the remaining voter needs X's vote and X, still a stand-by in its
    /// own eyes, refuses, so no election can succeed until an operator recovers the cluster.
    /// On, a non-voter grants votes as etcd raft's learners do (the candidate still counts only
    /// the voters of its own configuration), which closes the hole without touching safety.
    public var nonVotersGrantVotes = false

    public init() {}
}

/// What a node keeps on disk: term, vote, log and how far it applied the log to its database.
/// A crash keeps all of it; a disk loss empties it.
public struct RaftDurableState: Codable, Sendable, Equatable {
    public var term: RaftTerm = 0
    public var votedFor: UInt64?
    public var log = RaftLog()
    /// The last index applied to the node's database (which lives on the same disk).
    public var lastApplied: LogIndex = 0

    public init() {}

    public init(term: RaftTerm, votedFor: UInt64? = nil, log: RaftLog, lastApplied: LogIndex = 0) {
        self.term = term
        self.votedFor = votedFor
        self.log = log
        self.lastApplied = lastApplied
    }

    /// `raft_bootstrap`: term 1 and the first configuration as entry 1, committed by definition.
    public static func bootstrap(_ configuration: RaftConfiguration) -> RaftDurableState {
        RaftDurableState(term: 1, log: RaftLog([LogEntry(index: 1, term: 1, payload: .configuration(configuration))]))
    }

    /// The bootstrap node of a new cluster: only itself, as voter.
    public static func bootstrap(id: UInt64, address: String) -> RaftDurableState {
        bootstrap(RaftConfiguration([DqliteNode(id: id, address: address, role: .voter)]))
    }
}

/// The leader a follower last heard from.
public struct KnownLeader: Codable, Sendable, Hashable {
    public var id: UInt64
    public var address: String
}

/// A Dqlite-style Raft node as a value without IO: inputs are the `on…` methods, each given
/// the current time, outputs are directives for the host (etcd raft's RawNode and
/// swift-cluster-membership's Instance/Directive shape, DESIGN §1).
///
/// The host's side of the contract:
/// - create the node with what its disk holds (`RaftDurableState()` after a disk loss,
///   `.bootstrap(id:address:)` for the first node of a new cluster) and call `onStart` with a
///   generator of its own (say `seed.generator("raft-\(id)-\(incarnation)")`);
/// - perform each batch of directives in order: `.persist` (always first) writes `durable`;
///   `.apply` runs a committed entry against the node's database, then `.reply` answers a
///   client (so an EXEC's result is known when it is answered);
/// - deliver `.send`s to the node with that id (an unknown id or a cut link drops them), and
///   each `.schedule`d timer once, after its delay, unless the process died meanwhile;
/// - never share a node between threads while an input runs (it is a value: copy it freely).
public struct RaftNode: Codable, Sendable {
    public let id: UInt64
    public let address: String
    public var settings: RaftSettings
    public internal(set) var durable: RaftDurableState

    // Volatile state: rebuilt by `onStart`.
    public internal(set) var state: RaftState = .unavailable
    public internal(set) var commitIndex: LogIndex = 0
    /// The configuration in effect: the newest configuration entry in the log.
    public internal(set) var configuration = RaftConfiguration.empty
    public internal(set) var configurationIndex: LogIndex = 0
    /// The leader this follower last accepted entries from (C-raft's `current_leader`).
    public internal(set) var currentLeader: KnownLeader?
    var rng = SplitMix64(seed: 0)
    var electionTimerStart: Instant = .zero
    var randomizedElectionTimeout: Interval = .zero
    /// The earliest election timer the host holds for this node, if any.
    var electionTimerDue: Instant?
    /// When the leader's pending heartbeat timer fires; older timers are stale.
    var heartbeatDue: Instant?
    var votes: [UInt64] = []
    var disruptLeader = false
    var leaderState: LeaderState?
    /// A TRANSFER in progress; it outlives the leadership it gives away.
    var transfer: LeadershipTransfer?
    var durableChanged = false

    /// A node process for `id` starting with what its disk holds.
    public init(id: UInt64, address: String, durable: RaftDurableState = RaftDurableState(),
                settings: RaftSettings = RaftSettings()) {
        precondition(id != 0, "0 is not a valid Dqlite node id")
        self.id = id
        self.address = address
        self.durable = durable
        self.settings = settings
    }

    public var term: RaftTerm { durable.term }
    public var log: RaftLog { durable.log }
    public var lastLogIndex: LogIndex { durable.log.lastIndex }
    public var appliedIndex: LogIndex { durable.lastApplied }
    public var isLeader: Bool { state == .leader }
    /// This node's role in its own configuration; nil when it is not in it.
    public var role: DqliteRole? { configuration.role(of: id) }
    public var isVoter: Bool { configuration.isVoter(id) }
    /// When the election timer runs out (followers and candidates).
    public var electionDeadline: Instant { electionTimerStart + randomizedElectionTimeout }
    /// The leader's view of a peer's log: next index to send and highest index known to match.
    public func progress(of peer: UInt64) -> (nextIndex: LogIndex, matchIndex: LogIndex)? {
        leaderState?.progress.first { $0.id == peer }.map { ($0.nextIndex, $0.matchIndex) }
    }
    /// The server a leader is catching up before making it a voter.
    public var promotee: UInt64? { leaderState?.promotion?.target }
    /// Whether a configuration change is appended but not yet committed.
    public var hasUncommittedConfiguration: Bool { configurationIndex > commitIndex }
}

// MARK: - Start and timers

extension RaftNode {
    /// The process starts (`raft_start`): the durable part is what survived; everything else
    /// starts over. `random` drives the election timeouts from now on.
    public mutating func onStart(now: Instant, random: SplitMix64) -> [RaftDirective] {
        rng = random
        var out: [RaftDirective] = []
        refreshConfiguration()
        // Entry 1 is the bootstrap configuration, the same on every server, so committed.
        commitIndex = max(durable.lastApplied, durable.log.isEmpty ? 0 : 1)
        state = .follower
        currentLeader = nil
        leaderState = nil
        transfer = nil
        votes = []
        electionTimerDue = nil
        heartbeatDue = nil
        out.append(.trace("starting in term \(term) with \(durable.log.lastIndex) entries, configuration \(configuration)"))
        resetElectionTimer(now: now, into: &out)
        applyCommitted(now: now, into: &out)
        if settings.selfElectAtStart, isVoter, configuration.voterCount == 1 {
            convertToCandidate(now: now, disruptLeader: false, into: &out)
        }
        return finish(out)
    }

    public mutating func onTimer(_ timer: RaftTimer, now: Instant) -> [RaftDirective] {
        switch timer {
        case .election: return onElectionTimeout(now: now)
        case .heartbeat: return onHeartbeatTimer(now: now)
        }
    }

    /// The leader's tick (`tickLeader`): check-quorum, heartbeats, promotion and transfer watch.
    public mutating func onHeartbeatTimer(now: Instant) -> [RaftDirective] {
        if let due = heartbeatDue, now < due { return [] }
        guard state == .leader else {
            heartbeatDue = nil
            return []
        }
        var out: [RaftDirective] = []
        heartbeatDue = now + settings.heartbeatTimeout
        out.append(.schedule(.heartbeat, after: settings.heartbeatTimeout))
        tickLeader(now: now, into: &out)
        checkTransferExpired(now: now, into: &out)
        return finish(out)
    }

    /// Puts `.persist` first when the durable part changed while handling one input.
    mutating func finish(_ out: [RaftDirective]) -> [RaftDirective] {
        guard durableChanged else { return out }
        durableChanged = false
        return [.persist] + out
    }
}

// MARK: - Durable changes and state conversions

extension RaftNode {
    /// `recvBumpCurrentTerm`: a higher term seen; the vote is reset; a candidate or leader
    /// becomes a follower (a follower keeps its leader and timer, as C-raft does).
    mutating func bumpTerm(_ newTerm: RaftTerm, now: Instant, into out: inout [RaftDirective]) {
        precondition(newTerm > durable.term)
        durable.term = newTerm
        durable.votedFor = nil
        durableChanged = true
        if state != .follower {
            convertToFollower(now: now, reason: "term \(newTerm) is higher", into: &out)
        }
    }

    mutating func setVote(_ candidate: UInt64) {
        durable.votedFor = candidate
        durableChanged = true
    }

    /// `convertToFollower`: pending leader requests fail, the election timer restarts.
    mutating func convertToFollower(now: Instant, reason: String, into out: inout [RaftDirective]) {
        let wasLeader = state == .leader
        if wasLeader { failLeaderRequests(into: &out) }
        state = .follower
        currentLeader = nil
        votes = []
        leaderState = nil
        out.append(.trace(wasLeader ? "stepping down in term \(term): \(reason)" : "follower in term \(term): \(reason)"))
        resetElectionTimer(now: now, into: &out)
    }

    /// Appends an entry of the current term to the leader's own log.
    mutating func appendAsLeader(_ payload: EntryPayload) -> LogIndex {
        precondition(state == .leader)
        let index = durable.log.lastIndex + 1
        appendToLog(LogEntry(index: index, term: term, payload: payload))
        return index
    }

    mutating func appendToLog(_ entry: LogEntry) {
        durable.log.append(entry)
        durableChanged = true
        if let configuration = entry.payload.configuration {
            self.configuration = configuration
            configurationIndex = entry.index
        }
    }

    mutating func truncateLog(from index: LogIndex) {
        precondition(index > commitIndex, "node \(id) would truncate committed entry \(index) (commit index \(commitIndex))")
        durable.log.truncate(from: index)
        durableChanged = true
        if configurationIndex >= index { refreshConfiguration() }
    }

    /// The configuration in effect is the newest one in the log (C-raft restores it at start and
    /// rolls back to it when a truncation removes a newer one).
    mutating func refreshConfiguration() {
        if let (index, configuration) = durable.log.lastConfiguration() {
            self.configuration = configuration
            configurationIndex = index
        } else {
            configuration = .empty
            configurationIndex = 0
        }
    }

    /// Applies the entries up to the commit index, in order, once each; the leader then answers
    /// the requests those entries complete.
    mutating func applyCommitted(now: Instant, into out: inout [RaftDirective]) {
        guard durable.lastApplied < commitIndex else { return }
        while durable.lastApplied < commitIndex {
            let index = durable.lastApplied + 1
            guard let entry = durable.log.entry(at: index) else {
                preconditionFailure("node \(id) commits \(commitIndex) beyond its log (\(durable.log.lastIndex))")
            }
            out.append(.apply(index: index, payload: entry.payload))
            durable.lastApplied = index
        }
        durableChanged = true
        if state == .leader { leaderApplied(now: now, into: &out) }
    }
}
