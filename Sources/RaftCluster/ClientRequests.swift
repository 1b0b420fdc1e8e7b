import HACore

/// Identifies a client request so that a deferred reply reaches the right caller.
public struct DqliteRequestID: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var client: UInt64
    public var sequence: UInt64

    public init(client: UInt64, sequence: UInt64) {
        self.client = client
        self.sequence = sequence
    }

    public static func < (a: DqliteRequestID, b: DqliteRequestID) -> Bool { (a.client, a.sequence) < (b.client, b.sequence) }
    public var description: String { "c\(client)#\(sequence)" }
}

/// The Dqlite wire requests the Raft model answers (spec §5.2), as data. OPEN, PREPARE,
/// statement ids and row encoding belong to the host; EXEC_SQL and QUERY_SQL stand for every
/// write and read.
public enum DqliteRequest: Codable, Sendable, Hashable {
    /// LEADER (0).
    case leader
    /// CLUSTER (16); format 0 lists id and address, 1 adds the role.
    case cluster(format: UInt64)
    /// ADD (12): the server joins as a spare.
    case add(id: UInt64, address: String)
    /// ASSIGN (13).
    case assign(id: UInt64, role: DqliteRole)
    /// REMOVE (14).
    case remove(id: UInt64)
    /// TRANSFER (17); id 0 lets the leader pick a voter.
    case transfer(id: UInt64)
    /// EXEC_SQL (8).
    case execSQL(SQLStatement)
    /// QUERY_SQL (9).
    case querySQL(SQLStatement)

    public var wireCode: UInt8 {
        switch self {
        case .leader: return 0
        case .cluster: return 16
        case .add: return 12
        case .assign: return 13
        case .remove: return 14
        case .transfer: return 17
        case .execSQL: return 8
        case .querySQL: return 9
        }
    }

    public var name: String {
        switch self {
        case .leader: return "LEADER"
        case .cluster: return "CLUSTER"
        case .add: return "ADD"
        case .assign: return "ASSIGN"
        case .remove: return "REMOVE"
        case .transfer: return "TRANSFER"
        case .execSQL: return "EXEC_SQL"
        case .querySQL: return "QUERY_SQL"
        }
    }
}

/// The node's answer to a request (the response types of spec §5.2). QUERY_SQL success is not
/// here: the node emits `RaftDirective.query` and the host answers with the rows.
public enum DqliteReply: Codable, Sendable, Hashable {
    /// SERVER (1), answering LEADER: id 0 and address "" when unknown.
    case server(id: UInt64, address: String)
    /// SERVERS (3), answering CLUSTER.
    case servers([DqliteNode])
    /// EMPTY (8), answering ADD, ASSIGN, REMOVE and TRANSFER.
    case empty
    /// RESULT (6), answering EXEC_SQL once its entry committed at `index` and was applied; the
    /// host fills in last insert id and rows affected from that apply.
    case result(index: LogIndex)
    /// FAILURE (0).
    case failure(DqliteFailure)

    public var failure: DqliteFailure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}

// MARK: - Handling requests

extension RaftNode {
    /// A client request arrives on this node (spec §5.2 "Semantics to emulate").
    public mutating func onClientRequest(_ request: DqliteRequest, id: DqliteRequestID, now: Instant) -> [RaftDirective] {
        var out: [RaftDirective] = []
        switch request {
        case .leader:
            out.append(.reply(id, leaderReply))
        case .cluster(let format):
            out.append(.reply(id, format <= 1 ? .servers(configuration.servers) : .failure(.unrecognizedClusterFormat)))
        default:
            // `CHECK_LEADER` in the gateway comes before anything the raft library checks.
            guard state == .leader else {
                out.append(.reply(id, .failure(.notLeader)))
                break
            }
            switch request {
            case .add(let server, let address): add(server, address: address, request: id, now: now, into: &out)
            case .assign(let server, let role): assign(role, to: server, request: id, now: now, into: &out)
            case .remove(let server): remove(server, request: id, now: now, into: &out)
            case .transfer(let server): transferLeadership(to: server, request: id, now: now, into: &out)
            case .execSQL(let statement): exec(statement, request: id, now: now, into: &out)
            case .querySQL(let statement): query(statement, request: id, now: now, into: &out)
            case .leader, .cluster: break
            }
        }
        return finish(out)
    }

    /// `handle_leader`: only a voter of its current configuration names a leader.
    var leaderReply: DqliteReply {
        guard configuration.isVoter(id) else { return .server(id: 0, address: "") }
        switch state {
        case .leader:
            return .server(id: id, address: address)
        case .follower:
            guard let leader = currentLeader else { return .server(id: 0, address: "") }
            return .server(id: leader.id, address: leader.address)
        case .unavailable, .preCandidate, .candidate:
            return .server(id: 0, address: "")
        }
    }

    /// EXEC_SQL: `raft_apply` refuses while a transfer runs; otherwise the statement becomes a
    /// log entry and the reply waits for it to commit and be applied.
    mutating func exec(_ statement: SQLStatement, request: DqliteRequestID, now: Instant, into out: inout [RaftDirective]) {
        guard transfer == nil else {
            out.append(.reply(request, .failure(.raftNotLeader)))
            return
        }
        let index = appendAsLeader(.command(statement))
        leaderState?.pendingExecs.append(PendingExec(request: request, index: index))
        replicateNewEntries(into: &out)
        advanceCommitIndex(now: now, into: &out)
    }

    /// QUERY_SQL: `leaderBarrier` runs the read at once when everything in the log is applied;
    /// otherwise it appends a barrier and runs the read once the barrier is applied.
    mutating func query(_ statement: SQLStatement, request: DqliteRequestID, now: Instant, into out: inout [RaftDirective]) {
        if durable.lastApplied == durable.log.lastIndex {
            out.append(.query(request, statement))
            return
        }
        guard transfer == nil else {
            out.append(.reply(request, .failure(.raftNotLeader)))
            return
        }
        let index = appendAsLeader(.barrier)
        leaderState?.pendingQueries.append(PendingQuery(request: request, statement: statement, index: index))
        replicateNewEntries(into: &out)
        advanceCommitIndex(now: now, into: &out)
    }

    /// After entries up to `lastApplied` were applied: answer the writes and reads waiting on them.
    mutating func answerAppliedRequests(into out: inout [RaftDirective]) {
        guard var leader = leaderState else { return }
        let applied = durable.lastApplied
        while let first = leader.pendingExecs.first, first.index <= applied {
            leader.pendingExecs.removeFirst()
            out.append(.reply(first.request, .result(index: first.index)))
        }
        while let first = leader.pendingQueries.first, first.index <= applied {
            leader.pendingQueries.removeFirst()
            out.append(.query(first.request, first.statement))
        }
        leaderState = leader
    }
}

struct PendingExec: Codable, Sendable, Hashable {
    var request: DqliteRequestID
    var index: LogIndex
}

struct PendingQuery: Codable, Sendable, Hashable {
    var request: DqliteRequestID
    var statement: SQLStatement
    var index: LogIndex
}
