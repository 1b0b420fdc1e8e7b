import BSON

/// One entry of a replica set config's `members` array (mongod's `MemberConfig`).
public struct MemberConfig: Sendable, Equatable, Codable {
    /// `_id`: the member's identity across reconfigs.
    public var id: Int
    /// `host`: "host:port", stored with the port written out.
    public var host: String
    public var arbiterOnly: Bool
    public var buildIndexes: Bool
    /// Hidden members are left out of hello's `hosts`, `passives` and `arbiters`.
    public var hidden: Bool
    /// The priority as configured; see `effectivePriority` for what elections use.
    public var priority: Double
    public var tags: ReplSetTags
    /// `secondaryDelaySecs` (legacy input name `slaveDelay`).
    public var secondaryDelaySecs: Int64
    /// The votes as configured (0 or 1); see `isVoter` for what majorities use.
    public var votes: Int
    /// Set while the member is in initial sync after being added; it then votes and stands as 0.
    public var newlyAdded: Bool?

    /// The largest `secondaryDelaySecs` mongod accepts (366 days).
    public static let maxSecondaryDelaySecs: Int64 = 31_622_400
    /// The largest priority mongod accepts.
    public static let maxPriority: Double = 1000

    /// A member with mongod's defaults; `priority` nil means the default (1, or 0 for an arbiter).
    public init(
        id: Int, host: String, arbiterOnly: Bool = false, buildIndexes: Bool = true, hidden: Bool = false,
        priority: Double? = nil, tags: ReplSetTags = [:], secondaryDelaySecs: Int64 = 0, votes: Int = 1,
        newlyAdded: Bool? = nil
    ) {
        self.id = id
        self.host = host
        self.arbiterOnly = arbiterOnly
        self.buildIndexes = buildIndexes
        self.hidden = hidden
        self.priority = Self.defaultedPriority(priority, arbiterOnly: arbiterOnly)
        self.tags = tags
        self.secondaryDelaySecs = secondaryDelaySecs
        self.votes = votes
        self.newlyAdded = newlyAdded
    }

    /// mongod turns an arbiter's priority 1 (default or explicit) into 0: arbiters never stand,
    /// and old clients such as Juju send the default for every member.
    static func defaultedPriority(_ given: Double?, arbiterOnly: Bool) -> Double {
        let priority = given ?? 1
        return arbiterOnly && priority == 1 ? 0 : priority
    }

    public var isArbiter: Bool { arbiterOnly }
    public var isNewlyAdded: Bool { newlyAdded == true }
    /// Counts toward majorities: configured with a vote and not in its newly-added phase.
    public var isVoter: Bool { votes > 0 && !isNewlyAdded }
    /// The priority elections use: 0 while newly added.
    public var effectivePriority: Double { isNewlyAdded ? 0 : priority }
    /// May stand for election: a data-bearing member with priority above 0, not newly added.
    public var isElectable: Bool { !arbiterOnly && effectivePriority > 0 }
    /// Listed in hello at all: hidden and delayed members never are.
    public var isVisibleInHello: Bool { !hidden && secondaryDelaySecs == 0 }
}

// MARK: - Member rules

extension MemberConfig {
    /// The checks mongod makes while reading one member: value ranges, then the rules tying
    /// priority to votes, hidden, delay and buildIndexes, then the arbiter rules.
    func validateFields() throws(CommandError) {
        try validateRanges()
        try validateArbiterRules()
        try validatePriorityRules()
    }

    private func validateRanges() throws(CommandError) {
        try ConfigText.require(id >= 0, "MemberConfig._id", ">=", "0", actual: "\(id)")
        try ConfigText.require(id <= Int(Int32.max), "MemberConfig._id", "<=", "\(Int32.max)", actual: "\(id)")
        _ = try HostAndPort.canonical(host)
        try ConfigText.require(votes >= 0, "MemberConfig.votes", ">=", "0", actual: "\(votes)")
        try ConfigText.require(votes <= 1, "MemberConfig.votes", "<=", "1", actual: "\(votes)")
        let shownPriority = ConfigText.number(priority)
        try ConfigText.require(priority >= 0, "MemberConfig.priority", ">=", "0", actual: shownPriority)
        try ConfigText.require(priority <= Self.maxPriority, "MemberConfig.priority", "<=", "1000", actual: shownPriority)
        try ConfigText.require(
            secondaryDelaySecs >= 0, "MemberConfig.secondaryDelaySecs", ">=", "0", actual: "\(secondaryDelaySecs)")
        try ConfigText.require(
            secondaryDelaySecs <= Self.maxSecondaryDelaySecs, "MemberConfig.secondaryDelaySecs", "<=",
            "\(Self.maxSecondaryDelaySecs)", actual: "\(secondaryDelaySecs)")
        if newlyAdded == false {
            // mongod only ever writes newlyAdded:true; an explicit false is refused.
            throw .invalidReplicaSetConfig("Value must be true if specified")
        }
    }

