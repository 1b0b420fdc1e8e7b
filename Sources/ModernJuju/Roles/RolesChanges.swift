import RaftCluster

/// A role and the nodes that should receive it, best first. The caller sends ASSIGN to
/// each candidate in turn and stops at the first success.
public struct RoleDecision: Hashable, Sendable {
    public var role: DqliteRole
    public var candidates: [DqliteNode]

    public init(role: DqliteRole, candidates: [DqliteNode]) {
        self.role = role
        self.candidates = candidates
    }

    public var candidateIDs: [UInt64] { candidates.map(\.id) }
}

/// The cluster snapshot go-dqlite builds in `makeRolesChanges` (spec §4.4): every node of
/// the configuration with its DESCRIBE metadata, or none when the probe failed (offline).
///
/// go-dqlite keeps this in a map and walks it in random order; here members are kept
/// sorted by node id and every list is built in that order, so each decision is one of
/// the outcomes go-dqlite could reach, always the same one.
public struct RolesChanges: Hashable, Sendable {
    public struct Member: Hashable, Sendable {
        public var node: DqliteNode
        public var metadata: NodeMetadata?

        public init(node: DqliteNode, metadata: NodeMetadata?) {
            self.node = node
            self.metadata = metadata
        }

        public var isOnline: Bool { metadata != nil }
    }

    public var config: RolesConfig
    public internal(set) var members: [Member]

    public init(config: RolesConfig = RolesConfig(), members: [Member]) {
        self.config = config
        self.members = members.sorted { $0.node.id < $1.node.id }
    }

    /// Nodes missing from `metadata` are offline.
    public init(config: RolesConfig = RolesConfig(), nodes: [DqliteNode], metadata: [UInt64: NodeMetadata]) {
        self.init(config: config, members: nodes.map { Member(node: $0, metadata: metadata[$0.id]) })
    }

    public var size: Int { members.count }

    public func get(_ id: UInt64) -> DqliteNode? {
        members.first { $0.node.id == id }?.node
    }

    public func metadata(of id: UInt64) -> NodeMetadata? {
        members.first { $0.node.id == id }?.metadata
    }

    /// Online or offline nodes with `role`, optionally only those in `domains`
    /// (an offline node has no domain, so a domain filter never matches it).
    public func list(_ role: DqliteRole, online: Bool, in domains: Set<UInt64>? = nil) -> [DqliteNode] {
        members.filter { member in
            guard member.node.role == role, member.isOnline == online else { return false }
            guard let domains else { return true }
            return member.metadata.map { domains.contains($0.failureDomain) } ?? false
        }.map(\.node)
    }

    /// Failure domains of the given nodes that are online.
    public func failureDomains(_ nodes: [DqliteNode]) -> Set<UInt64> {
        Set(nodes.compactMap { metadata(of: $0.id)?.failureDomain })
    }

    /// Failure domains that have at least one online node.
    public var allFailureDomains: Set<UInt64> {
        Set(members.compactMap { $0.metadata?.failureDomain })
    }

    // MARK: - Ordering

    /// `sortCandidates`: a candidate outside `domains` comes first (it spreads the role to a
    /// new failure domain), then lower weight. Equal candidates keep the order they were
    /// given in (stand-bys before spares, then node id), one of the orders go-dqlite's
    /// unstable sort may produce.
    public func sortCandidates(_ candidates: [DqliteNode], domains: Set<UInt64>) -> [DqliteNode] {
        let keyed = candidates.map { node -> (DqliteNode, Bool, UInt64) in
            let meta = metadata(of: node.id) ?? NodeMetadata()
            return (node, domains.contains(meta.failureDomain), meta.weight)
        }
        return stableSorted(keyed) { a, b in
            if a.1 != b.1 { return !a.1 }
            return a.2 < b.2
        }.map(\.0)
    }

    /// `sortVoterCandidatesToDemote`: voters from the domain with the most candidates first,
    /// heaviest first within a domain. Ties between equally crowded domains (go-dqlite leaves
    /// them to map order) go to the domain holding more online voters counting the leader,
    /// then to the lower domain id: demoting a leader's same-domain peer rather than a lone
    /// voter elsewhere keeps the domain-spreading rule from undoing the demotion forever.
    public func sortVoterCandidatesToDemote(_ candidates: [DqliteNode]) -> [DqliteNode] {
        let byDomain = Dictionary(grouping: candidates) { metadata(of: $0.id)?.failureDomain ?? 0 }
        let onlineVoters = list(.voter, online: true)
        func votersIn(_ domain: UInt64) -> Int {
            onlineVoters.filter { metadata(of: $0.id)?.failureDomain == domain }.count
        }
        let domains = byDomain.keys.sorted { a, b in
            let (ca, cb) = (byDomain[a]!.count, byDomain[b]!.count)
            if ca != cb { return ca > cb }
            let (va, vb) = (votersIn(a), votersIn(b))
            if va != vb { return va > vb }
            return a < b
        }
        return domains.flatMap { domain in
            byDomain[domain]!.sorted { a, b in
                let (wa, wb) = (metadata(of: a.id)?.weight ?? 0, metadata(of: b.id)?.weight ?? 0)
                return wa != wb ? wa > wb : a.id < b.id
            }
        }
    }

    private func stableSorted<T>(_ items: [T], by less: (T, T) -> Bool) -> [T] {
        items.enumerated().sorted { a, b in
            if less(a.element, b.element) { return true }
            if less(b.element, a.element) { return false }
            return a.offset < b.offset
        }.map(\.element)
    }
}

