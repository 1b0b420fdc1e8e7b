import ReplicaSet

// MARK: - Results

extension Peergrouper {
    /// Whether one machine is (or is to be) a voting member.
    public struct MachineVote: Sendable, Equatable, CustomStringConvertible {
        public var machineId: String
        public var voting: Bool

        public init(machineId: String, voting: Bool) {
            self.machineId = machineId
            self.voting = voting
        }

        public var description: String { "\(machineId):\(voting)" }
    }

    /// What `desiredPeerGroup` decided.
    public struct PeerGroup: Sendable, Equatable {
        /// The members to send, sorted by `_id`; nil when the current member set is already right.
        public var members: [MemberConfig]?
        /// Every tracked machine's voting status after the change, in machine-id order. Reported
        /// even when `members` is nil: the worker still reconciles `hasvote` with it.
        public var voting: [MachineVote]

        public init(members: [MemberConfig]?, voting: [MachineVote]) {
            self.members = members
            self.voting = voting
        }

        /// The voting status of `machineId`, or nil if it is not a tracked machine.
        public func isVoting(_ machineId: String) -> Bool? {
            voting.first { $0.machineId == machineId }?.voting
        }
    }

    /// The errors `desiredPeerGroup` reports; both make the worker's pass fail fatally.
    public enum PeerGroupError: Error, Equatable, CustomStringConvertible {
        /// Mongo always has at least the bootstrap member, so an empty set means a bad read.
        case emptyMemberSet
        /// A member that belongs to no tracked machine still votes: removing it could lose quorum.
        case votingNonMachineMember(MemberConfig)

        public var description: String {
            switch self {
            case .emptyMemberSet:
                return "current member set is empty"
            case let .votingNonMachineMember(member):
                return "voting non-machine member \(Peergrouper.goSyntax(member)) found in peer group"
            }
        }
    }

    /// `possiblePeerGroupChanges`: where each machine's vote might move, each list in machine-id order.
    public struct VoteClassification: Sendable, Equatable {
        /// Voting members whose machine no longer wants a vote.
        public var toRemoveVote: [String]
        /// Non-voting members whose machine wants a vote and that are ready for one.
        public var toAddVote: [String]
        /// Everything else, including machines that have no member yet.
        public var toKeep: [String]

        public init(toRemoveVote: [String] = [], toAddVote: [String] = [], toKeep: [String] = []) {
            self.toRemoveVote = toRemoveVote
            self.toAddVote = toAddVote
            self.toKeep = toKeep
        }
    }
}

// MARK: - desiredPeerGroup

extension Peergrouper {
    /// `desiredPeerGroup` (1.20 – 2.3, §3.3): the member set the state servers should have, given
    /// the tracked machines, the current config members and `replSetGetStatus` keyed by `_id`.
    public static func desiredPeerGroup(
        machines: [Machine], members: [MemberConfig], statuses: [Int: MemberStatus]
    ) throws(PeerGroupError) -> PeerGroup {
        if members.isEmpty { throw .emptyMemberSet }
        var draft = PeerGroupDraft(machines: machines, members: members)
        try draft.dropNonVotingExtras()
        let classification = draft.classify(statuses: statuses)
        for change in adjustVotes(toRemoveVote: classification.toRemoveVote, toAddVote: classification.toAddVote) {
            draft.setVoting(change.machineId, change.voting)
        }
        draft.addNewMembers(toKeep: classification.toKeep)
        draft.updateAddresses()
        return draft.result
    }

    /// `possiblePeerGroupChanges` on its own, for callers that want to explain a decision.
    public static func possiblePeerGroupChanges(
        machines: [Machine], members: [MemberConfig], statuses: [Int: MemberStatus]
    ) -> VoteClassification {
        PeerGroupDraft(machines: machines, members: members).classify(statuses: statuses)
    }

    /// `adjustVotes`: the vote changes, in the order Juju makes them, that keep the number of
    /// voters odd. Pairs swap first (one loses, one gains: the count is unchanged); of what is
    /// left only an even number of adds — or, when there are none, of removes — goes through,
    /// so a single leftover waits until it can be paired.
    public static func adjustVotes(toRemoveVote: [String], toAddVote: [String]) -> [MachineVote] {
        let swaps = min(toRemoveVote.count, toAddVote.count)
        var changes: [MachineVote] = []
        for index in 0..<swaps {
            changes.append(MachineVote(machineId: toRemoveVote[index], voting: false))
            changes.append(MachineVote(machineId: toAddVote[index], voting: true))
        }
        let addsLeft = Array(toAddVote.dropFirst(swaps))
        let removesLeft = Array(toRemoveVote.dropFirst(swaps))
        if !addsLeft.isEmpty {
            changes += evenPrefix(addsLeft).map { MachineVote(machineId: $0, voting: true) }
        } else {
            changes += evenPrefix(removesLeft).map { MachineVote(machineId: $0, voting: false) }
        }
        return changes
    }

    private static func evenPrefix(_ ids: [String]) -> ArraySlice<String> {
        ids.prefix(ids.count - ids.count % 2)
    }

