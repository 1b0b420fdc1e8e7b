import BSON
import HACore

/// `writeConcern: {w, wtimeout}` as the primary honours it.
struct WriteConcern: Equatable {
    /// nil means "majority".
    var members: Int?
    var timeout: Interval?

    static let majority = WriteConcern(members: nil, timeout: nil)

    init(members: Int?, timeout: Interval?) {
        self.members = members
        self.timeout = timeout
    }

    init(_ value: Value?, default fallback: WriteConcern) throws(CommandError) {
        guard let value else { self = fallback; return }
        guard case .document(let doc) = value else { throw .failedToParse("writeConcern must be an object") }
        switch doc["w"] {
        case nil: members = fallback.members
        case .string("majority")?: members = nil
        case let w? where w.int64Value != nil && w.int64Value! >= 0: members = Int(w.int64Value!)
        case let w?: throw .failedToParse("w has to be a number or \"majority\", not \(w)")
        }
        let millis = doc["wtimeout"]?.int64Value ?? 0
        timeout = millis > 0 ? .milliseconds(millis) : nil
    }
}

extension ReplicaSetMember {
    /// `insert`, `update`, `delete` on the primary: plan, stamp, append, apply, then answer when
    /// the write concern is satisfied.
    mutating func write(_ request: ClientRequest, now: Instant) -> [MemberDirective] {
        guard isWritablePrimary else { return fail(request, .notWritablePrimary()) }
        let concern: WriteConcern
        do {
            let fallback = config?.isImplicitDefaultWriteConcernMajority == false ? WriteConcern(members: 1, timeout: nil) : .majority
            concern = try WriteConcern(request.command["writeConcern"], default: fallback)
        } catch {
            return fail(request, error)
        }
        if let n = concern.members, n > dataBearingMembers {
            return fail(request, .unsatisfiableWriteConcern("Not enough data-bearing nodes"))
        }
        let store = durable.data
        var ids = objectIDs
        let seconds = UInt32(clamping: wallMillis(now) / 1_000)
        let planned = store.planWrite(request.command, database: request.database) { ids.next(seconds: seconds) }
        objectIDs = ids
        let plan: WritePlan
        switch planned {
        case .failure(let error): return fail(request, error)
        case .success(let p): plan = p
        }
        var entries: [OplogEntry] = []
        for operation in plan.operations {
            let stamped = stamp(op: operation.op, ns: operation.ns, o: operation.o, o2: operation.o2, now: now)
            entries.append(stamped)
            // Stamp sees the previous entry only once it is in the oplog.
            durable.oplog.append(stamped)
        }
        durable.oplog.removeLast(entries.count)
        var directives = appendToOplog(entries)
        var reply = plan.replyFields
        if state == .primary { reply.append("electionId", .objectID(electionID)) }
        reply.append("ok", .double(1))
        let lastOpTime = entries.last?.opTime ?? lastApplied
        let waiter = WriteWaiter(request: request.id, opTime: lastOpTime, reply: reply, members: concern.members)
        if concern.members == 0 || isSatisfied(waiter) {
            return directives + advanceCommitPoint(now: now) + [.reply(request.id, reply)]
        }
        waiters.append(waiter)
        if let timeout = concern.timeout { directives.append(.schedule(.writeConcernTimeout(request: request.id), after: timeout)) }
        return directives + advanceCommitPoint(now: now)
    }

    var dataBearingMembers: Int { config?.members.filter { !$0.arbiterOnly }.count ?? 1 }

    /// `find`, `count`, `getMore`, `killCursors`: on the primary, or on a secondary when allowed.
    mutating func read(_ request: ClientRequest, now: Instant) -> [MemberDirective] {
        switch state {
        case .primary: break
        case .secondary where request.secondaryOk: break
        case .secondary: return fail(request, .notPrimaryNoSecondaryOk())
        default:
            return fail(request, CommandError(code: 13436, codeName: "NotPrimaryOrSecondary",
                                              errmsg: "node is not in primary or recovering state"))
        }
        if request.database == "local", request.name == "find", request.command["find"]?.stringValue == "oplog.rs" {
            return [.reply(request.id, findInOplog(request.command))]
        }
        switch durable.data.runRead(request.command, database: request.database, cursors: &cursors) {
        case .success(let reply): return [.reply(request.id, reply)]
        case .failure(let error): return fail(request, error)
        }
    }
}

extension ReplicaSetMember {
    /// `find` on `local.oplog.rs` (mongodump `--oplog` reads the entries written while it ran):
    /// the matching entries in oplog order, in one batch.
    func findInOplog(_ command: Document) -> Document {
        let matcher: Matcher
        do {
            matcher = try Matcher(command["filter"]?.documentValue ?? [:])
        } catch {
            return error.reply(topologyVersion: topologyVersion)
        }
        let batch = durable.oplog.lazy.map(\.document).filter(matcher.matches).map(Value.document)
        let cursor: Document = ["firstBatch": .array(Array(batch)), "id": .int64(0), "ns": "local.oplog.rs"]
        return ["cursor": .document(cursor), "ok": .double(1)]
    }
}
