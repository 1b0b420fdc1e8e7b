import BSON
import HACore

extension ReplicaSetMember {
    /// An oplog entry for this primary's next write: timestamps strictly increase, in this term.
    mutating func stamp(op: OplogOperation.Kind, ns: String, o: Document, o2: Document?, now: Instant) -> OplogEntry {
        let wall = wallMillis(now)
        let seconds = UInt32(clamping: wall / 1_000)
        let last = durable.oplog.last?.ts ?? Timestamp(seconds: 0, increment: 0)
        let ts = seconds > last.seconds ? Timestamp(seconds: seconds, increment: 1)
                                        : Timestamp(seconds: last.seconds, increment: last.increment + 1)
        return OplogEntry(ts: ts, t: term, op: op, ns: ns, o: o, o2: o2, wall: wall)
    }

    /// Appends entries (already in order) to the oplog, applies them to the data, and answers
    /// the fetches that were waiting for them.
    mutating func appendToOplog(_ entries: [OplogEntry]) -> [MemberDirective] {
        guard !entries.isEmpty else { return [] }
        for entry in entries {
            precondition(entry.opTime > lastApplied, "oplog must grow: \(entry.opTime) after \(lastApplied) on \(host)")
            durable.oplog.append(entry)
            // Entries come from a primary that already applied them, so they apply cleanly here.
            try? durable.data.apply(entry)
        }
        return [.persist(.oplog)] + answerParkedFetches(now: nil)
    }

    /// Answers waiting fetches: all of them on a heartbeat tick (`now` given), else those that
    /// now have entries to receive.
    mutating func answerParkedFetches(now: Instant?) -> [MemberDirective] {
        guard !parkedFetches.isEmpty else { return [] }
        let waiting = parkedFetches
        parkedFetches.removeAll()
        var directives: [MemberDirective] = []
        for request in waiting {
            if now == nil, request.lastFetched >= lastApplied {
                parkedFetches.append(request)
            } else {
                directives.append(.send(to: request.requesterHost, .oplogBatch(fetchResponse(for: request))))
            }
        }
        return directives
    }

    // MARK: Secondary side

    /// The sync source: the primary while it is known and healthy (no chaining), or during
    /// catch-up the member that holds the newest optime.
    mutating func chooseSyncSource() -> String? {
        if state == .primary { return catchUpTarget == nil ? nil : syncSource }
        let primary = peers.first { $0.health && $0.state == .primary && $0.term >= term }
        syncSource = primary?.host
        return syncSource
    }

    /// Asks for a fetch after `delay`; a newer request replaces any pending one.
    mutating func scheduleFetch(after delay: Interval) -> [MemberDirective] {
        fetchGeneration += 1
        return [.schedule(.fetch(generation: fetchGeneration), after: delay)]
    }

    /// Time to ask the sync source for more entries (or to give up on an unanswered fetch).
    public mutating func onFetchTimer(generation g: Int, now: Instant) -> [MemberDirective] {
        guard g == fetchGeneration else { return [] }
        fetchInFlight = false
        guard state == .secondary || (state == .primary && catchUpTarget != nil) else { return [] }
        return sendFetch(now: now)
    }

    /// Sends a fetch to the sync source; if no answer comes (source died, partition) the timer
    /// set here asks again.
    mutating func sendFetch(now: Instant) -> [MemberDirective] {
        guard let source = chooseSyncSource() else { return scheduleFetch(after: settings.fetchIdleInterval) }
        fetchInFlight = true
        let end = min(probeEnd ?? durable.oplog.count, durable.oplog.count)
        let window = durable.oplog[max(0, end - 64)..<end].map(\.opTime)
        let request = FetchRequest(requesterHost: host, term: term, recentOpTimes: window,
                                   lastFetched: lastApplied, batchLimit: settings.fetchBatchLimit)
        return [.send(to: source, .fetchOplog(request))] + scheduleFetch(after: electionTimeout / 2)
    }

