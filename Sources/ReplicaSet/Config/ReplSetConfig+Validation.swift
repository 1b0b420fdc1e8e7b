import BSON

// MARK: - General rules (mongod's `ReplSetConfig::_validate` plus the per-field rules)

extension ReplSetConfig {
    /// Every rule a config must satisfy on its own, whichever command brings it.
    public func validate() throws(CommandError) {
        try validateTopLevelFields()
        try settings.validateFields()
        for member in members {
            try member.validateFields()
        }
        try validateMemberCount()
        try validateUniqueMembers()
        try validateLocalHostUse()
        try validateVoterCount()
        try validateSomeMemberElectable()
        try validateArbiterPriorities()
    }

    /// The value ranges of `version`, `term` and `protocolVersion`, and a usable set name.
    func validateTopLevelFields() throws(CommandError) {
        let maxInt32 = "\(Int32.max)"
        try ConfigText.require(version > 0, "ReplSetConfig.version", ">", "0", actual: "\(version)")
        try ConfigText.require(
            version <= Int(Int32.max), "ReplSetConfig.version", "<=", maxInt32, actual: "\(version)")
        try ConfigText.require(term >= -1, "ReplSetConfig.term", ">=", "-1", actual: "\(term)")
        try ConfigText.require(term <= Term(Int32.max), "ReplSetConfig.term", "<=", maxInt32, actual: "\(term)")
        try ConfigText.require(
            protocolVersion >= 1, "ReplSetConfig.protocolVersion", ">=", "1", actual: "\(protocolVersion)")
        try ConfigText.require(
            protocolVersion <= 1, "ReplSetConfig.protocolVersion", "<=", "1", actual: "\(protocolVersion)")
        if setName.isEmpty {
            throw .badValue("ReplSetConfig represented an invalid replica set ConnectionString")
        }
    }

    private func validateMemberCount() throws(CommandError) {
        guard (1...Self.maxMembers).contains(members.count) else {
            throw .badValue(
                "Replica set configuration contains \(members.count) members, but must have at least 1 and no more than \(Self.maxMembers)")
        }
    }

    /// `_id`s and hosts are unique; the first clash found (lowest index first) is reported.
    private func validateUniqueMembers() throws(CommandError) {
        for (i, a) in members.enumerated() {
            for (j, b) in members.enumerated() where i != j {
                if a.id == b.id {
                    throw .badValue(
                        "Found two member configurations with same _id field, members.\(i)._id == members.\(j)._id == \(a.id)")
                }
                if HostAndPort.canonicalOrSelf(a.host) == HostAndPort.canonicalOrSelf(b.host) {
                    throw .badValue(
                        "Found two member configurations with same host field, members.\(i).host == members.\(j).host == \(a.host)")
                }
            }
        }
    }

    /// A set on loopback addresses cannot be reached from elsewhere, so mixing is refused.
    private func validateLocalHostUse() throws(CommandError) {
        let localhostCount = members.count { HostAndPort.isLocalHost($0.host) }
        if localhostCount != 0 && localhostCount != members.count {
            throw .badValue(
                "Either all host names in a replica set configuration must be localhost references, or none must be; found \(localhostCount) out of \(members.count)")
        }
    }

    private func validateVoterCount() throws(CommandError) {
        let voters = votingMembersCount
        guard (1...Self.maxVotingMembers).contains(voters) else {
            throw .badValue(
                "Replica set configuration contains \(voters) voting members, but must be at least 1 and no more than \(Self.maxVotingMembers)")
        }
    }

    private func validateSomeMemberElectable() throws(CommandError) {
        guard members.contains(where: { !$0.isArbiter && $0.effectivePriority > 0 }) else {
            throw .badValue("Replica set configuration must contain at least one non-arbiter member with priority > 0")
        }
    }

