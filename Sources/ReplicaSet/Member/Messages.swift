import BSON

/// Member-to-member traffic (`replSetHeartbeat`, `replSetRequestVotes`, oplog fetching and
/// `replSetUpdatePosition`). Drivers never send these, so in the simulator they travel as values;
/// the live runtime carries them as commands over the wire.
public enum RSMessage: Codable, Sendable, Equatable {
    case heartbeat(HeartbeatRequest)
    case heartbeatResponse(HeartbeatResponse)
    case requestVotes(VoteRequest)
    case voteResponse(VoteResponse)
    case fetchOplog(FetchRequest)
    case oplogBatch(FetchResponse)
    case updatePosition(PositionUpdate)
    /// Sent by a primary stepping down to a caught-up electable secondary (election handoff).
    case stepUp(term: Term)
}

public struct HeartbeatRequest: Codable, Sendable, Equatable {
    public var setName: String
    public var senderHost: String
    public var senderID: Int?
    public var term: Term
    public var configVersion: Int
    public var configTerm: Term
}

public struct HeartbeatResponse: Codable, Sendable, Equatable {
    public var setName: String
    public var senderHost: String
    public var state: MemberState
    public var term: Term
    public var appliedOpTime: OpTime
    public var durableOpTime: OpTime
    public var electionTime: Timestamp?
    public var syncSource: String?
    public var configVersion: Int
    public var configTerm: Term
    /// The responder's config, sent when the requester's is older (how a new member learns it).
    public var config: ReplSetConfig?
    public var electable: Bool
    public var lastCommitted: OpTime
}

public struct VoteRequest: Codable, Sendable, Equatable {
    public var setName: String
    public var dryRun: Bool
    public var term: Term
    public var candidateIndex: Int
    public var candidateHost: String
    public var configVersion: Int
    public var configTerm: Term
    public var lastAppliedOpTime: OpTime
}

public struct VoteResponse: Codable, Sendable, Equatable {
    public var term: Term
    public var voteGranted: Bool
    public var reason: String
    public var dryRun: Bool
    public var voterHost: String
}

/// A secondary asks its sync source for entries after the last one it has.
public struct FetchRequest: Codable, Sendable, Equatable {
    public var requesterHost: String
    public var term: Term
    /// A window of the requester's optimes, newest last; when the requester has diverged the
    /// source names the newest of them it also holds, so the requester learns where to roll back.
    public var recentOpTimes: [OpTime]
    public var lastFetched: OpTime
    public var batchLimit: Int
}

public struct FetchResponse: Codable, Sendable, Equatable {
    public var sourceHost: String
    /// The requester's last optime the entries follow; a batch that no longer follows the end of
    /// the requester's oplog (it wrote or rolled back meanwhile) is stale and dropped.
    public var after: OpTime = .null
    public var term: Term
    public var sourceState: MemberState
    public var entries: [OplogEntry]
    /// Set when the requester's last optime is not in the source's oplog: the common point.
    public var divergedAfter: OpTime?
    /// The requester diverged and none of the window's optimes is here: send an older window.
    public var needOlderWindow: Bool = false
    public var lastCommitted: OpTime
    public var sourceLastApplied: OpTime
}

/// `replSetUpdatePosition`: how far a member has applied and made durable.
public struct PositionUpdate: Codable, Sendable, Equatable {
    public var memberHost: String
    public var term: Term
    public var appliedOpTime: OpTime
    public var durableOpTime: OpTime
    public var configVersion: Int
}

/// Timers a member asks its runtime for; `generation` lets a member ignore a timer it replaced.
public enum MemberTimer: Codable, Sendable, Equatable, Hashable {
    case heartbeat
    case electionTimeout(generation: Int)
    case priorityTakeover(generation: Int)
    case fetch(generation: Int)
    case writeConcernTimeout(request: ClientRequestID)
    case electionRound(generation: Int)
    case stepDownWait(request: ClientRequestID)
}

/// Identifies a client request so a deferred reply reaches the right caller.
public struct ClientRequestID: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var client: Int
    public var sequence: Int

    public init(client: Int, sequence: Int) {
        self.client = client
        self.sequence = sequence
    }

    public static func < (a: ClientRequestID, b: ClientRequestID) -> Bool { (a.client, a.sequence) < (b.client, b.sequence) }
    public var description: String { "c\(client)#\(sequence)" }
}

/// What a member asks its runtime to do.
public enum MemberDirective: Sendable, Equatable {
    case send(to: String, RSMessage)
    case reply(ClientRequestID, Document)
    case schedule(MemberTimer, after: Interval)
    /// The durable part changed (vote, term, config, oplog) and must be on disk before what follows.
    case persist(PersistedPart)
    /// A line for the member's log (and the trace).
    case log(String)
}

public enum PersistedPart: String, Sendable {
    case vote, term, config, oplog, rollback
}

import HACore