    private func validateArbiterRules() throws(CommandError) {
        guard arbiterOnly else { return }
        if votes != 1 { throw .badValue("Arbiter must vote (cannot have 0 votes)") }
        if isNewlyAdded { throw .badValue("Arbiter cannot have newlyAdded field set") }
        if !tags.isEmpty { throw .badValue("Cannot set tags on arbiters.") }
    }

    /// A member that may become primary must vote, be visible, undelayed and build indexes.
    private func validatePriorityRules() throws(CommandError) {
        guard effectivePriority != 0 else { return }
        if !isVoter { throw .badValue("priority must be 0 when non-voting (votes:0)") }
        if secondaryDelaySecs > 0 { throw .badValue("priority must be 0 when secondaryDelaySecs is used") }
        if hidden { throw .badValue("priority must be 0 when hidden=true") }
        if !buildIndexes { throw .badValue("priority must be 0 when buildIndexes=false") }
    }
}

// MARK: - Document form

extension MemberConfig {
    static let fieldNames: Set<String> = [
        "_id", "host", "arbiterOnly", "buildIndexes", "hidden", "priority", "tags",
        "secondaryDelaySecs", "slaveDelay", "votes", "newlyAdded",
    ]

    /// Reads one `members` entry: types checked, defaults filled, then the member rules applied.
    public init(document: Document) throws(CommandError) {
        let fields = ConfigFieldReader(document: document, path: "MemberConfig")
        try fields.rejectUnknownFields(allowed: Self.fieldNames, in: "replica set member configuration")
        let arbiterOnly = try fields.bool("arbiterOnly") ?? false
        self.init(
            id: try Self.readId(fields),
            host: try HostAndPort.canonical(fields.required(fields.string("host"), "host")),
            arbiterOnly: arbiterOnly,
            buildIndexes: try fields.bool("buildIndexes") ?? true,
            hidden: try fields.bool("hidden") ?? false,
            priority: try fields.double("priority"),
            tags: try Self.readTags(fields),
            secondaryDelaySecs: try Self.readSecondaryDelay(fields),
            votes: Int(try fields.integer("votes") ?? 1),
            newlyAdded: try fields.strictBool("newlyAdded"))
        try validateFields()
    }

    private static func readId(_ fields: ConfigFieldReader) throws(CommandError) -> Int {
        // The range is checked with the other member rules in `validateFields`.
        Int(try fields.required(fields.integer("_id"), "_id"))
    }

    /// `secondaryDelaySecs`, or the pre-5.0 name `slaveDelay` that Juju 1.20 still sends.
    private static func readSecondaryDelay(_ fields: ConfigFieldReader) throws(CommandError) -> Int64 {
        let current = try fields.integer("secondaryDelaySecs")
        let legacy = try fields.integer("slaveDelay")
        if current != nil, legacy != nil {
            throw .badValue("Cannot specify both secondaryDelaySecs and slaveDelay in a replica set member configuration")
        }
        return current ?? legacy ?? 0
    }

    private static func readTags(_ fields: ConfigFieldReader) throws(CommandError) -> ReplSetTags {
        guard let document = try fields.subdocument("tags") else { return [:] }
        var tags: [ReplSetTags.Tag] = []
        for (key, value) in document {
            guard case let .string(text) = value else {
                throw .typeMismatch("tags.\(key) field has non-string value of type \(BSONNumber.typeName(value))")
            }
            tags.append(.init(key: key, value: text))
        }
        return ReplSetTags(tags)
    }

    /// The whole member, `newlyAdded` included.
    public var document: Document { document(includeNewlyAdded: true) }

    /// The member as `replSetGetConfig` shows it; `newlyAdded` appears only when asked for and set.
    public func document(includeNewlyAdded: Bool) -> Document {
        var document: Document = [
            "_id": .int32(Int32(truncatingIfNeeded: id)),
            "host": .string(host),
            "arbiterOnly": .bool(arbiterOnly),
        ]
        if includeNewlyAdded, isNewlyAdded { document.append("newlyAdded", .bool(true)) }
        document.append("buildIndexes", .bool(buildIndexes))
        document.append("hidden", .bool(hidden))
        document.append("priority", .double(priority))
        document.append("tags", .document(tags.document))
        document.append("secondaryDelaySecs", .int64(secondaryDelaySecs))
        document.append("votes", .int32(Int32(clamping: votes)))
        return document
    }
}