    private func validateArbiterPriorities() throws(CommandError) {
        for member in members where member.isArbiter && member.priority != 0 {
            throw .invalidReplicaSetConfig(
                "Member \(member.host) is an arbiter but has priority \(ConfigText.number(member.priority)). Arbiter priority must be 0.")
        }
    }
}

// MARK: - replSetInitiate (mongod's `validateConfigForInitiate`)

extension ReplSetConfig {
    /// The rules for a config that starts a replica set on the node at `selfHost`. Returns the
    /// node's index in `members`.
    @discardableResult
    public static func validateForInitiate(_ new: ReplSetConfig, selfHost: String) throws(CommandError) -> Int {
        try new.validate()
        try new.refuseCustomizedGetLastErrorDefaults(during: "initiate")
        try new.refuseNewlyAddedMembers()
        guard new.version == 1 else {
            throw .newReplicaSetConfigurationIncompatible(
                "Configuration used to initiate a replica set must have version 1, but found \(new.version)")
        }
        guard new.term == uninitializedTerm || new.term == initialTerm else {
            throw .newReplicaSetConfigurationIncompatible(
                "Configuration used to initiate a replica set must have term \(initialTerm), but found \(new.term)")
        }
        let index = try new.indexOfSelf(selfHost)
        try new.requireElectable(at: index)
        return index
    }

    /// mongod ignores customised defaults since 5.0 and refuses configs that still carry them.
    private func refuseCustomizedGetLastErrorDefaults(during command: String) throws(CommandError) {
        if settings.hasCustomizedGetLastErrorDefaults {
            throw .invalidReplicaSetConfig(
                "Failed to \(command): Replica set config contains customized getLastErrorDefaults, which has been deprecated and is now ignored. Use setDefaultRWConcern instead to set a cluster-wide default writeConcern.")
        }
    }

    /// `newlyAdded` is written by the primary during reconfig; a new set cannot start with it.
    private func refuseNewlyAddedMembers() throws(CommandError) {
        for member in members where member.isNewlyAdded {
            throw .invalidReplicaSetConfig(
                "Member \(member.host), with _id \(member.id), has a newlyAdded field, which is not valid for initial configuration of a replica set.")
        }
    }

    private func indexOfSelf(_ selfHost: String) throws(CommandError) -> Int {
        guard let index = memberIndex(host: selfHost) else {
            throw .nodeNotFound(
                "No host described in new configuration with \(versionAndTerm) for replica set \(setName) maps to this node")
        }
        return index
    }

    private func requireElectable(at index: Int) throws(CommandError) {
        let member = members[index]
        guard member.isElectable else {
            throw .nodeNotElectable(
                "This node, \(member.host), with _id \(member.id) is not electable under the new configuration with \(versionAndTerm) for replica set \(setName)")
        }
    }
}

// MARK: - replSetReconfig (mongod's `validateConfigForReconfig`)

extension ReplSetConfig {
    /// The rules for replacing `old` by `new`. `force` skips the (version, term) ordering and the
    /// one-voter-at-a-time rule, never the general rules or the identity of members.
    public static func validateForReconfig(old: ReplSetConfig, new: ReplSetConfig, force: Bool) throws(CommandError) {
        try new.validate()
        try new.refuseCustomizedGetLastErrorDefaults(during: "reconfig")
        if !force {
            try requireNewerVersionAndTerm(old: old, new: new)
        }
        try requireSameSet(old: old, new: new)
        try requireCompatibleMembers(old: old, new: new)
        try requirePSASafety(old: old, new: new)
        if !force {
            try requireSingleVoterChange(old: old, new: new)
        }
    }

    private static func requireNewerVersionAndTerm(old: ReplSetConfig, new: ReplSetConfig) throws(CommandError) {
        guard old.versionAndTerm < new.versionAndTerm else {
            throw .newReplicaSetConfigurationIncompatible(
                "New replica set configuration version and term must be greater than old, but \(new.versionAndTerm) is not greater than \(old.versionAndTerm) for replica set \(new.setName)")
        }
    }

