import BSON
import HACore

/// What a member keeps on disk: config, term and last vote (`local.replset.election`), the oplog
/// and the data. A crash keeps all of it; a disk loss empties it.
public struct DurableState: Codable, Sendable, Equatable {
    public var config: ReplSetConfig?
    public var term: Term = 0
    public var lastVote: LastVote?
    public var oplog: [OplogEntry] = []
    public var data = DataStore()
    /// Documents undone by rollbacks, kept aside as mongod's `rollback/` files are.
    public var rollbacks: [RollbackRecord] = []
    /// Rollback ID, bumped by every rollback.
    public var rbid = 0

    public init() {}

    public var lastApplied: OpTime { oplog.last?.opTime ?? .null }
}

/// A vote recorded before it is granted, so a restart cannot vote twice in one term.
public struct LastVote: Codable, Sendable, Equatable {
    public var term: Term
    public var candidateIndex: Int
}

/// What one rollback undid.
public struct RollbackRecord: Codable, Sendable, Equatable {
    public var commonPoint: OpTime
    public var undone: [OplogEntry]
}

/// What this member last heard from a peer through heartbeats.
public struct PeerInfo: Codable, Sendable, Equatable {
    public var host: String
    public var state: MemberState = .unknown
    public var health: Bool = false
    public var term: Term = -1
    public var appliedOpTime: OpTime = .null
    public var durableOpTime: OpTime = .null
    public var lastHeartbeat: Instant?
    public var lastHeartbeatRecv: Instant?
    public var electionTime: Timestamp?
    public var syncSource: String?
    public var configVersion: Int = -1
    public var configTerm: Term = -1
    public var lastHeartbeatMessage = ""

    public init(host: String) { self.host = host }
}

/// Constants of the emulation that MongoDB keeps as server parameters.
public struct MemberSettings: Codable, Sendable, Equatable {
    /// Wall-clock milliseconds at simulated instant zero (datetimes and oplog timestamps).
    public var epochMillis: Int64 = 1_402_000_000_000
    /// `replElectionTimeoutOffsetLimitFraction`.
    public var electionOffsetFraction = 0.15
    /// How long an idle secondary waits before asking its sync source again.
    public var fetchIdleInterval: Interval = .milliseconds(200)
    public var fetchBatchLimit = 1_000
    /// `priorityTakeoverFreshnessWindowSeconds`.
    public var takeoverFreshness: Interval = .seconds(2)

    public init() {}
}

/// A MongoDB-style replica-set member (protocol version 1) as a value without IO: events go in
/// through `on…` methods with the current time, directives come out.
public struct ReplicaSetMember: Codable, Sendable {
    public let host: String
    public var settings: MemberSettings
    public internal(set) var durable: DurableState

    // Volatile state, lost on crash.
    public internal(set) var state: MemberState = .startup
    public internal(set) var peers: [PeerInfo] = []
    public internal(set) var commitPoint: OpTime = .null
    /// Writable only after catch-up and the "new primary" no-op.
    public internal(set) var writable = false
    public internal(set) var electionTime: Timestamp?
    public internal(set) var syncSource: String?
    public internal(set) var topologyCounter: Int64 = 0
    public internal(set) var processID: ObjectID
    var rng: SplitMix64
    var electionDeadline: Instant?
    var electionTimerPending = false
    var generation = 0
    var candidacy: Candidacy?
    var catchUpTarget: OpTime?
    var frozenUntil: Instant?
    var waiters: [WriteWaiter] = []
    var stepDownRequest: PendingStepDown?
    var fetchInFlight = false
    var fetchGeneration = 0
    /// Set by SIGTERM: until the process exits, new commands are refused with ShutdownInProgress.
    var shuttingDown = false
    /// While looking for a rollback common point: where the next window of optimes ends.
    var probeEnd: Int?
    /// Fetches from secondaries waiting for new entries (awaitData), answered on append or heartbeat.
    var parkedFetches: [FetchRequest] = []
    var cursors = CursorTable(firstID: 1)
    var objectIDs: ObjectIDGenerator
    var lastElectionReason = ""
    public internal(set) var startedAt: Instant = .zero
    var lastVoteReason = ""

    /// A member process starting on `host` with what its disk holds.
    public init(host: String, durable: DurableState, seed: Seed, incarnation: Int, settings: MemberSettings = MemberSettings()) {
        self.host = host
        self.durable = durable
        self.settings = settings
        rng = seed.generator("member-\(host)-\(incarnation)")
        var pid = rng
        processID = ObjectID(bytes: (0..<12).map { _ in UInt8(truncatingIfNeeded: pid.next()) })!
        objectIDs = ObjectIDGenerator(processUnique: pid.next())
    }

    public var config: ReplSetConfig? { durable.config }
    public var term: Term { durable.term }
    public var lastApplied: OpTime { durable.lastApplied }
    public var isPrimary: Bool { state == .primary }
    public var isWritablePrimary: Bool { state == .primary && writable }

    /// This member's entry in its config.
    public var selfConfig: MemberConfig? { config?.member(host: host) }

    /// Wall-clock milliseconds at `now`, for datetimes in replies and oplog entries.
    func wallMillis(_ now: Instant) -> Int64 { settings.epochMillis + now.microseconds / 1_000 }

    var electionTimeout: Interval { .milliseconds(Int64(config?.settings.electionTimeoutMillis ?? 10_000)) }
    var heartbeatInterval: Interval { .milliseconds(Int64(config?.settings.heartbeatIntervalMillis ?? 2_000)) }
}

struct Candidacy: Codable, Sendable, Equatable {
    var dryRun: Bool
    var term: Term
    var granted: [String]
    var refused: [String]
    var skipDryRun: Bool
    var reason: String
}

struct WriteWaiter: Codable, Sendable, Equatable {
    var request: ClientRequestID
    var opTime: OpTime
    var reply: Document
    /// `w` as a number of members, or nil for "majority".
    var members: Int?
}

struct PendingStepDown: Codable, Sendable, Equatable {
    var request: ClientRequestID
    var stepDownSecs: Int64
    var force: Bool
    var deadline: Instant
}