    /// `setMemberVoting`: Juju leaves votes and priority unset for a voter (Mongo's defaults,
    /// 1 and 1) and writes `votes: 0, priority: 0` otherwise, since a non-voter may not stand.
    public static func setMemberVoting(_ member: inout MemberConfig, voting: Bool) {
        member.votes = voting ? 1 : 0
        member.priority = voting ? 1 : 0
    }

    /// `isVotingMember`: Juju reads an absent `votes` as 1, so anything above 0 votes.
    static func isVotingMember(_ member: MemberConfig) -> Bool {
        member.votes > 0
    }
}

// MARK: - The working state of one computation

/// The members keyed by machine, the voting map and the `changed` flag that Juju's
/// `desiredPeerGroup` threads through its steps. Every walk goes over `machineIds`, which is
/// sorted, never over a dictionary.
private struct PeerGroupDraft {
    let machines: [String: Peergrouper.Machine]
    let machineIds: [String]
    /// `membersMap`: each tracked machine's member, by its `juju-machine-id` tag.
    var members: [String: MemberConfig] = [:]
    /// Members with no tracked machine behind them.
    var extras: [MemberConfig] = []
    /// The highest `_id` in the current set (extras included), -1 to start with.
    var maxId = -1
    var voting: [String: Bool] = [:]
    var changed = false

    init(machines machineList: [Peergrouper.Machine], members current: [MemberConfig]) {
        // Juju keys machines by id, so a repeated id keeps the last entry.
        var byId: [String: Peergrouper.Machine] = [:]
        for machine in machineList { byId[machine.id] = machine }
        machines = byId
        machineIds = Peergrouper.sortedMachineIds(byId.keys)
        mapMembers(current)
        for id in machineIds {
            voting[id] = members[id].map(Peergrouper.isVotingMember) ?? false
        }
    }

    /// Two members tagged with the same machine: the later one wins and the earlier is neither
    /// kept nor counted as extra, exactly as Juju's map assignment behaves.
    private mutating func mapMembers(_ current: [MemberConfig]) {
        for member in current {
            maxId = max(maxId, member.id)
            if let machineId = JujuReplicaSet.machineId(of: member), machines[machineId] != nil {
                members[machineId] = member
            } else {
                extras.append(member)
            }
        }
    }

    /// Extras can only be left over from machines that lost the state-server job after losing
    /// their vote; those are dropped. A voting extra is an error rather than a silent removal.
    mutating func dropNonVotingExtras() throws(Peergrouper.PeerGroupError) {
        if let voter = extras.first(where: Peergrouper.isVotingMember) {
            throw .votingNonMachineMember(voter)
        }
        if !extras.isEmpty { changed = true }
    }

    func classify(statuses: [Int: Peergrouper.MemberStatus]) -> Peergrouper.VoteClassification {
        var result = Peergrouper.VoteClassification()
        for id in machineIds {
            let member = members[id]
            let isVoting = member.map(Peergrouper.isVotingMember) ?? false
            let ready = member.flatMap { statuses[$0.id] }?.isReady ?? false
            switch (machines[id]?.wantsVote ?? false, isVoting) {
            case (true, false) where ready: result.toAddVote.append(id)
            case (false, true): result.toRemoveVote.append(id)
            default: result.toKeep.append(id)
            }
        }
        return result
    }

    mutating func setVoting(_ machineId: String, _ isVoting: Bool) {
        guard var member = members[machineId] else { return }
        Peergrouper.setMemberVoting(&member, voting: isVoting)
        members[machineId] = member
        voting[machineId] = isVoting
        changed = true
    }

    /// `addNewMembers`: a machine with no member joins as a non-voter with the next free `_id`;
    /// one with no address yet is skipped until it has one.
    mutating func addNewMembers(toKeep: [String]) {
        for id in toKeep where members[id] == nil {
            guard let address = machines[id]?.peerHostPort, !address.isEmpty else { continue }
            maxId += 1
            members[id] = JujuReplicaSet.member(id: maxId, machineId: id, host: address, voting: false)
            setVoting(id, false)
        }
    }

    /// `updateAddresses`: members follow their machine's address; an address that became empty
    /// is ignored rather than written.
    mutating func updateAddresses() {
        for id in machineIds {
            guard let address = machines[id]?.peerHostPort, !address.isEmpty,
                  var member = members[id], member.host != address else { continue }
            member.host = address
            members[id] = member
            changed = true
        }
    }

    var result: Peergrouper.PeerGroup {
        let votes = machineIds.map { Peergrouper.MachineVote(machineId: $0, voting: voting[$0] ?? false) }
        guard changed else { return Peergrouper.PeerGroup(members: nil, voting: votes) }
        return Peergrouper.PeerGroup(members: memberList, voting: votes)
    }

    /// Juju's `replicaset.Member` has no `newlyAdded`, so a member it read back and resends
    /// never carries that flag; the list goes out in `_id` order.
    private var memberList: [MemberConfig] {
        let keyed = machineIds.compactMap { id in members[id].map { (id, $0) } }
        let ordered = keyed.sorted { left, right in
            left.1.id != right.1.id ? left.1.id < right.1.id : Peergrouper.machineIdPrecedes(left.0, right.0)
        }
        return ordered.map { _, member in
            var sent = member
            sent.newlyAdded = nil
            return sent
        }
    }
}