    private static func requireSameSet(old: ReplSetConfig, new: ReplSetConfig) throws(CommandError) {
        guard old.setName == new.setName else {
            throw .newReplicaSetConfigurationIncompatible(
                "New and old configurations differ in replica set name; old was \(old.setName), and new is \(new.setName)")
        }
        guard old.settings.replicaSetId == new.settings.replicaSetId else {
            throw .newReplicaSetConfigurationIncompatible(
                "New and old configurations differ in replica set ID; old was \(old.settings.replicaSetId.hex), and new is \(new.settings.replicaSetId.hex)")
        }
    }

    /// A host keeps its `_id`, and a member (same `_id`) keeps its `buildIndexes` and
    /// `arbiterOnly`: those can only change by removing and re-adding the member.
    private static func requireCompatibleMembers(old: ReplSetConfig, new: ReplSetConfig) throws(CommandError) {
        for newMember in new.members {
            for oldMember in old.members {
                try requireCompatible(oldMember, newMember, setName: new.setName)
            }
        }
    }

    private static func requireCompatible(
        _ oldMember: MemberConfig, _ newMember: MemberConfig, setName: String
    ) throws(CommandError) {
        let sameId = oldMember.id == newMember.id
        let sameHost = HostAndPort.canonicalOrSelf(oldMember.host) == HostAndPort.canonicalOrSelf(newMember.host)
        guard sameId || sameHost else { return }
        guard sameId else {
            throw .newReplicaSetConfigurationIncompatible(
                "New and old configurations both have members with host of \(oldMember.host) but in the new configuration the _id field is \(newMember.id) and in the old configuration it is \(oldMember.id) for replica set \(setName)")
        }
        if oldMember.buildIndexes != newMember.buildIndexes {
            throw flagChanged("buildIndexes", oldMember.host)
        }
        if oldMember.arbiterOnly != newMember.arbiterOnly {
            throw flagChanged("arbiterOnly", oldMember.host)
        }
    }

    private static func flagChanged(_ field: String, _ host: String) -> CommandError {
        .newReplicaSetConfigurationIncompatible(
            "New and old configurations differ in the setting of the \(field) field for member \(host); to make this change, remove then re-add the member")
    }

    /// When the old config's arbiters outnumber what its data-bearing voters can outvote, a PSA
    /// config with an electable secondary could elect a node missing majority writes.
    private static func requirePSASafety(old: ReplSetConfig, new: ReplSetConfig) throws(CommandError) {
        // Configured votes and priorities: a newly added member will get them back.
        let oldVoters = old.members.count { $0.votes > 0 }
        let oldWritableVoters = oldVoters - old.members.count { $0.isArbiter }
        let quorumsOverlap = oldVoters / 2 + 1 <= oldWritableVoters
        let newElectable = new.members.count { $0.priority > 0 }
        if !quorumsOverlap && new.isPSASet && newElectable > 1 {
            throw .newReplicaSetConfigurationIncompatible(
                "Rejecting reconfig where the new config has a PSA topology and the secondary is electable, but the old config contains only one writable node. Refer to https://docs.mongodb.com/manual/reference/method/rs.reconfigForPSASet/ for next steps on reconfiguring a PSA set.")
        }
    }

    /// Every quorum of the new config must overlap every quorum of the old one, so a safe
    /// reconfig adds or removes at most one voter (by `_id`).
    private static func requireSingleVoterChange(old: ReplSetConfig, new: ReplSetConfig) throws(CommandError) {
        let oldVoters = Set(old.members.filter { $0.isVoter }.map(\.id))
        let newVoters = Set(new.members.filter { $0.isVoter }.map(\.id))
        if oldVoters.symmetricDifference(newVoters).count > 1 {
            throw .invalidReplicaSetConfig("Non force replica set reconfig can only add or remove at most 1 voting member.")
        }
    }
}
