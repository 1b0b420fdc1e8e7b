import HACore
import RaftCluster

/// DESIGN §6's per-step invariants for the modern flavor's Dqlite (Raft) cluster, checked after
/// every simulated event (spec testing §A.8: the Raft paper's five guarantees plus monotonicity
/// and acknowledgement soundness), and the end-of-run history check. Cheap: a step looks only
/// at the node its event was delivered to (every node after a driver event: faults, restarts),
/// and at the entries committed or applied since it last looked.
public struct DqliteChecker: Codable, Sendable {
    public internal(set) var violations: [String] = []
    /// The committed log every node must agree on: entry `i` at position `i - 1`.
    private var committed: [CommittedEntry] = []
    /// What the nodes' databases applied, index by index (State Machine Safety).
    private var applied: [EntryPayload] = []
    private var leaderOfTerm: [RaftTerm: UInt64] = [:]
    /// Per node id.
    private var track: [UInt64: Track] = [:]
    private var acknowledgementsChecked = 0

    struct CommittedEntry: Codable, Sendable {
        var term: RaftTerm
        var payload: EntryPayload
        /// The term of the node first seen with the entry committed: every leader of a later
        /// term must hold it.
        var commitTerm: RaftTerm
    }

    struct Track: Codable, Sendable {
        var term: RaftTerm = 0
        var commitIndex: LogIndex = 0
        /// Committed entries of this node already compared with `committed`.
        var verified: LogIndex = 0
        /// The last index this node's database applied (from the `.apply` directives).
        var applied: LogIndex = 0
        /// The term it leads in, and its log length when last seen leading.
        var leaderTerm: RaftTerm?
        var leaderLastIndex: LogIndex = 0
    }

    public init() {}

    /// Checks the world after one step whose event went to `touched`.
    public mutating func check(_ world: World, touched: MachineID) {
        let all = touched == .driverEndpoint
        if all || !touched.isClient {
            for i in world.dqliteNodes.indices where all || world.dqliteNodes[i].machine == touched {
                checkNode(world, at: i)
            }
        }
        checkAcknowledgedWrites(world)
    }

    private mutating func fail(_ text: String, at now: Instant) {
        if violations.count < 20 { violations.append("\(now) \(text)") }
    }

    private static func name(_ hosted: HostedDqliteNode) -> String { "\(hosted.machine.tag) (node \(hosted.nodeID))" }

    /// Runs after every event, so it reads the node's fields in place: binding the node (a
    /// large value) would copy it each time. Names are only built for a report.
    private mutating func checkNode(_ world: World, at i: Int) {
        let nodeID = world.dqliteNodes[i].nodeID
        guard world.dqliteNodes[i].node != nil else {
            // Down. With its data directory gone the node starts over: forget what it held.
            if world.dqliteNodes[i].disk == nil { track[nodeID] = nil }
            return
        }
        let now = world.now
        let term = world.dqliteNodes[i].node!.durable.term
        let commitIndex = world.dqliteNodes[i].node!.commitIndex
        let appliedIndex = world.dqliteNodes[i].node!.durable.lastApplied
        let lastIndex = world.dqliteNodes[i].node!.durable.log.lastIndex
        let isLeader = world.dqliteNodes[i].node!.state == .leader
        func name() -> String { Self.name(world.dqliteNodes[i]) }
        var t = track[nodeID] ?? Track()

        // Monotonicity: a node's term and commit index never go back, restarts included
        // (a node restarts with the commit index it applied).
        if term < t.term { fail("\(name()) term went back from \(t.term) to \(term)", at: now) }
        if commitIndex < t.commitIndex { fail("\(name()) commit index went back from \(t.commitIndex) to \(commitIndex)", at: now) }
        if appliedIndex > commitIndex { fail("\(name()) applied \(appliedIndex) beyond its commit index \(commitIndex)", at: now) }
        if commitIndex > lastIndex { fail("\(name()) commit index \(commitIndex) beyond its log (\(lastIndex))", at: now) }
        t.term = max(t.term, term)
        t.commitIndex = max(t.commitIndex, commitIndex)

        // Election safety, leader append-only, leader completeness.
        if isLeader {
            if let other = leaderOfTerm[term], other != nodeID {
                let otherName = world.dqliteNodes.first { $0.nodeID == other }.map(Self.name) ?? "node \(other)"
                fail("two leaders in term \(term): \(otherName) and \(name())", at: now)
            }
            leaderOfTerm[term] = nodeID
            if t.leaderTerm == term {
                if lastIndex < t.leaderLastIndex {
                    fail("leader \(name()) log shrank from \(t.leaderLastIndex) to \(lastIndex) in term \(term)", at: now)
                }
            } else if let missing = firstCommittedMissing(from: world.dqliteNodes[i].node!.durable.log.entries, leaderTerm: term) {
                fail("leader \(name()) of term \(term) lacks committed entry \(missing)", at: now)
            }
            t.leaderTerm = term
            t.leaderLastIndex = lastIndex
        } else {
            t.leaderTerm = nil
        }

        // Committed prefixes agree across nodes.
        if commitIndex > t.verified {
            let entries = world.dqliteNodes[i].node!.durable.log.entries
            var index = t.verified + 1
            while index <= min(commitIndex, lastIndex) {
                let position = Int(index - 1)
                if position < committed.count {
                    if committed[position].term != entries[position].term || committed[position].payload != entries[position].payload {
                        fail("\(name()) committed \(describe(entries[position])) at \(index) where another node committed \(describe(committed[position], at: index))", at: now)
                        break
                    }
                } else {
                    committed.append(CommittedEntry(term: entries[position].term, payload: entries[position].payload, commitTerm: term))
                    checkLeadersHold(index: index, world)
                }
                index += 1
            }
            t.verified = index - 1
        }
        track[nodeID] = t
    }

