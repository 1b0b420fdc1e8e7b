import HACore
import XCTest
@testable import RaftCluster

/// Builds started nodes with a configuration and log already on disk, so that each test
/// drives exactly one rule (etcd raft's paper tests: init → step → check directives).
enum Fixture {
    static let t0 = Instant.zero + .seconds(100)

    static func address(_ id: UInt64) -> String { "127.0.0.\(id):17666" }

    static func config(voters: [UInt64], standBys: [UInt64] = [], spares: [UInt64] = []) -> RaftConfiguration {
        RaftConfiguration(voters.map { DqliteNode(id: $0, address: address($0), role: .voter) }
            + standBys.map { DqliteNode(id: $0, address: address($0), role: .standBy) }
            + spares.map { DqliteNode(id: $0, address: address($0), role: .spare) })
    }

    static func command(_ n: Int) -> EntryPayload { .command(SQLStatement("INSERT INTO t VALUES (?)", [.integer(Int64(n))])) }

    /// Entry 1 is `config`; then one entry per term in `terms` (commands numbered from 2).
    static func log(_ config: RaftConfiguration, terms: [RaftTerm] = []) -> RaftLog {
        var entries = [LogEntry(index: 1, term: 1, payload: .configuration(config))]
        for (offset, term) in terms.enumerated() {
            entries.append(LogEntry(index: LogIndex(offset + 2), term: term, payload: command(offset + 2)))
        }
        return RaftLog(entries)
    }

    /// Node `id` started at `t0` with the given disk.
    static func node(_ id: UInt64, _ config: RaftConfiguration, term: RaftTerm = 1, terms: [RaftTerm] = [],
                     votedFor: UInt64? = nil, settings: RaftSettings = RaftSettings(), seed: UInt64 = 7) -> RaftNode {
        let durable = RaftDurableState(term: term, votedFor: votedFor, log: log(config, terms: terms))
        var node = RaftNode(id: id, address: address(id), durable: durable, settings: settings)
        _ = node.onStart(now: t0, random: SplitMix64(seed: seed))
        return node
    }

    /// Runs `node` through a pre-vote and an election won with votes from `voters`.
    static func elect(_ node: inout RaftNode, votes voters: [UInt64]? = nil) -> [RaftDirective] {
        let now = node.electionDeadline
        var out = node.onElectionTimeout(now: now)
        let granting = voters ?? node.configuration.voterIDs.filter { $0 != node.id }
        if node.state == .preCandidate {
            for voter in granting where node.state == .preCandidate {
                out += node.onMessage(from: voter, .requestVoteResult(.init(term: node.term + 1, voteGranted: true, preVote: true)), now: now)
            }
        }
        for voter in granting where node.state == .candidate {
            out += node.onMessage(from: voter, .requestVoteResult(.init(term: node.term, voteGranted: true, preVote: false)), now: now)
        }
        precondition(node.isLeader, "node \(node.id) did not win: \(node.state)")
        return out
    }

    /// A leader of `config` whose peers in `caughtUp` acknowledged its whole log (so its
    /// barrier is committed and configuration changes are allowed).
    static func leader(_ id: UInt64, _ config: RaftConfiguration, terms: [RaftTerm] = [], caughtUp: [UInt64]? = nil,
                       settings: RaftSettings = RaftSettings()) -> RaftNode {
        var node = Fixture.node(id, config, terms: terms, settings: settings)
        _ = elect(&node)
        let peers = caughtUp ?? config.servers.map(\.id).filter { $0 != id && config.replicates(to: $0) }
        for peer in peers { _ = acknowledge(&node, from: peer) }
        return node
    }

    /// `peer` answers that its log matches the leader's whole log.
    @discardableResult
    static func acknowledge(_ node: inout RaftNode, from peer: UInt64, upTo index: LogIndex? = nil,
                            now: Instant? = nil) -> [RaftDirective] {
        node.onMessage(from: peer, .appendEntriesResult(.init(term: node.term, rejected: nil, lastLogIndex: index ?? node.lastLogIndex)),
                       now: now ?? node.electionTimerStart)
    }

    static let request = DqliteRequestID(client: 9, sequence: 1)
    static func request(_ n: UInt64) -> DqliteRequestID { DqliteRequestID(client: 9, sequence: n) }
}

extension Array where Element == RaftDirective {
    /// (destination, message) of every send, in order.
    var sends: [(to: UInt64, message: RaftMessage)] {
        compactMap { if case .send(let to, let m) = $0 { return (to, m) } else { return nil } }
    }

    func sent(to id: UInt64) -> [RaftMessage] { sends.filter { $0.to == id }.map(\.message) }

    var appendEntries: [(to: UInt64, message: RaftMessage.AppendEntries)] {
        sends.compactMap { if case .appendEntries(let m) = $0.message { return ($0.to, m) } else { return nil } }
    }

    var voteRequests: [(to: UInt64, message: RaftMessage.RequestVote)] {
        sends.compactMap { if case .requestVote(let m) = $0.message { return ($0.to, m) } else { return nil } }
    }

    var voteResults: [RaftMessage.RequestVoteResult] {
        sends.compactMap { if case .requestVoteResult(let m) = $0.message { return m } else { return nil } }
    }

    func reply(_ id: DqliteRequestID) -> DqliteReply? {
        for case .reply(let r, let reply) in self where r == id { return reply }
        return nil
    }

    var applied: [LogIndex] {
        compactMap { if case .apply(let index, _) = $0 { return index } else { return nil } }
    }
}