    /// As a sync source: entries after the requester's last optime, or where it diverged; with
    /// nothing new the request waits (awaitData) until entries arrive or the next heartbeat tick.
    public mutating func onFetchRequest(_ request: FetchRequest, now: Instant) -> [MemberDirective] {
        var directives: [MemberDirective] = []
        if request.term > term { directives += updateTerm(request.term, now: now, reason: "oplog fetch from \(request.requesterHost)") }
        let response = fetchResponse(for: request)
        // What a secondary asks for tells the primary how far it has applied (and, with every
        // write journaled here, made durable).
        if let i = peerIndex(request.requesterHost), response.divergedAfter == nil {
            peers[i].appliedOpTime = max(peers[i].appliedOpTime, request.lastFetched)
            peers[i].durableOpTime = max(peers[i].durableOpTime, request.lastFetched)
            directives += advanceCommitPoint(now: now)
        }
        if response.entries.isEmpty, response.divergedAfter == nil {
            parkedFetches.removeAll { $0.requesterHost == request.requesterHost }
            parkedFetches.append(request)
            return directives
        }
        return [.send(to: request.requesterHost, .oplogBatch(response))] + directives
    }

    func fetchResponse(for request: FetchRequest) -> FetchResponse {
        var response = FetchResponse(sourceHost: host, after: request.lastFetched, term: term, sourceState: state, entries: [],
                                     divergedAfter: nil, lastCommitted: commitPoint, sourceLastApplied: lastApplied)
        if request.lastFetched >= lastApplied, request.lastFetched != .null {
            // This source is not ahead of the requester: nothing to give, and no sign of divergence.
            return response
        }
        if request.lastFetched == .null || indexOf(request.lastFetched) != nil {
            let start = request.lastFetched == .null ? 0 : indexOf(request.lastFetched)! + 1
            response.entries = Array(durable.oplog[start..<min(durable.oplog.count, start + request.batchLimit)])
        } else if let common = request.recentOpTimes.reversed().first(where: { indexOf($0) != nil }) {
            // The requester has entries we do not: it must roll back to the newest one we share.
            response.divergedAfter = common
        } else if request.recentOpTimes.first.map({ $0 > (durable.oplog.first?.opTime ?? .null) }) ?? false {
            response.needOlderWindow = true
        } else {
            // Nothing in common at all: everything the requester has diverged.
            response.divergedAfter = .null
        }
        return response
    }

