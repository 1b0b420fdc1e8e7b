#if canImport(Glibc)
import Glibc
#endif
import BSON
import Foundation
import HACore
import NIOCore
import NIOPosix
import ReplicaSet

/// Hosts one replica-set member in a live agent: interprets its directives with the real clock
/// (timers on the event loop), real TCP (peer messages as wire commands between agents, client
/// replies on their connections) and a real disk (the durable state, fsynced before anything
/// that follows a `persist`). Everything runs on one event loop, so the member needs no lock.
final class LegacyMemberHost: @unchecked Sendable {
    let loop: EventLoop
    let host: String
    let stateFile: String
    var member: ReplicaSetMember
    let logLine: (String) -> Void

    private struct PendingReply {
        var channel: Channel
        var requestID: Int32
        var opQuery: Bool
        var noReply: Bool
        var exhaust: Bool
        var command: Document
        var database: String
    }

    private struct HelloWaiter {
        var id: ClientRequestID
        var task: Scheduled<Void>
    }

    private var pending: [ClientRequestID: PendingReply] = [:]
    private var helloWaiters: [ClientRequestID: HelloWaiter] = [:]
    private var peers: [String: PeerLink] = [:]
    private var sequence = 0
    /// The generation of the member's newest fetch timer (see `receivePeer`).
    private var lastFetchGeneration: Int?
    private var nextReplyID: Int32 = 1
    private var lastTopology: HelloSignature

    /// What an awaiting hello is woken by: a new topologyVersion, or a change hello shows
    /// without one (a new primary becoming writable after its catch-up).
    private struct HelloSignature: Equatable {
        var counter: Int64
        var state: MemberState
        var writable: Bool
        var configVersion: Int?
    }

    private var helloSignature: HelloSignature {
        HelloSignature(counter: member.topologyCounter, state: member.state, writable: member.isWritablePrimary, configVersion: member.config?.version)
    }
    /// Hosts whose links are cut (both directions, as far as this agent is concerned).
    var blockedHosts: Set<String> = []

    init(loop: EventLoop, host: String, stateFile: String, log: @escaping (String) -> Void) throws {
        self.loop = loop
        self.host = host
        self.stateFile = stateFile
        logLine = log
        var durable = DurableState()
        if let data = FileManager.default.contents(atPath: stateFile) {
            do {
                durable = try JSONDecoder().decode(DurableState.self, from: data)
            } catch {
                throw LiveError("member state \(stateFile) is corrupted: \(error)")
            }
        }
        var settings = MemberSettings()
        // The real clock: instants are microseconds since the Unix epoch.
        settings.epochMillis = 0
        member = ReplicaSetMember(host: host, durable: durable, seed: Seed(UInt64.random(in: 1...UInt64.max)),
                                  incarnation: Int(getpid()), settings: settings)
        lastTopology = HelloSignature(counter: member.topologyCounter, state: member.state, writable: member.isWritablePrimary,
                                      configVersion: member.config?.version)
    }

    func log(_ line: String) { logLine(line) }

    static var now: Instant {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Instant(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000)
    }

    func start() {
        loop.execute { [self] in
            let hadConfig = member.config != nil
            log("mongod member \(host) starting" + (hadConfig ? " with config version \(member.config!.version), term \(member.term)" : ""))
            interpret(member.onStart(now: Self.now))
        }
    }

    /// SIGTERM: waiting operations are interrupted, then the state is written a last time.
    func shutdown() -> EventLoopFuture<Void> {
        loop.submit { [self] in
            interpret(member.onShutdown(now: Self.now))
            persist()
            for p in peers.values { p.close() }
        }
    }

    // MARK: - Requests from connections

    func receive(_ request: WireRequest, on channel: Channel, connection: Int) {
        var command: Document
        var database = "admin"
        var secondaryOk = false
        var reply = PendingReply(channel: channel, requestID: request.header.requestID, opQuery: false, noReply: false, exhaust: false,
                                 command: [:], database: "admin")
        switch request {
        case let .message(_, flags, body):
            command = body
            if case .string(let db)? = body["$db"] { database = db }
            if case .document(let pref)? = body["$readPreference"], case .string(let mode)? = pref["mode"], mode != "primary" { secondaryOk = true }
            reply.noReply = flags & MongoWire.moreToCome != 0
            reply.exhaust = flags & MongoWire.exhaustAllowed != 0
        case let .query(_, flags, db, body):
            command = body
            database = db
            secondaryOk = flags & MongoWire.querySecondaryOk != 0 || body["$readPreference"] != nil
            reply.opQuery = true
        }
        command = Self.stripEnvelope(command)
        reply.command = command
        reply.database = database
        switch command.keys.first ?? "" {
        case "quorumPeer":
            receivePeer(command)
            return
        case "quorumControl":
            write(control(command), to: reply)
            return
        default:
            break
        }
        sequence += 1
        let id = ClientRequestID(client: connection, sequence: sequence)
        pending[id] = reply
        let name = command.keys.first ?? ""
        if name == "hello" || name.lowercased() == "ismaster", awaits(command) {
            awaitHello(id, command: command)
            return
        }
        interpret(member.onCommand(ClientRequest(id: id, database: database, command: command, secondaryOk: secondaryOk), now: Self.now))
    }

