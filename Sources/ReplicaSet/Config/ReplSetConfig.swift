import BSON

/// A replica set configuration (protocol version 1), as `replSetInitiate` and `replSetReconfig`
/// take it and `replSetGetConfig` returns it.
public struct ReplSetConfig: Sendable, Equatable, Codable {
    /// `_id`: the replica set name (hello's `setName`).
    public var setName: String
    public var version: Int
    /// The term of the primary that wrote this config; -1 when unset (or after a force reconfig).
    public var term: Term
    /// Always 1: protocol version 0 is no longer accepted.
    public var protocolVersion: Int
    public var writeConcernMajorityJournalDefault: Bool
    public var members: [MemberConfig]
    public var settings: ReplSetSettings

    public static let maxMembers = 50
    public static let maxVotingMembers = 7
    /// The term of a config that has none.
    public static let uninitializedTerm: Term = -1
    /// The term a config has when a replica set is initiated.
    public static let initialTerm: Term = 0

    public init(
        setName: String, version: Int = 1, term: Term = ReplSetConfig.uninitializedTerm, members: [MemberConfig],
        settings: ReplSetSettings, protocolVersion: Int = 1, writeConcernMajorityJournalDefault: Bool = true
    ) {
        self.setName = setName
        self.version = version
        self.term = term
        self.protocolVersion = protocolVersion
        self.writeConcernMajorityJournalDefault = writeConcernMajorityJournalDefault
        self.members = members
        self.settings = settings
    }

    public var versionAndTerm: ConfigVersionAndTerm { ConfigVersionAndTerm(version: version, term: term) }
}

// MARK: - Lookups

extension ReplSetConfig {
    public func member(id: Int) -> MemberConfig? {
        members.first { $0.id == id }
    }

    /// The member at `host`; "h" and "h:27017" name the same member.
    public func member(host: String) -> MemberConfig? {
        memberIndex(host: host).map { members[$0] }
    }

    /// The position in `members` (mongod's "member index", e.g. `candidateIndex` in vote requests).
    public func memberIndex(id: Int) -> Int? {
        members.firstIndex { $0.id == id }
    }

    public func memberIndex(host: String) -> Int? {
        // Members name each other exactly as the config spells them, so try that first: this
        // lookup runs on every heartbeat and position update.
        if let exact = members.firstIndex(where: { $0.host == host }) { return exact }
        let wanted = HostAndPort.canonicalOrSelf(host)
        return members.firstIndex { HostAndPort.canonicalOrSelf($0.host) == wanted }
    }
}

// MARK: - Majorities (mongod's `_calculateMajorities`)

extension ReplSetConfig {
    /// Members that vote (arbiters included; newly added members excluded).
    public var votingMembersCount: Int { members.count { $0.isVoter } }

    /// The votes an election needs.
    public var majorityVoteCount: Int { votingMembersCount / 2 + 1 }

    /// Voting members that hold data.
    public var writableVotingMembersCount: Int { votingMembersCount - arbiterCount }

    /// The members `w: "majority"` waits for: a majority, but never more than can hold the data.
    public var writeMajorityCount: Int { min(majorityVoteCount, writableVotingMembersCount) }

    /// The implicit default write concern is majority unless there are arbiters and the
    /// data-bearing voters do not outnumber a majority: an arbiter could then keep a primary
    /// elected while majority writes wait forever (so PSA defaults to `{w: 1}`).
    public var isImplicitDefaultWriteConcernMajority: Bool {
        arbiterCount == 0 || writableVotingMembersCount > majorityVoteCount
    }

    /// Three members, two of them data-bearing: primary, secondary, arbiter.
    public var isPSASet: Bool { members.count == 3 && members.count { !$0.isArbiter } == 2 }

    private var arbiterCount: Int { members.count { $0.isArbiter } }
}

// MARK: - hello and elections

extension ReplSetConfig {
    /// hello `hosts`: visible members that may become primary, in config order.
    public var helloHosts: [String] { helloVisible.filter { $0.isElectable }.map(\.host) }

    /// hello `passives`: visible data-bearing members that cannot become primary.
    public var passives: [String] { helloVisible.filter { !$0.isElectable && !$0.isArbiter }.map(\.host) }

    /// hello `arbiters`: visible arbiters.
    public var arbiters: [String] { helloVisible.filter { $0.isArbiter }.map(\.host) }

    private var helloVisible: [MemberConfig] { members.filter { $0.isVisibleInHello } }

    /// How many members have a strictly higher priority than the member with `memberId`; a
    /// priority takeover waits `(rank + 1) × electionTimeoutMillis`. A member missing from the
    /// config ranks as priority 0 (it cannot stand anyway).
    public func priorityRank(of memberId: Int) -> Int {
        let priority = member(id: memberId)?.effectivePriority ?? 0
        return members.count { $0.effectivePriority > priority }
    }

    /// The wait before the member with `memberId` takes over from a lower-priority primary.
    public func priorityTakeoverDelayMillis(of memberId: Int) -> Int64 {
        Int64(priorityRank(of: memberId) + 1) * settings.electionTimeoutMillis
    }
}
