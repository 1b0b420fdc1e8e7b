import BSON

/// The `settings` object of a replica set config, with mongod's defaults.
public struct ReplSetSettings: Sendable, Equatable {
    /// Whether secondaries may sync from other secondaries.
    public var chainingAllowed: Bool = true
    public var heartbeatIntervalMillis: Int64 = 2000
    public var heartbeatTimeoutSecs: Int64 = 10
    public var electionTimeoutMillis: Int64 = 10000
    /// -1: a new primary catches up without a time limit; 0: it does not catch up.
    public var catchUpTimeoutMillis: Int64 = -1
    /// -1 turns catch-up takeover off.
    public var catchUpTakeoverDelayMillis: Int64 = 30000
    /// Named tag-based write concerns, `{mode: {tag: count}}`, kept as given.
    public var getLastErrorModes: Document = [:]
    /// Only the default `{w: 1, wtimeout: 0}` is accepted by initiate and reconfig.
    public var getLastErrorDefaults: Document = Self.defaultGetLastErrorDefaults
    /// Chosen once at initiate (by the caller: the emulator is deterministic) and never changed.
    public var replicaSetId: ObjectID

    public static let defaultGetLastErrorDefaults: Document = ["w": .int32(1), "wtimeout": .int32(0)]

    public init(replicaSetId: ObjectID) {
        self.replicaSetId = replicaSetId
    }

    /// True when `getLastErrorDefaults` asks for anything but `{w: 1, wtimeout: 0}`; mongod has
    /// ignored such defaults since 5.0 and refuses configs that set them.
    public var hasCustomizedGetLastErrorDefaults: Bool {
        getLastErrorDefaults.allSatisfy { key, value in
            switch key {
            case "w": return BSONNumber.double(value) == 1
            case "wtimeout": return BSONNumber.double(value) == 0
            default: return false
            }
        } == false
    }
}

// MARK: - Rules

extension ReplSetSettings {
    private static let path = "ReplSetConfig.settings"

    /// The value ranges mongod enforces while reading `settings`.
    func validateFields() throws(CommandError) {
        try Self.requirePositive(heartbeatIntervalMillis, "heartbeatIntervalMillis")
        try Self.requirePositive(heartbeatTimeoutSecs, "heartbeatTimeoutSecs")
        try Self.requirePositive(electionTimeoutMillis, "electionTimeoutMillis")
        try Self.requireAtLeastMinusOne(catchUpTimeoutMillis, "catchUpTimeoutMillis")
        try Self.requireAtLeastMinusOne(catchUpTakeoverDelayMillis, "catchUpTakeoverDelayMillis")
        try Self.validateModes(getLastErrorModes)
        if replicaSetId.bytes.allSatisfy({ $0 == 0 }) {
            throw .badValue("replicaSetId field value cannot be null")
        }
    }

    private static func requirePositive(_ value: Int64, _ field: String) throws(CommandError) {
        try ConfigText.require(value > 0, "\(path).\(field)", ">", "0", actual: "\(value)")
    }

    private static func requireAtLeastMinusOne(_ value: Int64, _ field: String) throws(CommandError) {
        try ConfigText.require(value >= -1, "\(path).\(field)", ">=", "-1", actual: "\(value)")
    }

    /// Each mode maps tag names to a positive number of distinct tag values that must acknowledge.
    private static func validateModes(_ modes: Document) throws(CommandError) {
        for (mode, value) in modes {
            guard case let .document(constraints) = value else {
                throw .typeMismatch("Expected getLastErrorModes.\(mode) to be an Object, not \(BSONNumber.typeName(value))")
            }
            for (tag, count) in constraints {
                try validateModeCount(mode: mode, tag: tag, count: count)
            }
        }
    }

    private static func validateModeCount(mode: String, tag: String, count: Value) throws(CommandError) {
        guard BSONNumber.double(count) != nil else {
            throw .typeMismatch(
                "Expected getLastErrorModes.\(mode).\(tag) to be a number, not \(BSONNumber.typeName(count))")
        }
        guard let number = BSONNumber.exactInteger(count), number > 0 else {
            let shown = BSONNumber.double(count).map(ConfigText.number) ?? ""
            throw .badValue("Value of getLastErrorModes.\(mode).\(tag) must be positive, but found \(shown)")
        }
    }
}

// MARK: - Document form

