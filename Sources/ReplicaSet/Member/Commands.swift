import BSON
import HACore

/// A command from a client (a driver, the Juju layer, the workload) to a member.
public struct ClientRequest: Codable, Sendable, Equatable {
    public var id: ClientRequestID
    public var database: String
    public var command: Document
    /// Whether the client allows reads from a secondary (`$readPreference` or the OP_QUERY flag).
    public var secondaryOk: Bool

    public init(id: ClientRequestID, database: String, command: Document, secondaryOk: Bool = false) {
        self.id = id
        self.database = database
        self.command = command
        self.secondaryOk = secondaryOk
    }

    /// Commands are named by their first key, as mongod reads them.
    public var name: String { command.keys.first ?? "" }
}

/// Constants of the emulated server build.
public enum ServerBuild {
    public static let version = "7.0.14"
    public static let minWireVersion: Int32 = 0
    public static let maxWireVersion: Int32 = 21
    public static let maxBsonObjectSize: Int32 = 16_777_216
    public static let maxMessageSizeBytes: Int32 = 48_000_000
    public static let maxWriteBatchSize: Int32 = 100_000
}

extension ReplicaSetMember {
    /// Answers a client command; writes waiting for their write concern reply later.
    public mutating func onCommand(_ request: ClientRequest, now: Instant) -> [MemberDirective] {
        if shuttingDown {
            return fail(request, .shutdownInProgress("The server is in quiesce mode and will shut down"))
        }
        switch request.name {
        case "hello", "isMaster", "ismaster":
            return [.reply(request.id, hello(request, now: now))]
        case "ping":
            return [.reply(request.id, ["ok": .double(1)])]
        case "buildInfo", "buildinfo":
            return [.reply(request.id, buildInfo())]
        case "endSessions":
            return [.reply(request.id, ["ok": .double(1)])]
        case "replSetInitiate":
            return replSetInitiate(request, now: now)
        case "replSetGetStatus":
            return [.reply(request.id, replSetGetStatus(now: now))]
        case "replSetGetConfig":
            guard let config else { return fail(request, .notYetInitialized("no replset config has been received")) }
            return [.reply(request.id, ["config": .document(config.document), "ok": .double(1)])]
        case "replSetReconfig":
            return replSetReconfig(request, now: now)
        case "replSetStepDown":
            return replSetStepDown(request, now: now)
        case "replSetFreeze":
            return replSetFreeze(request, now: now)
        case "replSetStepUp":
            return replSetStepUp(request, now: now)
        case "insert", "update", "delete", "drop", "dropDatabase":
            return write(request, now: now)
        case "find", "getMore", "count", "killCursors", "listCollections", "listDatabases":
            return read(request, now: now)
        default:
            return fail(request, .commandNotFound("no such command: '\(request.name)'"))
        }
    }

    func fail(_ request: ClientRequest, _ error: CommandError) -> [MemberDirective] {
        [.reply(request.id, error.reply(topologyVersion: topologyVersion))]
    }

    public var topologyVersion: Document { ["processId": .objectID(processID), "counter": .int64(topologyCounter)] }

    // MARK: hello

