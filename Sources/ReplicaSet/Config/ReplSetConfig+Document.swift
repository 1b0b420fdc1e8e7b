import BSON

extension ReplSetConfig {
    static let fieldNames: Set<String> = [
        "_id", "version", "term", "members", "configsvr", "protocolVersion",
        "writeConcernMajorityJournalDefault", "settings",
    ]

    /// Reads a config document (from `replSetInitiate`, `replSetReconfig` or storage): types
    /// checked, defaults filled, and the per-field rules applied. `replicaSetId` is used when
    /// `settings` has none. The set-wide rules are `validate()`'s job, as in mongod.
    public init(document: Document, replicaSetId: ObjectID) throws(CommandError) {
        let fields = ConfigFieldReader(document: document, path: "ReplSetConfig")
        try fields.rejectUnknownFields(allowed: Self.fieldNames, in: "replica set configuration")
        self.init(
            setName: try fields.required(fields.string("_id"), "_id"),
            version: Int(try fields.required(fields.smallExactInteger("version"), "version")),
            term: try fields.smallExactInteger("term") ?? Self.uninitializedTerm,
            members: try Self.readMembers(fields),
            settings: try ReplSetSettings(document: fields.subdocument("settings") ?? [:], replicaSetId: replicaSetId),
            protocolVersion: Int(try fields.integer("protocolVersion") ?? 1),
            writeConcernMajorityJournalDefault: try fields.bool("writeConcernMajorityJournalDefault") ?? true)
        try Self.refuseConfigServer(fields)
        try validateTopLevelFields()
    }

    private static func readMembers(_ fields: ConfigFieldReader) throws(CommandError) -> [MemberConfig] {
        let elements = try fields.required(fields.array("members"), "members")
        var members: [MemberConfig] = []
        for (index, element) in elements.enumerated() {
            guard case let .document(member) = element else {
                throw fields.wrongType("members.\(index)", element, expected: "type 'object'")
            }
            members.append(try MemberConfig(document: member))
        }
        return members
    }

    /// The emulator never runs config servers, so `configsvr: true` is refused as mongod refuses
    /// it on a node started without `--configsvr`.
    private static func refuseConfigServer(_ fields: ConfigFieldReader) throws(CommandError) {
        if try fields.bool("configsvr") == true {
            throw .badValue("Nodes being used for config servers must be started with the --configsvr flag")
        }
    }

    /// The config as `replSetGetConfig` returns it (field order and BSON types as mongod writes
    /// them). `term` is left out while unset; `newlyAdded` appears only when asked for and set.
    public func document(includeNewlyAdded: Bool) -> Document {
        var document: Document = ["_id": .string(setName), "version": ReplSetSettings.smallNumber(Int64(version))]
        if term != Self.uninitializedTerm {
            document.append("term", ReplSetSettings.smallNumber(term))
        }
        document.append("members", .array(members.map { .document($0.document(includeNewlyAdded: includeNewlyAdded)) }))
        document.append("protocolVersion", .int64(Int64(protocolVersion)))
        document.append("writeConcernMajorityJournalDefault", .bool(writeConcernMajorityJournalDefault))
        document.append("settings", .document(settings.document))
        return document
    }

    /// The whole config, `newlyAdded` included: what is stored and what round-trips through
    /// `init(document:replicaSetId:)`.
    public var document: Document { document(includeNewlyAdded: true) }
}