extension ReplSetSettings {
    /// Reads `settings`; unknown fields are ignored, as mongod does. `replicaSetId` is used when
    /// the document has none.
    init(document: Document, replicaSetId: ObjectID) throws(CommandError) {
        let fields = ConfigFieldReader(document: document, path: Self.path)
        self.init(replicaSetId: try fields.objectID("replicaSetId") ?? replicaSetId)
        chainingAllowed = try fields.bool("chainingAllowed") ?? chainingAllowed
        heartbeatIntervalMillis = try fields.smallExactInteger("heartbeatIntervalMillis") ?? heartbeatIntervalMillis
        heartbeatTimeoutSecs = try fields.smallExactInteger("heartbeatTimeoutSecs") ?? heartbeatTimeoutSecs
        electionTimeoutMillis = try fields.smallExactInteger("electionTimeoutMillis") ?? electionTimeoutMillis
        catchUpTimeoutMillis = try fields.smallExactInteger("catchUpTimeoutMillis") ?? catchUpTimeoutMillis
        catchUpTakeoverDelayMillis =
            try fields.smallExactInteger("catchUpTakeoverDelayMillis") ?? catchUpTakeoverDelayMillis
        getLastErrorModes = try fields.subdocument("getLastErrorModes") ?? getLastErrorModes
        getLastErrorDefaults = try fields.subdocument("getLastErrorDefaults") ?? getLastErrorDefaults
        try validateFields()
    }

    /// `settings` as `replSetGetConfig` shows it; the timings are int32 when they fit (mongod's
    /// `appendNumber`).
    public var document: Document {
        [
            "chainingAllowed": .bool(chainingAllowed),
            "heartbeatIntervalMillis": Self.smallNumber(heartbeatIntervalMillis),
            "heartbeatTimeoutSecs": Self.smallNumber(heartbeatTimeoutSecs),
            "electionTimeoutMillis": Self.smallNumber(electionTimeoutMillis),
            "catchUpTimeoutMillis": Self.smallNumber(catchUpTimeoutMillis),
            "catchUpTakeoverDelayMillis": Self.smallNumber(catchUpTakeoverDelayMillis),
            "getLastErrorModes": .document(getLastErrorModes),
            "getLastErrorDefaults": .document(getLastErrorDefaults),
            "replicaSetId": .objectID(replicaSetId),
        ]
    }

    /// An int32 when the value fits, else an int64, as mongod writes its "small exact" integers.
    static func smallNumber(_ value: Int64) -> Value {
        Int32(exactly: value).map(Value.int32) ?? .int64(value)
    }
}

// MARK: - Codable

/// `replicaSetId` is stored as its hex string and the two write-concern documents as canonical
/// extended JSON, which keeps their BSON types through a snapshot.
extension ReplSetSettings: Codable {
    private enum CodingKeys: String, CodingKey {
        case chainingAllowed, heartbeatIntervalMillis, heartbeatTimeoutSecs, electionTimeoutMillis
        case catchUpTimeoutMillis, catchUpTakeoverDelayMillis, getLastErrorModes, getLastErrorDefaults
        case replicaSetId
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let hex = try container.decode(String.self, forKey: .replicaSetId)
        guard let replicaSetId = ObjectID(hex: hex) else {
            throw DecodingError.dataCorruptedError(
                forKey: .replicaSetId, in: container, debugDescription: "not 24 hex digits: \(hex)")
        }
        self.init(replicaSetId: replicaSetId)
        chainingAllowed = try container.decode(Bool.self, forKey: .chainingAllowed)
        heartbeatIntervalMillis = try container.decode(Int64.self, forKey: .heartbeatIntervalMillis)
        heartbeatTimeoutSecs = try container.decode(Int64.self, forKey: .heartbeatTimeoutSecs)
        electionTimeoutMillis = try container.decode(Int64.self, forKey: .electionTimeoutMillis)
        catchUpTimeoutMillis = try container.decode(Int64.self, forKey: .catchUpTimeoutMillis)
        catchUpTakeoverDelayMillis = try container.decode(Int64.self, forKey: .catchUpTakeoverDelayMillis)
        getLastErrorModes = try Self.decodeDocument(container, .getLastErrorModes)
        getLastErrorDefaults = try Self.decodeDocument(container, .getLastErrorDefaults)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(chainingAllowed, forKey: .chainingAllowed)
        try container.encode(heartbeatIntervalMillis, forKey: .heartbeatIntervalMillis)
        try container.encode(heartbeatTimeoutSecs, forKey: .heartbeatTimeoutSecs)
        try container.encode(electionTimeoutMillis, forKey: .electionTimeoutMillis)
        try container.encode(catchUpTimeoutMillis, forKey: .catchUpTimeoutMillis)
        try container.encode(catchUpTakeoverDelayMillis, forKey: .catchUpTakeoverDelayMillis)
        try container.encode(getLastErrorModes.canonicalExtendedJSON, forKey: .getLastErrorModes)
        try container.encode(getLastErrorDefaults.canonicalExtendedJSON, forKey: .getLastErrorDefaults)
        try container.encode(replicaSetId.hex, forKey: .replicaSetId)
    }

    private static func decodeDocument(
        _ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys
    ) throws -> Document {
        let json = try container.decode(String.self, forKey: key)
        do {
            return try Document(extendedJSON: json)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "not a BSON document in extended JSON: \(error)")
        }
    }
}
