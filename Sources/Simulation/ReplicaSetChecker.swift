import BSON
import HACore
import ReplicaSet

/// DESIGN §6's per-step invariants for a replica set, checked after every simulated event,
/// and the end-of-run history check. Cheap: only what changed since the last step is looked at.
public struct ReplicaSetChecker {
    public internal(set) var violations: [String] = []
    /// The committed history as every member must agree on it, in order.
    private var committed: [OpTime] = []
    /// For each committed entry, the term of the commit point that first covered it: an entry
    /// of term 4 a term-6 primary commits (with its own entries after it) is committed in term 6.
    private var committedInTerm: [Term] = []
    private var primaryOfTerm: [Term: String] = [:]
    private var track: [MachineID: Track] = [:]
    private var ackedChecked = 0

    private struct Track {
        var incarnation = -1
        var rbid = 0
        var term: Term = 0
        var configVersion = 0
        var commitPoint: OpTime = .null
        var verified = 0
        var primaryTerm: Term?
        var primaryLength = 0
        var writable = false
    }

    public init() {}

    /// Checks every member of `world` after one step.
    public mutating func check(_ world: World) {
        // An event changes only the machine it is delivered to; driver events (faults,
        // workload) may touch any, so then every member is checked.
        let only = world.lastStepTarget.flatMap { $0.isClient || $0 == .driverEndpoint ? nil : $0 }
        // By index: iterating the elements would copy every member before the filter.
        for index in world.members.indices where only == nil || world.members[index].machine == only {
            let hosted = world.members[index]
            guard let member = hosted.member else { continue }
            let incarnation = world.machine(hosted.machine)?.incarnation ?? 0
            var t = track[hosted.machine] ?? Track()
            let durable = member.durable
            if durable.oplog.isEmpty && durable.config == nil && t.verified > 0 {
                t = Track()   // disk loss: this member starts over
            }
            checkMonotonic(member, incarnation: incarnation, &t, at: world.now)
            checkElectionSafety(member, &t, at: world.now)
            checkCommittedPrefix(member, &t, at: world.now)
            t.incarnation = incarnation
            t.rbid = durable.rbid
            track[hosted.machine] = t
        }
        checkAcknowledgedWrites(world)
    }

    private mutating func fail(_ text: String, at now: Instant) {
        if violations.count < 20 { violations.append("\(now) \(text)") }
    }

    /// Terms and config versions never go back; commit points never go back within a process life.
    private mutating func checkMonotonic(_ m: ReplicaSetMember, incarnation: Int, _ t: inout Track, at now: Instant) {
        if m.term < t.term { fail("\(m.host) term went back from \(t.term) to \(m.term)", at: now) }
        let version = m.config?.version ?? 0
        if version < t.configVersion { fail("\(m.host) config version went back from \(t.configVersion) to \(version)", at: now) }
        if incarnation == t.incarnation, m.commitPoint < t.commitPoint {
            fail("\(m.host) commit point went back from \(t.commitPoint) to \(m.commitPoint)", at: now)
        }
        t.term = m.term
        t.configVersion = version
        t.commitPoint = incarnation == t.incarnation ? max(t.commitPoint, m.commitPoint) : m.commitPoint
    }