    /// The first entry committed in a term before `leaderTerm` that a leader's log lacks.
    private func firstCommittedMissing(from entries: [LogEntry], leaderTerm: RaftTerm) -> Int? {
        for position in committed.indices where committed[position].commitTerm < leaderTerm {
            guard position < entries.count, entries[position].term == committed[position].term,
                  entries[position].payload == committed[position].payload else { return position + 1 }
        }
        return nil
    }

    /// A newly committed entry is in the log of every running leader of a later term.
    private mutating func checkLeadersHold(index: LogIndex, _ world: World) {
        let entry = committed[Int(index - 1)]
        for j in world.dqliteNodes.indices {
            guard let node = world.dqliteNodes[j].node, node.isLeader, node.term > entry.commitTerm else { continue }
            let local = node.durable.log.entry(at: index)
            if local?.term != entry.term || local?.payload != entry.payload {
                fail("leader \(Self.name(world.dqliteNodes[j])) of term \(node.term) lacks entry \(index) committed in term \(entry.commitTerm)",
                     at: world.now)
            }
        }
    }

    /// A node's database applies entries 1, 2, 3, … once each, and every node the same entry
    /// at the same index (from the host's `.apply` directives).
    mutating func noteApplied(index: LogIndex, payload: EntryPayload, node: UInt64, machine: MachineID, at now: Instant) {
        var t = track[node] ?? Track()
        if index != t.applied + 1 { fail("\(machine.tag) (node \(node)) applied \(index) after \(t.applied)", at: now) }
        t.applied = index
        track[node] = t
        let position = Int(index - 1)
        if position < applied.count {
            if applied[position] != payload {
                fail("\(machine.tag) (node \(node)) applied \(describe(payload)) at \(index) where another node applied \(describe(applied[position]))", at: now)
            }
        } else if position == applied.count {
            applied.append(payload)
        }
    }