    /// Fields drivers add around every command that the member does not read.
    static func stripEnvelope(_ command: Document) -> Document {
        let envelope: Set<String> = ["$db", "$readPreference", "$clusterTime", "lsid", "txnNumber", "$query", "autocommit", "startTransaction",
                                     "apiVersion", "apiStrict", "apiDeprecationErrors"]
        return Document(command.filter { !envelope.contains($0.0) })
    }

    func connectionClosed(_ connection: Int) {
        for (id, waiter) in helloWaiters where id.client == connection {
            waiter.task.cancel()
            helloWaiters[id] = nil
        }
        pending = pending.filter { $0.key.client != connection }
    }

    // MARK: - Awaitable hello (streaming SDAM)

    /// A hello naming this process's current topologyVersion with maxAwaitTimeMS waits for a
    /// change of topology (or the time limit) before it is answered.
    private func awaits(_ command: Document) -> Bool {
        guard case .document(let tv)? = command["topologyVersion"], command["maxAwaitTimeMS"] != nil,
              case .objectID(let pid)? = tv["processId"] else { return false }
        let counter = tv["counter"]?.int64Value
        return pid == member.processID && counter == member.topologyCounter
    }

    private func awaitHello(_ id: ClientRequestID, command: Document) {
        let millis = max(0, min(command["maxAwaitTimeMS"]?.int64Value ?? 10_000, 60_000))
        let task = loop.scheduleTask(in: .milliseconds(millis)) { [self] in answerHello(id) }
        helloWaiters[id] = HelloWaiter(id: id, task: task)
    }

    private func answerHello(_ id: ClientRequestID) {
        guard let waiter = helloWaiters.removeValue(forKey: id), let p = pending.removeValue(forKey: id) else { return }
        waiter.task.cancel()
        let request = ClientRequest(id: id, database: p.database, command: p.command)
        guard let directive = member.onCommand(request, now: Self.now).first, case let .reply(_, document) = directive else { return }
        guard p.exhaust, p.channel.isActive, case .document(let tv)? = document["topologyVersion"] else {
            write(document, to: p)
            return
        }
        // Exhaust: this reply says more is coming; the next one answers it after the next change.
        let replyID = write(document, to: p, moreToCome: true)
        var next = p
        next.requestID = replyID
        var command = p.command
        command = Document(command.map { $0.0 == "topologyVersion" ? ($0.0, .document(tv)) : $0 })
        next.command = command
        sequence += 1
        let nextID = ClientRequestID(client: id.client, sequence: sequence)
        pending[nextID] = next
        awaitHello(nextID, command: command)
    }

    private func wakeHellos() {
        let now = helloSignature
        guard now != lastTopology else { return }
        lastTopology = now
        for id in helloWaiters.keys.sorted() { answerHello(id) }
    }

    // MARK: - Directives

    func interpret(_ directives: [MemberDirective]) {
        for directive in directives {
            switch directive {
            case let .send(target, message):
                guard target != host, !blockedHosts.contains(target) else { continue }
                sendPeer(message, to: target)
            case let .reply(id, document):
                guard let p = pending.removeValue(forKey: id) else { continue }
                write(document, to: p)
            case let .schedule(timer, after):
                if case .fetch(let g) = timer { lastFetchGeneration = g }
                loop.scheduleTask(in: .microseconds(max(0, after.microseconds))) { [self] in fire(timer) }
            case .persist:
                persist()
            case let .log(line):
                log("mongod: \(line)")
            }
        }
        wakeHellos()
    }

    private func fire(_ timer: MemberTimer) {
        let now = Self.now
        let directives: [MemberDirective]
        switch timer {
        case .heartbeat: directives = member.onHeartbeatTimer(now: now)
        case .electionTimeout(let g): directives = member.onElectionTimer(generation: g, now: now)
        case .priorityTakeover(let g): directives = member.onPriorityTakeoverTimer(generation: g, now: now)
        case .fetch(let g): directives = member.onFetchTimer(generation: g, now: now)
        case .writeConcernTimeout(let r): directives = member.onWriteConcernTimer(request: r, now: now)
        case .electionRound(let g): directives = member.onElectionRoundTimer(generation: g, now: now)
        case .stepDownWait(let r): directives = member.onStepDownWaitTimer(request: r, now: now)
        }
        interpret(directives)
    }

