import BSON
import ReplicaSet

extension Peergrouper {
    /// What a failed step does to the pass (§3.1).
    public enum FailureKind: Sendable, Equatable {
        /// `replicaSetError`: logged as `cannot set replicaset: …` and retried with back-off.
        case replicaSetError
        /// Any other error ends the worker; the agent's runner restarts it.
        case fatal
    }

    /// The `replSetReconfig` that `replicaset.Set` sends.
    public struct Reconfig: Sendable, Equatable {
        public var setName: String
        /// The current config's version plus one.
        public var version: Int
        /// The members as sent, in the order given (Set's `_id` rule applied).
        public var members: [MemberConfig]

        public init(setName: String, version: Int, members: [MemberConfig]) {
            self.setName = setName
            self.version = version
            self.members = members
        }

        /// The config in Juju's wire form: `{_id, version, members}`.
        public var configDocument: Document {
            Peergrouper.configDocument(setName: setName, version: version, members: members)
        }

        /// The command: `{replSetReconfig: <config>}`.
        public var command: Document {
            ["replSetReconfig": .document(configDocument)]
        }
    }

    /// One write of `updateReplicaset`, in the order it is made.
    public enum UpdateStep: Sendable, Equatable {
        /// `Machine.SetHasVote(hasVote)` on one machine document.
        case setHasVote(machineId: String, hasVote: Bool)
        /// `replicaset.Set`: the reconfig through the state session.
        case replSetReconfig(Reconfig)

        /// How the pass fails if this step fails: only the reconfig is an expected failure.
        public var failure: FailureKind {
            if case .replSetReconfig = self { return .replicaSetError }
            return .fatal
        }
    }

    /// `updateReplicaset` as a plan (§3.4).
    public struct UpdatePlan: Sendable, Equatable {
        /// Machines that gain a vote: their `hasvote` is set before Mongo changes.
        public var added: [String]
        /// Machines that lose a vote: their `hasvote` is cleared only after Mongo changed.
        public var removed: [String]
        /// The reconfig, or nil when the member set is unchanged.
        public var reconfig: Reconfig?
        /// The writes in order: `hasvote: true` on `added`, the reconfig, `hasvote: false` on `removed`.
        public var steps: [UpdateStep]
        /// What to undo when the reconfig fails, before reporting the `replicaSetError`:
        /// `hasvote: false` again on `added`. A failing undo is only logged
        /// (`cannot revert machine voting after failure to change replica set: …`).
        public var revertOnReconfigFailure: [UpdateStep]

        public init(added: [String], removed: [String], reconfig: Reconfig?) {
            self.added = added
            self.removed = removed
            self.reconfig = reconfig
            let raise = added.map { UpdateStep.setHasVote(machineId: $0, hasVote: true) }
            let lower = removed.map { UpdateStep.setHasVote(machineId: $0, hasVote: false) }
            steps = raise + (reconfig.map { [.replSetReconfig($0)] } ?? []) + lower
            revertOnReconfigFailure = reconfig == nil ? [] : added.map { .setHasVote(machineId: $0, hasVote: false) }
        }
    }

    /// `updateReplicaset`: the writes that carry `desired` out, given each machine's stored
    /// `hasvote` (missing means false) and the config `replicaset.Set` reads. Votes are granted
    /// in state before Mongo and withdrawn after it, so the machines marked `hasvote` are always
    /// a superset of the real voters: ensure-availability only removes machines without
    /// `hasvote`, and must never remove one that still votes. The flags are reconciled even
    /// when the members have not changed.
    public static func updateReplicaset(
        desired: PeerGroup, hasVote: [String: Bool], current: ReplSetConfig
    ) -> UpdatePlan {
        let added = desired.voting.filter { $0.voting && hasVote[$0.machineId] != true }.map(\.machineId)
        let removed = desired.voting.filter { !$0.voting && hasVote[$0.machineId] == true }.map(\.machineId)
        return UpdatePlan(
            added: added, removed: removed,
            reconfig: desired.members.map { replicaSetSet(current: current, members: $0) })
    }

    /// `replicaset.Set` (§4.3): the next version of `current` with `members` in its place. A
    /// member whose `host` matches a current member takes that member's `_id` (the last one, if
    /// hosts repeat); one without an `_id` above 0 gets the next above the current highest.
    public static func replicaSetSet(current: ReplSetConfig, members: [MemberConfig]) -> Reconfig {
        var idByHost: [String: Int] = [:]
        var highest = 0
        for member in current.members {
            idByHost[member.host] = member.id
            highest = max(highest, member.id)
        }
        let sent = members.map { member -> MemberConfig in
            var member = member
            if let existing = idByHost[member.host] {
                member.id = existing
            } else if member.id < 1 {
                highest += 1
                member.id = highest
            }
            return member
        }
        return Reconfig(setName: current.setName, version: current.version + 1, members: sent)
    }
}
