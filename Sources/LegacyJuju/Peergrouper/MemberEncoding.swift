import BSON
import ReplicaSet

/// How Juju 1.20's `replicaset` package puts members and configs on the wire (§4.2). Its
/// `Member` holds every optional field as a pointer with `omitempty`, and the peergrouper leaves
/// unset whatever equals Mongo's default, so a field appears only when it differs from it.
extension Peergrouper {
    /// One `replicaset.Member` as mgo encodes it: `_id`, `host`, then only the non-default
    /// fields in struct order (`arbiterOnly`, `buildIndexes`, `hidden`, `priority`, `tags`,
    /// `slaveDelay`, `votes`). A voter is `{_id, host, tags}`; a non-voter adds
    /// `priority: 0.0` and `votes: 0`.
    public static func memberDocument(_ member: MemberConfig) -> Document {
        var document: Document = ["_id": .int32(Int32(truncatingIfNeeded: member.id)), "host": .string(member.host)]
        if member.arbiterOnly { document.append("arbiterOnly", .bool(true)) }
        if !member.buildIndexes { document.append("buildIndexes", .bool(false)) }
        if member.hidden { document.append("hidden", .bool(true)) }
        if member.priority != defaultPriority(member) { document.append("priority", .double(member.priority)) }
        if !member.tags.isEmpty { document.append("tags", .document(member.tags.document)) }
        if member.secondaryDelaySecs != 0 { document.append("slaveDelay", .int64(member.secondaryDelaySecs)) }
        if member.votes != 1 { document.append("votes", .int32(Int32(clamping: member.votes))) }
        return document
    }

    /// `replicaset.Config` of 1.20: `{_id, version, members}` and nothing else (no
    /// `protocolVersion`, no `settings`; mongod keeps its own for what is left out).
    public static func configDocument(setName: String, version: Int, members: [MemberConfig]) -> Document {
        [
            "_id": .string(setName),
            "version": .int32(Int32(truncatingIfNeeded: version)),
            "members": .array(members.map { .document(memberDocument($0)) }),
        ]
    }

    /// mongod turns an arbiter's priority into 0, so that is an arbiter's "unset" priority.
    private static func defaultPriority(_ member: MemberConfig) -> Double {
        member.arbiterOnly ? 0 : 1
    }
}

// MARK: - Go's %#v, for error text

extension Peergrouper {
    /// The member as Go's `%#v` prints a `replicaset.Member`, which Juju puts in the
    /// "voting non-machine member" error. Unset (default) pointer fields print as
    /// `(*T)(nil)`; a set pointer, which Go prints as a memory address, prints its value here
    /// so the text stays reproducible.
    public static func goSyntax(_ member: MemberConfig) -> String {
        let fields = [
            "Id:\(member.id)",
            "Address:\(goQuote(member.host))",
            "Arbiter:" + goPointer("bool", member.arbiterOnly ? "true" : nil),
            "BuildIndexes:" + goPointer("bool", member.buildIndexes ? nil : "false"),
            "Hidden:" + goPointer("bool", member.hidden ? "true" : nil),
            "Priority:" + goPointer("float64", member.priority == defaultPriority(member) ? nil : goNumber(member.priority)),
            "Tags:" + goTags(member.tags),
            "SlaveDelay:" + goPointer("time.Duration", member.secondaryDelaySecs == 0 ? nil : "\(member.secondaryDelaySecs)"),
            "Votes:" + goPointer("int", member.votes == 1 ? nil : "\(member.votes)"),
        ]
        return "replicaset.Member{" + fields.joined(separator: ", ") + "}"
    }

    private static func goPointer(_ type: String, _ value: String?) -> String {
        "(*\(type))(\(value ?? "nil"))"
    }

    /// Go's fmt prints map keys sorted.
    private static func goTags(_ tags: ReplSetTags) -> String {
        guard !tags.isEmpty else { return "map[string]string(nil)" }
        let pairs = tags.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { "\(goQuote($0.key)):\(goQuote($0.value))" }
        return "map[string]string{" + pairs.joined(separator: ", ") + "}"
    }

    private static func goNumber(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e21 ? String(Int64(value)) : "\(value)"
    }

    /// `%q` for the characters a host or tag can hold.
    static func goQuote(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                quoted += "\\x" + hexByte(UInt8(scalar.value))
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