    /// `hello` / `isMaster` with the fields and order of `fillHelloForReplSet` (spec §2.1).
    func hello(_ request: ClientRequest, now: Instant) -> Document {
        let legacyName = request.name != "hello"
        var doc: Document = ["topologyVersion": .document(topologyVersion)]
        guard let config, let me = selfConfig, state != .removed else {
            doc.append(legacyName ? "ismaster" : "isWritablePrimary", .bool(false))
            doc.append("secondary", .bool(false))
            doc.append("info", .string("Does not have a valid replica set config"))
            doc.append("isreplicaset", .bool(true))
            return appendServerLimits(to: doc, request: request, now: now)
        }
        doc.append("hosts", .array(config.helloHosts.map { .string($0) }))
        if !config.passives.isEmpty { doc.append("passives", .array(config.passives.map { .string($0) })) }
        if !config.arbiters.isEmpty { doc.append("arbiters", .array(config.arbiters.map { .string($0) })) }
        doc.append("setName", .string(config.setName))
        doc.append("setVersion", .int32(Int32(config.version)))
        doc.append(legacyName ? "ismaster" : "isWritablePrimary", .bool(isWritablePrimary))
        doc.append("secondary", .bool(state == .secondary))
        if let primary = knownPrimary { doc.append("primary", .string(primary)) }
        if me.arbiterOnly { doc.append("arbiterOnly", .bool(true)) }
        if me.priority == 0, !me.arbiterOnly { doc.append("passive", .bool(true)) }
        if me.hidden { doc.append("hidden", .bool(true)) }
        if !me.tags.isEmpty { doc.append("tags", .document(Document(me.tags.map { ($0.0, Value.string($0.1)) }))) }
        doc.append("me", .string(host))
        if state == .primary { doc.append("electionId", .objectID(electionID)) }
        if !me.arbiterOnly {
            let lastWrite = wallMillis(now)
            doc.append("lastWrite", .document([
                "opTime": .document(lastApplied.document), "lastWriteDate": .datetime(lastWrite),
                "majorityOpTime": .document(commitPoint.document), "majorityWriteDate": .datetime(lastWrite),
            ]))
        }
        return appendServerLimits(to: doc, request: request, now: now)
    }

    private func appendServerLimits(to document: Document, request: ClientRequest, now: Instant) -> Document {
        var doc = document
        doc.append("maxBsonObjectSize", .int32(ServerBuild.maxBsonObjectSize))
        doc.append("maxMessageSizeBytes", .int32(ServerBuild.maxMessageSizeBytes))
        doc.append("maxWriteBatchSize", .int32(ServerBuild.maxWriteBatchSize))
        doc.append("localTime", .datetime(wallMillis(now)))
        doc.append("logicalSessionTimeoutMinutes", .int32(30))
        doc.append("connectionId", .int32(Int32(truncatingIfNeeded: request.id.client)))
        doc.append("minWireVersion", .int32(ServerBuild.minWireVersion))
        doc.append("maxWireVersion", .int32(ServerBuild.maxWireVersion))
        doc.append("readOnly", .bool(false))
        if request.command["helloOk"] == .bool(true) { doc.append("helloOk", .bool(true)) }
        doc.append("ok", .double(1))
        return doc
    }