    /// At most one primary per term; a primary's oplog only grows; a new writable primary holds
    /// every entry committed in an earlier term (leader completeness). What a later term commits
    /// meanwhile is not owed, whatever the entries' own terms: a primary paused between its
    /// election and the end of its catch-up may come back writable for a moment, until it sees
    /// the newer term (seed 8762).
    private mutating func checkElectionSafety(_ m: ReplicaSetMember, _ t: inout Track, at now: Instant) {
        guard m.isPrimary else {
            t.primaryTerm = nil
            t.writable = false
            return
        }
        if let other = primaryOfTerm[m.term], other != m.host {
            fail("two primaries in term \(m.term): \(other) and \(m.host)", at: now)
        }
        primaryOfTerm[m.term] = m.host
        let oplog = m.durable.oplog
        if t.primaryTerm == m.term {
            if oplog.count < t.primaryLength { fail("primary \(m.host) oplog shrank in term \(m.term)", at: now) }
        }
        t.primaryTerm = m.term
        t.primaryLength = oplog.count
        if m.isWritablePrimary, !t.writable {
            t.writable = true
            let owed = committed.prefix(committedInTerm.prefix { $0 < m.term }.count)
            if let missing = owed.indices.first(where: { $0 >= oplog.count || oplog[$0].opTime != owed[$0] }) {
                fail("primary \(m.host) of term \(m.term) lacks committed entry \(missing + 1) \(owed[missing]) "
                     + "(its oplog has \(oplog.count) entries, ending \(oplog.last.map { "\($0.opTime)" } ?? "nowhere"))", at: now)
            }
        }
    }

    /// Everything up to a member's commit point is the one committed history.
    private mutating func checkCommittedPrefix(_ m: ReplicaSetMember, _ t: inout Track, at now: Instant) {
        let oplog = m.durable.oplog
        if m.durable.rbid != t.rbid, oplog.count < t.verified {
            fail("\(m.host) rolled back committed entries (oplog \(oplog.count) < verified \(t.verified))", at: now)
        }
        t.verified = min(t.verified, oplog.count)
        var i = t.verified
        while i < oplog.count, oplog[i].opTime <= m.commitPoint {
            if i < committed.count {
                if committed[i] != oplog[i].opTime {
                    fail("\(m.host) committed \(oplog[i].opTime) at \(i) where the set committed \(committed[i])", at: now)
                    return
                }
            } else {
                committed.append(oplog[i].opTime)
                committedInTerm.append(m.commitPoint.t)
            }
            i += 1
        }
        t.verified = i
    }

    /// An acknowledged `w: "majority"` write is on a majority of voters when it is acknowledged.
    private mutating func checkAcknowledgedWrites(_ world: World) {
        guard let workload = world.workload, workload.acknowledged.count > ackedChecked else { return }
        let ns = "\(WorkloadClient.namespace.database).\(WorkloadClient.namespace.collection)"
        let voters = world.members.compactMap(\.member).first?.config.map { $0.members.filter(\.isVoter).count } ?? 1
        for key in workload.acknowledged[ackedChecked...] {
            let holders = world.members.filter { $0.durable.data.document(in: ns, id: .int64(Int64(key))) != nil }.count
            if holders < QuorumMath.majority(of: voters) {
                fail("write \(key) acknowledged with w:majority but held by \(holders) of \(voters) voters", at: world.now)
            }
        }
        ackedChecked = workload.acknowledged.count
    }

    /// End of run: every acknowledged write is in the converged primary's data.
    public mutating func checkNoAcknowledgedWriteLost(_ world: World) {
        guard let workload = world.workload,
              let primary = world.members.compactMap(\.member).first(where: \.isWritablePrimary) else { return }
        let ns = "\(WorkloadClient.namespace.database).\(WorkloadClient.namespace.collection)"
        let lost = workload.acknowledged.filter { primary.durable.data.document(in: ns, id: .int64(Int64($0))) == nil }
        if !lost.isEmpty {
            fail("\(lost.count) acknowledged majority writes lost, first \(lost.prefix(5).map(String.init).joined(separator: ", "))", at: world.now)
        }
    }
}

extension World {
    /// Converged: one writable primary, every member running and equal to it, all committed.
    public var replicaSetConverged: Bool {
        guard !members.isEmpty, members.allSatisfy({ $0.member != nil }) else { return false }
        guard let p = members.firstIndex(where: { $0.member!.isWritablePrimary }),
              !members[(p + 1)...].contains(where: { $0.member!.isWritablePrimary }) else { return false }
        let applied = members[p].member!.lastApplied
        return members[p].member!.commitPoint == applied
            && members.allSatisfy { $0.member!.lastApplied == applied && $0.member!.state.isReadable }
    }
}