// MARK: - The three decisions

extension RolesChanges {
    /// `Assume`: the role a starting node should ask for, nil for none (spec §4.5).
    public func assume(_ id: UInt64) -> DqliteRole? {
        // Below three nodes a second vote would only make quorum harder to keep.
        guard size >= RolesOptions.minVoters, let node = get(id) else { return nil }
        guard node.role == .spare else { return nil }
        let voters = list(.voter, online: true).count
        let standBys = list(.standBy, online: true).count
        if voters >= config.voters && standBys >= config.standBys { return nil }
        return voters < config.voters ? .voter : .standBy
    }

    /// `Handover`: the role a departing node gives away and who should take it (spec §4.7).
    public func handover(_ id: UInt64) -> RoleDecision? {
        guard let node = get(id), node.role != .spare else { return nil }
        // Prefer candidates outside the domains its remaining same-role peers already cover.
        let peers = list(node.role, online: true).filter { $0.id != id }
        var candidates = list(.spare, online: true)
        if node.role == .voter {
            // Stand-bys already hold the log, so they are listed before spares.
            candidates = list(.standBy, online: true) + candidates
        }
        guard !candidates.isEmpty else { return nil }
        return RoleDecision(role: node.role, candidates: sortCandidates(candidates, domains: failureDomains(peers)))
    }

    /// `Adjust`: one role change the leader should make, nil when roles are settled
    /// (spec §4.6). The leader applies it and asks again until nil.
    public func adjust(leader: UInt64) -> RoleDecision? {
        if size == 1 { return nil }
        if size < RolesOptions.minVoters { return demoteExtraVoterOfSmallCluster(leader: leader) }
        if let spread = spreadVotersAcrossDomains() { return spread }
        if isSettled { return nil }
        switch adjustVoters(leader: leader) {
        case .decided(let decision): return decision
        case .undecided: return adjustStandBys(leader: leader)
        }
    }

    /// Whether the voter steps settled the pass (possibly on "no change") or left it to
    /// the stand-by steps.
    private enum Step {
        case decided(RoleDecision?)
        case undecided
    }

    /// A one- or two-node cluster keeps the leader as its only voter.
    private func demoteExtraVoterOfSmallCluster(leader: UInt64) -> RoleDecision? {
        guard let node = members.map(\.node).first(where: { $0.id != leader && $0.role == .voter }) else { return nil }
        return RoleDecision(role: .spare, candidates: [node])
    }

    /// When some domain holds two voters while another online domain holds none, promote a
    /// node of an uncovered domain; the surplus voter is demoted on a later pass.
    private func spreadVotersAcrossDomains() -> RoleDecision? {
        let onlineVoters = list(.voter, online: true)
        let covered = failureDomains(onlineVoters)
        guard covered.count < allFailureDomains.count, covered.count < onlineVoters.count else { return nil }
        let uncovered = allFailureDomains.subtracting(covered)
        let candidates = list(.standBy, online: true, in: uncovered) + list(.spare, online: true, in: uncovered)
        guard !candidates.isEmpty else { return nil }
        // go-dqlite sorts against the uncovered set itself, which every candidate is in,
        // so in effect this is a pure weight order.
        return RoleDecision(role: .voter, candidates: sortCandidates(candidates, domains: uncovered))
    }

    /// Exactly the targets, all of them online.
    private var isSettled: Bool {
        list(.voter, online: false).isEmpty && list(.voter, online: true).count == config.voters
            && list(.standBy, online: false).isEmpty && list(.standBy, online: true).count == config.standBys
    }

    private func adjustVoters(leader: UInt64) -> Step {
        let onlineVoters = list(.voter, online: true)
        if onlineVoters.count < config.voters {
            let candidates = list(.standBy, online: true) + list(.spare, online: true)
            // Nothing to promote: returning "no change" also stops the stand-by steps, and
            // an offline voter is kept rather than shrinking the voter set further.
            guard !candidates.isEmpty else { return .decided(nil) }
            return .decided(RoleDecision(role: .voter, candidates: sortCandidates(candidates, domains: failureDomains(onlineVoters))))
        }
        if onlineVoters.count > config.voters {
            let others = onlineVoters.filter { $0.id != leader }
            return .decided(RoleDecision(role: .spare, candidates: sortVoterCandidatesToDemote(others)))
        }
        let offline = list(.voter, online: false)
        return offline.isEmpty ? .undecided : .decided(RoleDecision(role: .spare, candidates: offline))
    }

    private func adjustStandBys(leader: UInt64) -> RoleDecision? {
        let onlineStandBys = list(.standBy, online: true)
        if onlineStandBys.count < config.standBys {
            let candidates = list(.spare, online: true)
            guard !candidates.isEmpty else { return nil }
            return RoleDecision(role: .standBy, candidates: sortCandidates(candidates, domains: failureDomains(onlineStandBys)))
        }
        if onlineStandBys.count > config.standBys {
            // The leader is a voter, so the list is never empty in a real cluster.
            let others = onlineStandBys.filter { $0.id != leader }
            return others.isEmpty ? nil : RoleDecision(role: .spare, candidates: others)
        }
        let offline = list(.standBy, online: false)
        return offline.isEmpty ? nil : RoleDecision(role: .spare, candidates: offline)
    }
}
