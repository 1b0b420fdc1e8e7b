import RaftCluster

/// What go-dqlite's `App` does with the three decisions (spec §4.3, §4.5–4.7), as lists of
/// ASSIGN/TRANSFER requests. The model lets every request succeed, so "try candidates in
/// order until one succeeds" is always its first candidate.
extension RolesChanges {
    /// The snapshot after an ASSIGN has been committed; metadata (liveness) is unchanged.
    public func applying(_ assignment: RoleAssignment) -> RolesChanges {
        var next = self
        for i in next.members.indices where next.members[i].node.id == assignment.nodeID {
            next.members[i].node.role = assignment.role
        }
        return next
    }

    public func applying(_ assignments: [RoleAssignment]) -> RolesChanges {
        assignments.reduce(self) { $0.applying($1) }
    }

    /// `maybePromoteOurselves`: the starting node asks for the role `assume` gives it. When it
    /// becomes the second online voter of a cluster that just reached three nodes, it also
    /// promotes one more node so the cluster reaches three voters without waiting for the
    /// leader's next pass. go-dqlite picks that node in map order (offline ones included);
    /// here the lowest id.
    public func maybePromoteOurselves(_ id: UInt64) -> [RoleAssignment] {
        guard let role = assume(id) else { return [] }
        var assignments = [RoleAssignment(id, role)]
        if role == .voter && list(.voter, online: true).count == 1,
           let other = members.map(\.node).first(where: { $0.id != id && $0.role != .voter }) {
            assignments.append(RoleAssignment(other.id, .voter))
        }
        return assignments
    }

    /// `maybeAdjustRoles`: the leader asks `adjust`, applies the first candidate and asks
    /// again (`goto again`) until nothing is left to change. Returns the ASSIGNs in order.
    public func maybeAdjustRoles(leader: UInt64) -> [RoleAssignment] {
        var state = self
        var assignments: [RoleAssignment] = []
        // go-dqlite's loop is unbounded; every pass here moves the cluster towards its
        // targets, and this bound only keeps a model bug from hanging a simulation.
        for _ in 0..<(4 * size + 4) {
            guard let decision = state.adjust(leader: leader), let first = decision.candidates.first else { break }
            let assignment = RoleAssignment(first.id, decision.role)
            assignments.append(assignment)
            state = state.applying(assignment)
        }
        return assignments
    }

    /// `App.Handover` for node `id` while `leader` leads: hand the role over, give away
    /// leadership if we hold it, then demote ourselves to spare.
    public func handoverPlan(_ id: UInt64, leader: UInt64) -> HandoverPlan {
        var plan = HandoverPlan(newLeader: leader)
        var state = self
        if let decision = handover(id), let first = decision.candidates.first {
            let promotion = RoleAssignment(first.id, decision.role)
            plan.steps.append(.assign(promotion))
            state = state.applying(promotion)
        }
        if id == leader, let voter = state.list(.voter, online: true).first(where: { $0.id != id }) {
            // The cluster snapshot is taken again after the promotion, so a freshly
            // promoted voter can receive leadership.
            plan.steps.append(.transfer(to: voter.id))
            plan.newLeader = voter.id
        }
        if plan.promotion != nil {
            plan.steps.append(.assign(RoleAssignment(id, .spare)))
        }
        return plan
    }
}

/// One request of a graceful shutdown, in the order `App.Handover` sends them.
public enum HandoverStep: Hashable, Sendable, CustomStringConvertible {
    case assign(RoleAssignment)
    case transfer(to: UInt64)

    public var description: String {
        switch self {
        case .assign(let a): return a.description
        case .transfer(let id): return "transfer leadership to \(id)"
        }
    }
}

public struct HandoverPlan: Hashable, Sendable {
    public var steps: [HandoverStep] = []
    /// Who leads once the plan has run (unchanged unless a TRANSFER is among the steps).
    public var newLeader: UInt64

    public init(steps: [HandoverStep] = [], newLeader: UInt64) {
        self.steps = steps
        self.newLeader = newLeader
    }

    /// The node that took over the departing node's role, and the role.
    public var promotion: RoleAssignment? {
        guard case .assign(let a)? = steps.first else { return nil }
        return a
    }

    public var transfer: UInt64? {
        for case .transfer(let id) in steps { return id }
        return nil
    }

    public var assignments: [RoleAssignment] {
        steps.compactMap { if case .assign(let a) = $0 { return a } else { return nil } }
    }
}