    /// PV1 electionId: `7fffffff` followed by the term as 8 big-endian bytes.
    public var electionID: ObjectID {
        let termBytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: term) >> (56 - 8 * UInt64($0))) }
        return ObjectID(bytes: [0x7F, 0xFF, 0xFF, 0xFF] + termBytes)!
    }

    func buildInfo() -> Document {
        let parts = ServerBuild.version.split(separator: ".").compactMap { Int32($0) }
        return ["version": .string(ServerBuild.version), "gitVersion": .string("quorum"),
                "versionArray": .array((parts + [0]).map { .int32($0) }), "bits": .int32(64),
                "maxBsonObjectSize": .int32(ServerBuild.maxBsonObjectSize), "ok": .double(1)]
    }

    // MARK: replSetInitiate / replSetReconfig

    mutating func replSetInitiate(_ request: ClientRequest, now: Instant) -> [MemberDirective] {
        guard config == nil else { return fail(request, .alreadyInitialized("already initialized")) }
        guard case .document(let doc)? = request.command["replSetInitiate"] else {
            return fail(request, .typeMismatch("replSetInitiate argument must be a document"))
        }
        let proposed: ReplSetConfig
        do throws(CommandError) {
            proposed = try ReplSetConfig(document: doc, replicaSetId: nextObjectID(now: now))
            try proposed.validate()
            try ReplSetConfig.validateForInitiate(proposed, selfHost: host)
        } catch {
            return fail(request, error)
        }
        var directives = install(proposed, now: now, reason: "replSetInitiate")
        let entry = stamp(op: .noop, ns: "", o: ["msg": .string("initiating set")], o2: nil, now: now)
        directives += appendToOplog([entry])
        commitPoint = proposed.members.filter(\.isVoter).count == 1 ? entry.opTime : commitPoint
        directives.append(.reply(request.id, ["ok": .double(1)]))
        // A set of one elects itself at once rather than after the election timeout.
        if proposed.members.filter(\.isVoter).count == 1, unelectableReason(now: now) == nil {
            directives += startElection(now: now, skipDryRun: true, reason: "electionTimeout")
        }
        return directives
    }

    mutating func replSetReconfig(_ request: ClientRequest, now: Instant) -> [MemberDirective] {
        let force = request.command["force"] == .bool(true)
        guard let current = config else { return fail(request, .notYetInitialized("no replset config has been received")) }
        guard force || isWritablePrimary else {
            return fail(request, .notWritablePrimary(
                "New config is rejected :: caused by :: replSetReconfig should only be run on a writable PRIMARY. Current state \(state.stateStr);"))
        }
        guard case .document(let doc)? = request.command["replSetReconfig"] else {
            return fail(request, .typeMismatch("replSetReconfig argument must be a document"))
        }
        var proposed: ReplSetConfig
        do throws(CommandError) {
            proposed = try ReplSetConfig(document: doc, replicaSetId: current.settings.replicaSetId)
            if !force { proposed.term = term }
            try proposed.validate()
            try ReplSetConfig.validateForReconfig(old: current, new: proposed, force: force)
        } catch {
            return fail(request, error)
        }
        if !force, !isCurrentConfigCommitted {
            return fail(request, .currentConfigNotCommittedYet(
                "Cannot run replSetReconfig because the current config: {version: \(current.version), term: \(current.term)} is not yet majority committed."))
        }
        if force { proposed.version = max(proposed.version, current.version + 1) }
        var directives = install(proposed, now: now, reason: force ? "forced replSetReconfig" : "replSetReconfig")
        directives.append(.reply(request.id, ["ok": .double(1)]))
        directives.append(.schedule(.heartbeat, after: .zero))
        return directives
    }

    /// Safe reconfig waits until a majority of voters run the current config.
    var isCurrentConfigCommitted: Bool {
        guard let config else { return false }
        let holders = 1 + peers.filter { p in
            p.health && p.configVersion == config.version && p.configTerm == config.term && config.member(host: p.host)?.isVoter == true
        }.count
        return holders >= config.majorityVoteCount
    }

    /// Deterministic ObjectIds for generated `_id`s and `replicaSetId`s.
    mutating func nextObjectID(now: Instant) -> ObjectID {
        objectIDs.next(seconds: UInt32(clamping: wallMillis(now) / 1_000))
    }

    // MARK: replSetStepDown / replSetFreeze / replSetStepUp

    mutating func replSetStepDown(_ request: ClientRequest, now: Instant) -> [MemberDirective] {
        guard state == .primary else { return fail(request, .notWritablePrimary("not primary so can't step down")) }
        let stepDownSecs = request.command["replSetStepDown"]?.int64Value ?? 60
        let catchUpSecs = request.command["secondaryCatchUpPeriodSecs"]?.int64Value ?? 10
        let force = request.command["force"] == .bool(true)
        guard stepDownSecs > catchUpSecs else {
            return fail(request, .badValue("stepdown period must be longer than secondaryCatchUpPeriodSecs"))
        }
        stepDownRequest = PendingStepDown(request: request.id, stepDownSecs: stepDownSecs, force: force,
                                          deadline: now + .seconds(catchUpSecs))
        let immediate = checkPendingStepDown(now: now)
        if !immediate.isEmpty { return immediate }
        return [.schedule(.stepDownWait(request: request.id), after: .seconds(catchUpSecs))]
    }

    /// Steps down once a caught-up electable secondary exists, handing the election over to it.
    mutating func checkPendingStepDown(now: Instant) -> [MemberDirective] {
        guard let pending = stepDownRequest, state == .primary, let config else { return [] }
        let caughtUp = peers.filter { p in
            p.health && p.appliedOpTime >= lastApplied && (config.member(host: p.host)?.isElectable ?? false)
        }
        guard let successor = caughtUp.first?.host else { return [] }
        let majorityHas = 1 + peers.filter { $0.appliedOpTime >= lastApplied && config.member(host: $0.host)?.isVoter == true }.count
        guard majorityHas >= config.majorityVoteCount else { return [] }
        return stepDown(now: now, reason: "replSetStepDown", freeze: .seconds(pending.stepDownSecs))
            + [.send(to: successor, .stepUp(term: term))]
    }

    public mutating func onStepDownWaitTimer(request id: ClientRequestID, now: Instant) -> [MemberDirective] {
        guard let pending = stepDownRequest, pending.request == id else { return [] }
        if pending.force { return stepDown(now: now, reason: "forced replSetStepDown", freeze: .seconds(pending.stepDownSecs)) }
        stepDownRequest = nil
        let date = ISODate.format(millis: wallMillis(now))
        let error = CommandError.exceededTimeLimit(
            "No electable secondaries caught up as of \(date). Please use the replSetStepDown command with the argument {force: true} to force node to step down.")
        return [.reply(id, error.reply(topologyVersion: topologyVersion))]
    }

    mutating func replSetFreeze(_ request: ClientRequest, now: Instant) -> [MemberDirective] {
        guard state != .primary, candidacy == nil else {
            return fail(request, .notSecondary("Cannot freeze node when primary or running for election. state: \(state == .primary ? "Primary" : "Running-Election")"))
        }
        let seconds = request.command["replSetFreeze"]?.int64Value ?? 0
        var reply: Document = ["ok": .double(1)]
        if seconds == 0 {
            frozenUntil = nil
            reply = ["info": .string("unfreezing"), "ok": .double(1)]
        } else {
            frozenUntil = now + .seconds(seconds)
            if seconds == 1 { reply = ["warning": .string("you really want to freeze for only 1 second?"), "ok": .double(1)] }
        }
        return [.reply(request.id, reply)]
    }

    mutating func replSetStepUp(_ request: ClientRequest, now: Instant) -> [MemberDirective] {
        guard state == .secondary else { return fail(request, .notSecondary("node is not in secondary state")) }
        if let reason = unelectableReason(now: now) {
            return fail(request, CommandError(code: 125, codeName: "CommandFailed", errmsg: "Election failed: \(reason)"))
        }
        return startElection(now: now, skipDryRun: true, reason: "stepUpRequestSkipDryRun") + [.reply(request.id, ["ok": .double(1)])]
    }

    public mutating func onWriteConcernTimer(request id: ClientRequestID, now: Instant) -> [MemberDirective] {
        guard let i = waiters.firstIndex(where: { $0.request == id }) else { return [] }
        var reply = waiters.remove(at: i).reply
        reply.append("writeConcernError", .document([
            "code": .int32(64), "codeName": .string("WriteConcernTimeout"),
            "errmsg": .string("waiting for replication timed out"),
            "errInfo": .document(["wtimeout": .bool(true)]),
        ]))
        return [.reply(id, reply)]
    }
}

/// ISO-8601 dates as mongod prints them in messages.
enum ISODate {
    static func format(millis: Int64) -> String {
        let days = millis / 86_400_000
        let rest = millis % 86_400_000
        // Civil-from-days (proleptic Gregorian), so no Foundation calendar is needed in a model.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rest / 3_600_000, 2)):\(pad(rest / 60_000 % 60, 2)):\(pad(rest / 1_000 % 60, 2)).\(pad(rest % 1_000, 3))Z"
    }
}