    @discardableResult
    private func write(_ document: Document, to p: PendingReply, moreToCome: Bool = false) -> Int32 {
        let replyID = nextReplyID
        nextReplyID &+= 1
        guard !p.noReply, p.channel.isActive else { return replyID }
        do {
            let bytes = p.opQuery
                ? try MongoWire.encodeReply(requestID: replyID, responseTo: p.requestID, document: document)
                : try MongoWire.encodeMessage(requestID: replyID, responseTo: p.requestID, flags: moreToCome ? MongoWire.moreToCome : 0,
                                              body: document)
            p.channel.writeAndFlush(p.channel.allocator.buffer(bytes: bytes), promise: nil)
        } catch {
            log("cannot encode reply: \(error)")
            p.channel.close(promise: nil)
        }
        return replyID
    }

    /// Writes the durable state: a temporary file, fsync, rename, so a crash leaves the old or the new.
    func persist() {
        do {
            let data = try JSONEncoder().encode(member.durable)
            let temp = stateFile + ".tmp"
            let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw LiveError("cannot write \(temp): \(String(cString: strerror(errno)))") }
            var ok = true
            data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 { if errno == EINTR { continue }; ok = false; break }
                    offset += n
                }
            }
            ok = ok && fsync(fd) == 0
            close(fd)
            guard ok, rename(temp, stateFile) == 0 else { throw LiveError("cannot write \(stateFile): \(String(cString: strerror(errno)))") }
        } catch {
            log("persist failed: \(error)")
        }
    }

    // MARK: - Peers

    private func sendPeer(_ message: RSMessage, to target: String) {
        guard let json = try? JSONEncoder().encode(message) else { return }
        let body: Document = ["quorumPeer": .int32(1), "from": .string(host), "message": .string(String(decoding: json, as: UTF8.self)),
                              "$db": .string("admin")]
        guard let bytes = try? MongoWire.encodeMessage(requestID: 0, responseTo: 0, flags: MongoWire.moreToCome, body: body) else { return }
        let link = peers[target] ?? PeerLink(target: target, loop: loop)
        peers[target] = link
        link.send(bytes)
    }

    private func receivePeer(_ command: Document) {
        guard case .string(let from)? = command["from"], !blockedHosts.contains(from),
              case .string(let text)? = command["message"],
              let message = try? JSONDecoder().decode(RSMessage.self, from: Data(text.utf8)) else { return }
        let now = Self.now
        let directives: [MemberDirective]
        switch message {
        case .heartbeat(let r): directives = member.onHeartbeat(r, now: now)
        case .heartbeatResponse(let r):
            directives = member.onHeartbeatResponse(r, now: now)
            // A real oplog fetcher learns at once that its source died (the connection is
            // refused or reset) and asks the new primary as soon as it is known, rather than
            // waiting out its fetch timer; the newest fetch timer fires now.
            if r.state == .primary, r.term >= member.term, member.state == .secondary, member.syncSource != r.senderHost,
               let g = lastFetchGeneration {
                interpret(directives)
                interpret(member.onFetchTimer(generation: g, now: now))
                return
            }
        case .requestVotes(let r): directives = member.onRequestVotes(r, now: now)
        case .voteResponse(let r): directives = member.onVoteResponse(r, now: now)
        case .fetchOplog(let r): directives = member.onFetchRequest(r, now: now)
        case .oplogBatch(let r): directives = member.onOplogBatch(r, now: now)
        case .updatePosition(let r): directives = member.onUpdatePosition(r, now: now)
        case .stepUp(let term): directives = member.onStepUpRequest(term: term, now: now)
        }
        interpret(directives)
    }

    // MARK: - Control (Quorum's own commands: link cuts, identity)

    private func control(_ command: Document) -> Document {
        guard case .string(let op)? = command["quorumControl"] else { return ["ok": .double(0), "errmsg": .string("no op")] }
        let hosts: [String] = {
            guard case .array(let values)? = command["hosts"] else { return [] }
            return values.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
        }()
        switch op {
        case "ping":
            return ["ok": .double(1), "pid": .int64(Int64(getpid())), "host": .string(host), "state": .string(member.state.stateStr),
                    "partitionedFrom": .array(blockedHosts.sorted().map { .string($0) })]
        case "partition":
            blockedHosts.formUnion(hosts)
            for h in hosts { peers[h]?.close(); peers[h] = nil }
            log("links to \(hosts.joined(separator: ", ")) cut")
            return ["ok": .double(1)]
        case "heal":
            if hosts.isEmpty { blockedHosts.removeAll() } else { blockedHosts.subtract(hosts) }
            log("links healed")
            return ["ok": .double(1)]
        default:
            return ["ok": .double(0), "errmsg": .string("unknown op \(op)")]
        }
    }
}