    /// An acknowledged EXEC (RESULT at index i) is that statement, committed at i, and held by
    /// a majority of the voters of the answering leader's configuration when the client gets
    /// the answer. (Not `dqliteConfiguration`: a paused or cut-off former leader still believes
    /// it leads, with a configuration of its own.) While a one-at-a-time change is uncommitted,
    /// a majority of either its configuration or the committed one will do: their majorities
    /// overlap, so every later leader holds the entry either way (a voter promoted just after
    /// the commit has not received it yet).
    private mutating func checkAcknowledgedWrites(_ world: World) {
        guard (world.dqliteWorkload?.acknowledged.count ?? 0) > acknowledgementsChecked, let workload = world.dqliteWorkload else { return }
        for ack in workload.acknowledged[acknowledgementsChecked...] {
            // (Its disk may have been wiped since it answered: then the newest configuration.)
            let answering = world.dqliteNode(on: ack.leader)
            let configuration = answering?.node?.configuration ?? answering?.disk?.log.lastConfiguration()?.configuration
                ?? world.dqliteNodes.compactMap { $0.durable?.log.lastConfiguration() }.max { $0.index < $1.index }?.configuration
            let committedConfiguration = answering?.node.flatMap { node in
                node.log.lastConfiguration(atOrBefore: node.commitIndex)?.configuration
            }
            let voters = configuration?.voterIDs ?? []
            let expected = EntryPayload.command(DqliteWorkload.statement(ack.key))
            let position = Int(ack.index - 1)
            guard position >= 0, position < committed.count, committed[position].payload == expected else {
                fail("write \(DqliteWorkload.key(ack.key)) acknowledged at \(ack.index) but not committed there", at: world.now)
                continue
            }
            let term = committed[position].term
            let holders = world.dqliteNodes.filter { voters.contains($0.nodeID) && $0.durable?.log.term(at: ack.index) == term }
            let committedVoters = committedConfiguration?.voterIDs ?? voters
            let committedHolders = world.dqliteNodes.filter { committedVoters.contains($0.nodeID) && $0.durable?.log.term(at: ack.index) == term }
            if holders.count < voters.count / 2 + 1 && committedHolders.count < committedVoters.count / 2 + 1 {
                let names = holders.map { $0.machine.tag }.joined(separator: ", ")
                fail("write \(DqliteWorkload.key(ack.key)) acknowledged at \(ack.index) but held by \(holders.count) of \(voters.count) voters (\(names))",
                     at: world.now)
            }
        }
        acknowledgementsChecked = workload.acknowledged.count
    }

    /// End of run: every acknowledged key is in the database of the converged leader (or, with
    /// none, of the node that applied most), and no refused key is.
    public mutating func checkNoAcknowledgedWriteLost(_ world: World) {
        guard let workload = world.dqliteWorkload, !(workload.acknowledged.isEmpty && workload.refused.isEmpty) else { return }
        let source = world.dqliteLeaderMachine ?? world.dqliteNodes.filter { $0.durable != nil }
            .max { ($0.durable?.lastApplied ?? 0) < ($1.durable?.lastApplied ?? 0) }?.machine
        guard let source else {
            fail("no node database to read the acknowledged writes back from", at: world.now)
            return
        }
        let keys: Set<String>
        switch world.runQuery(DqliteWorkload.readBack, on: source) {
        case .rows(_, let rows):
            keys = Set(rows.compactMap { row -> String? in if case .text(let key)? = row.first { return key } else { return nil } })
        case .reply(let reply):
            fail("reading the writes back from \(source.tag) failed: \(reply)", at: world.now)
            return
        case .result:
            fail("reading the writes back from \(source.tag) answered with an EXEC result", at: world.now)
            return
        }
        let lost = workload.acknowledged.map(\.key).filter { !keys.contains(DqliteWorkload.key($0)) }
        if !lost.isEmpty {
            fail("\(lost.count) acknowledged writes lost on \(source.tag), first \(lost.prefix(5).map(DqliteWorkload.key).joined(separator: ", "))",
                 at: world.now)
        }
        let applied = workload.refused.filter { keys.contains(DqliteWorkload.key($0)) }
        if !applied.isEmpty {
            fail("\(applied.count) refused writes took effect on \(source.tag), first \(applied.prefix(5).map(DqliteWorkload.key).joined(separator: ", "))",
                 at: world.now)
        }
    }

    mutating func noteNoConvergence(at now: Instant, bound: Interval, _ world: World) {
        fail("the healed cluster did not converge within \(bound): \(world.dqliteConvergenceReport)", at: now)
    }

    mutating func note(_ text: String, at now: Instant) { fail(text, at: now) }

    private func describe(_ entry: LogEntry) -> String { "\(describe(entry.payload)) of term \(entry.term)" }
    private func describe(_ entry: CommittedEntry, at index: LogIndex) -> String { "\(describe(entry.payload)) of term \(entry.term)" }

    private func describe(_ payload: EntryPayload) -> String {
        switch payload {
        case .barrier: return "a barrier"
        case .command(let statement): return "[\(statement)]"
        case .configuration(let c): return "configuration \(c)"
        }
    }
}

extension World {
    /// Converged: exactly one leader, with its whole log committed; every controller's node is
    /// in its configuration and running, and (spares aside, which receive no log) has applied
    /// the leader's commit index.
    public var dqliteConverged: Bool {
        var leaderAt: Int?
        for i in dqliteNodes.indices where dqliteNodes[i].node?.isLeader == true {
            guard leaderAt == nil else { return false }
            leaderAt = i
        }
        guard let l = leaderAt, let leader = dqliteNodes[l].node, leader.commitIndex == leader.lastLogIndex else { return false }
        let configuration = leader.configuration
        return dqliteNodes.allSatisfy { h in
            guard let role = configuration.role(of: h.nodeID), let node = h.node,
                  machineIndex(h.machine).map({ machines[$0].process == .running }) == true else { return false }
            return role == .spare || node.appliedIndex == leader.commitIndex
        }
    }