    func indexOf(_ opTime: OpTime) -> Int? {
        var low = 0, high = durable.oplog.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let probe = durable.oplog[mid].opTime
            if probe == opTime { return mid }
            if probe < opTime { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    /// A batch from the sync source: apply it, report our position, learn the commit point.
    public mutating func onOplogBatch(_ response: FetchResponse, now: Instant) -> [MemberDirective] {
        fetchInFlight = false
        var directives: [MemberDirective] = []
        if response.term > term { directives += updateTerm(response.term, now: now, reason: "oplog batch from \(response.sourceHost)") }
        guard state == .secondary || (state == .primary && catchUpTarget != nil) else { return directives }
        // A member that has moved to a newer term takes nothing from a source of an older one:
        // otherwise a deposed primary could count it towards a majority. Only a primary-elect
        // catching up adopts older entries, and they commit through its own new-term write.
        if response.term < term, state != .primary {
            return directives + scheduleFetch(after: settings.fetchIdleInterval)
        }
        guard response.after == lastApplied else {
            return directives + sendFetch(now: now)
        }
        if response.sourceState == .primary, response.term >= term { directives += heardFromPrimary(response.sourceHost, now: now) }
        if response.needOlderWindow {
            let end = min(probeEnd ?? durable.oplog.count, durable.oplog.count)
            probeEnd = max(0, end - 64)
            return directives + sendFetch(now: now)
        }
        probeEnd = nil
        if let common = response.divergedAfter {
            return directives + rollBack(to: common, source: response.sourceHost, now: now)
        }
        let fresh = response.entries.filter { $0.opTime > lastApplied }
        directives += appendToOplog(fresh)
        learnCommitPoint(response.lastCommitted)
        if state == .primary, let target = catchUpTarget, lastApplied >= target {
            return directives + finishTransitionToPrimary(now: now)
        }
        if !fresh.isEmpty, let primary = knownPrimary, primary != host {
            let update = PositionUpdate(memberHost: host, term: term, appliedOpTime: lastApplied, durableOpTime: lastApplied,
                                        configVersion: config?.version ?? -1)
            directives.append(.send(to: primary, .updatePosition(update)))
        }
        // The source holds an empty fetch until it has something, so ask again at once.
        return directives + sendFetch(now: now)
    }

    /// ROLLBACK: truncate after the common point, keep what was undone aside, rebuild the data.
    mutating func rollBack(to common: OpTime, source: String, now: Instant) -> [MemberDirective] {
        guard common >= commitPoint || common == .null else {
            return [.log("cannot roll back past the commit point \(commitPoint) (common point \(common))")]
        }
        guard common == .null || indexOf(common) != nil else {
            return [.log("common point \(common) from \(source) is not in this oplog; not rolling back")]
        }
        state = .rollback
        let keep = common == .null ? 0 : indexOf(common)! + 1
        let undone = Array(durable.oplog[keep...])
        durable.oplog.removeSubrange(keep...)
        var data = DataStore()
        for entry in durable.oplog { try? data.apply(entry) }
        durable.data = data
        durable.rollbacks.append(RollbackRecord(commonPoint: common, undone: undone))
        durable.rbid += 1
        state = .secondary
        topologyCounter += 1
        return [.persist(.rollback), .log("rolled back \(undone.count) oplog entries after \(common) to match \(source)")]
            + scheduleFetch(after: .zero)
    }

    /// A secondary advances its commit point to one its own oplog contains (log matching makes
    /// everything up to it the committed history).
    mutating func learnCommitPoint(_ point: OpTime) {
        guard point > commitPoint, point <= lastApplied, indexOf(point) != nil else { return }
        commitPoint = point
    }

    // MARK: Primary side

    /// `replSetUpdatePosition` from a secondary.
    public mutating func onUpdatePosition(_ update: PositionUpdate, now: Instant) -> [MemberDirective] {
        var directives: [MemberDirective] = []
        if update.term > term { directives += updateTerm(update.term, now: now, reason: "position update from \(update.memberHost)") }
        if let i = peerIndex(update.memberHost) {
            peers[i].appliedOpTime = max(peers[i].appliedOpTime, update.appliedOpTime)
            peers[i].durableOpTime = max(peers[i].durableOpTime, update.durableOpTime)
        }
        guard state == .primary else { return directives }
        return directives + advanceCommitPoint(now: now)
    }

    /// The newest optime durable on `writeMajorityCount` voters, if it is of this term.
    mutating func advanceCommitPoint(now: Instant) -> [MemberDirective] {
        guard state == .primary, writable, let config else { return [] }
        var durables: [OpTime] = selfConfig?.isVoter == true && !(selfConfig?.arbiterOnly ?? false) ? [lastApplied] : []
        for peer in peers {
            guard let m = config.member(host: peer.host), m.isVoter, !m.arbiterOnly else { continue }
            durables.append(peer.durableOpTime)
        }
        let needed = config.writeMajorityCount
        guard durables.count >= needed else { return [] }
        let candidate = durables.sorted(by: >)[needed - 1]
        guard candidate > commitPoint, candidate.t == term else { return resolveWaiters(now: now) }
        commitPoint = candidate
        return resolveWaiters(now: now)
    }

    /// Replies to writes whose write concern is now satisfied, in request order.
    mutating func resolveWaiters(now: Instant) -> [MemberDirective] {
        guard !waiters.isEmpty else { return [] }
        var directives: [MemberDirective] = []
        var remaining: [WriteWaiter] = []
        for waiter in waiters {
            if isSatisfied(waiter) { directives.append(.reply(waiter.request, waiter.reply)) } else { remaining.append(waiter) }
        }
        waiters = remaining
        directives += checkPendingStepDown(now: now)
        return directives
    }

    func isSatisfied(_ waiter: WriteWaiter) -> Bool {
        guard let n = waiter.members else { return commitPoint >= waiter.opTime }
        let holders = 1 + peers.filter { $0.durableOpTime >= waiter.opTime }.count
        return holders >= n
    }
}
