import RaftCluster

/// A small stand-in for a Dqlite cluster, enough to replay role management: nodes join as
/// spares and run the start-up promotion, nodes go offline and come back, the leader runs
/// its adjustment loop, nodes hand over on shutdown. It only tracks roles and liveness.
public struct RolesCluster: Hashable, Sendable {
    public private(set) var state: RolesChanges
    public private(set) var leader: UInt64

    /// A bootstrapped cluster: one voter that leads.
    public init(bootstrap id: UInt64, metadata: NodeMetadata = NodeMetadata(), config: RolesConfig = RolesConfig()) {
        state = RolesChanges(config: config, members: [.init(node: Self.node(id, .voter), metadata: metadata)])
        leader = id
    }

    /// Any configuration; `offline` nodes get no metadata.
    public init(nodes: [DqliteNode], leader: UInt64, metadata: [UInt64: NodeMetadata] = [:],
                offline: Set<UInt64> = [], config: RolesConfig = RolesConfig()) {
        let members = nodes.map { node in
            RolesChanges.Member(node: node, metadata: offline.contains(node.id) ? nil : metadata[node.id] ?? NodeMetadata())
        }
        state = RolesChanges(config: config, members: members)
        self.leader = leader
    }

    public var nodes: [DqliteNode] { state.members.map(\.node) }

    public func role(of id: UInt64) -> DqliteRole? { state.get(id)?.role }

    public func ids(_ role: DqliteRole, online: Bool = true) -> [UInt64] {
        state.list(role, online: online).map(\.id)
    }

    /// Counts of (voters, stand-bys, spares), online or not.
    public var roleCounts: (voters: Int, standBys: Int, spares: Int) {
        let roles = nodes.map(\.role)
        return (roles.filter { $0 == .voter }.count, roles.filter { $0 == .standBy }.count,
                roles.filter { $0 == .spare }.count)
    }

    public mutating func apply(_ assignments: [RoleAssignment]) {
        state = state.applying(assignments)
    }

    /// ADD as spare (what `run()` does for a joiner), then the joiner's first pass.
    @discardableResult
    public mutating func join(_ id: UInt64, metadata: NodeMetadata = NodeMetadata()) -> [RoleAssignment] {
        state = RolesChanges(config: state.config,
                             members: state.members + [.init(node: Self.node(id, .spare), metadata: metadata)])
        let assignments = state.maybePromoteOurselves(id)
        apply(assignments)
        return assignments
    }

    public mutating func setOffline(_ id: UInt64) {
        setMetadata(id, nil)
    }

    public mutating func setOnline(_ id: UInt64, metadata: NodeMetadata = NodeMetadata()) {
        setMetadata(id, metadata)
    }

    /// The leader's periodic pass; returns the ASSIGNs it made.
    @discardableResult
    public mutating func adjust() -> [RoleAssignment] {
        let assignments = state.maybeAdjustRoles(leader: leader)
        apply(assignments)
        return assignments
    }

    /// Graceful shutdown of `id`: runs the handover, then the node goes offline.
    @discardableResult
    public mutating func shutDown(_ id: UInt64) -> HandoverPlan {
        let plan = state.handoverPlan(id, leader: leader)
        apply(plan.assignments)
        leader = plan.newLeader
        setOffline(id)
        return plan
    }

    /// An ungraceful leader loss: raft elects `id`, which must be an online voter.
    public mutating func elect(_ id: UInt64) {
        precondition(state.get(id)?.role == .voter && state.metadata(of: id) != nil, "only an online voter can lead")
        leader = id
    }

    private mutating func setMetadata(_ id: UInt64, _ metadata: NodeMetadata?) {
        for i in state.members.indices where state.members[i].node.id == id {
            state.members[i].metadata = metadata
        }
    }

    private static func node(_ id: UInt64, _ role: DqliteRole) -> DqliteNode {
        DqliteNode(id: id, address: "10.0.0.\(id):17666", role: role)
    }
}