    /// Why the cluster is not converged, node by node, for a failing seed's report. Names
    /// C-raft's voting hole when that is what holds the cluster (see `RaftSettings.nonVotersGrantVotes`).
    public var dqliteConvergenceReport: String {
        var lines: [String] = []
        let leaders = dqliteNodes.filter { $0.node?.isLeader == true }
        if leaders.isEmpty {
            lines.append("no leader")
        } else if leaders.count > 1 {
            lines.append("\(leaders.count) leaders")
        }
        if let hole = dqliteVotingHole { lines.append("voting hole: \(hole)") }
        if let stale = dqliteStaleProgress { lines.append("stale progress: \(stale)") }
        for h in dqliteNodes {
            guard let node = h.node else {
                lines.append("\(h.machine.tag) (node \(h.nodeID)) down (\(machine(h.machine)?.process.rawValue ?? "gone"))")
                continue
            }
            lines.append("\(h.machine.tag) (node \(h.nodeID)) \(node.state.rawValue) term \(node.term) commit \(node.commitIndex) applied \(node.appliedIndex) last \(node.lastLogIndex) role \(node.role.map(\.description) ?? "none") configuration \(node.configuration) at \(node.configurationIndex)")
        }
        return lines.joined(separator: "; ")
    }

    /// A leader that believes a follower holds more of the log than it does: what a follower's
    /// disk loss leaves behind. The follower refuses every AppendEntries (its log is shorter
    /// than prevLogIndex) but, while the leader pipelines to it, C-raft's
    /// `progressMaybeDecrement` drops a refusal at or below the match index as stale, so the
    /// follower is never sent the log again until two new entries or a new leader come along.
    public var dqliteStaleProgress: String? {
        guard let leader = dqliteNodes.first(where: { $0.node?.isLeader == true })?.node else { return nil }
        let stale = dqliteNodes.compactMap { h -> String? in
            guard h.nodeID != leader.id, let node = h.node, let progress = leader.progress(of: h.nodeID),
                  progress.matchIndex > node.lastLogIndex else { return nil }
            return "leader node \(leader.id) has \(h.machine.tag) (node \(h.nodeID)) matching up to \(progress.matchIndex) but its log ends at \(node.lastLogIndex)"
        }
        return stale.isEmpty ? nil : stale.joined(separator: ", ")
    }

    /// C-raft's voting hole: no leader; a running node is a voter in another's configuration
    /// but not in its own (it never received the entry promoting it), so it refuses to vote; and
    /// no node that stands for election can gather a quorum of voters willing to elect it.
    public var dqliteVotingHole: String? {
        guard !dqliteNodes.contains(where: { $0.node?.isLeader == true }) else { return nil }
        let running = dqliteNodes.compactMap(\.node)
        func node(_ id: UInt64) -> RaftNode? { running.first { $0.id == id } }
        let standing = running.filter(\.isVoter)
        guard !standing.isEmpty else { return nil }
        var unaware: [String] = []
        for candidate in standing {
            for id in candidate.configuration.voterIDs where id != candidate.id {
                if let other = node(id), !other.isVoter {
                    let name = dqliteNodes.first { $0.nodeID == id }.map { "\($0.machine.tag) (node \(id))" } ?? "node \(id)"
                    let entry = "\(name) is a voter in the configuration of node \(candidate.id) at \(candidate.configurationIndex) but \(other.role.map(\.description) ?? "absent") in its own at \(other.configurationIndex)"
                    if !unaware.contains(entry) { unaware.append(entry) }
                }
            }
        }
        guard !unaware.isEmpty else { return nil }
        let stuck = standing.allSatisfy { candidate in
            let willing = candidate.configuration.voterIDs.filter { id in
                guard let voter = node(id) else { return false }
                return voter.isVoter && voter.log.isAtMostAsUpToDate(asLastIndex: candidate.lastLogIndex, lastTerm: candidate.log.lastTerm)
            }
            return willing.count < candidate.configuration.quorum
        }
        return stuck ? unaware.joined(separator: ", ") : nil
    }
}
