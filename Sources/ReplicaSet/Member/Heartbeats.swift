import BSON
import HACore

extension ReplicaSetMember {
    /// The process started: load the config from disk and begin heartbeating.
    public mutating func onStart(now: Instant) -> [MemberDirective] {
        startedAt = now
        guard let config else {
            state = .startup
            return [.log("no replica set config; waiting for replSetInitiate or a heartbeat")]
        }
        return install(config, now: now, reason: "loaded from disk")
    }

    /// Adopts `config`: sets this member's state and resets the peer table.
    mutating func install(_ config: ReplSetConfig, now: Instant, reason: String) -> [MemberDirective] {
        durable.config = config
        let previous = peers
        peers = config.members.filter { $0.host != host }.map { m in
            previous.first { $0.host == m.host } ?? PeerInfo(host: m.host)
        }
        topologyCounter += 1
        var directives: [MemberDirective] = [.persist(.config), .log("config version \(config.version) term \(config.term) installed (\(reason))")]
        guard let me = selfConfig else {
            if state == .primary { directives += stepDown(now: now, reason: "removed from the config") }
            state = .removed
            return directives
        }
        if state == .startup || state == .removed || state == .startup2 {
            state = me.arbiterOnly ? .arbiter : .secondary
            directives.append(.log("transition to \(state.stateStr)"))
            directives.append(.schedule(.heartbeat, after: .zero))
            directives += resetElectionTimer(now: now)
            directives += scheduleFetch(after: settings.fetchIdleInterval)
        } else if state == .primary, !me.isElectable {
            directives += stepDown(now: now, reason: "no longer electable in the new config")
        }
        return directives
    }

    /// Every heartbeat interval: heartbeat every peer, check liveness, schedule the next round.
    public mutating func onHeartbeatTimer(now: Instant) -> [MemberDirective] {
        guard let config, state != .removed || config.members.count > 0 else { return [] }
        var directives: [MemberDirective] = []
        markSilentPeersDown(now: now)
        if state == .primary, !canSeeMajority(now: now) {
            directives += stepDown(now: now, reason: "can't see a majority of the set, relinquishing primary")
        }
        directives += recheckCatchUp(now: now)
        let request = HeartbeatRequest(setName: config.setName, senderHost: host, senderID: selfConfig?.id,
                                       term: term, configVersion: config.version, configTerm: config.term)
        for i in peers.indices {
            peers[i].lastHeartbeat = now
            directives.append(.send(to: peers[i].host, .heartbeat(request)))
        }
        directives.append(.schedule(.heartbeat, after: heartbeatInterval))
        return directives + answerParkedFetches(now: now)
    }

    /// A peer's heartbeat: answer with our state; a newer term is adopted.
    public mutating func onHeartbeat(_ request: HeartbeatRequest, now: Instant) -> [MemberDirective] {
        var directives: [MemberDirective] = []
        if request.term > term { directives += updateTerm(request.term, now: now, reason: "heartbeat from \(request.senderHost)") }
        if let i = peerIndex(request.senderHost) { peers[i].lastHeartbeatRecv = now; peers[i].health = true }
        let config = self.config
        let sendConfig = config.flatMap { c in (c.version, c.term) > (request.configVersion, request.configTerm) || request.configVersion < 0 ? c : nil }
        let response = HeartbeatResponse(
            setName: config?.setName ?? request.setName, senderHost: host, state: state, term: term,
            appliedOpTime: lastApplied, durableOpTime: lastApplied,
            electionTime: state == .primary ? electionTime : nil, syncSource: syncSource,
            configVersion: config?.version ?? -2, configTerm: config?.term ?? -1, config: sendConfig,
            electable: unelectableReason(now: now) == nil, lastCommitted: commitPoint)
        directives.append(.send(to: request.senderHost, .heartbeatResponse(response)))
        // A member without the sender's config heartbeats it back to fetch that config.
        if (request.configVersion, request.configTerm) > (config?.version ?? -2, config?.term ?? -1) {
            let ask = HeartbeatRequest(setName: request.setName, senderHost: host, senderID: selfConfig?.id, term: term,
                                       configVersion: config?.version ?? -2, configTerm: config?.term ?? -1)
            directives.append(.send(to: request.senderHost, .heartbeat(ask)))
        }
        return directives
    }

    /// A peer answered our heartbeat.
    public mutating func onHeartbeatResponse(_ response: HeartbeatResponse, now: Instant) -> [MemberDirective] {
        var directives: [MemberDirective] = []
        if response.term > term { directives += updateTerm(response.term, now: now, reason: "heartbeat response from \(response.senderHost)") }
        if let newer = response.config, let current = config, newer.setName == current.setName,
           (newer.version, newer.term) > (current.version, current.term) {
            directives += install(newer, now: now, reason: "from heartbeat of \(response.senderHost)")
        } else if let newer = response.config, config == nil, newer.member(host: host) != nil {
            directives += install(newer, now: now, reason: "from heartbeat of \(response.senderHost)")
        }
        guard let i = peerIndex(response.senderHost) else { return directives }
        let wasDown = !peers[i].health
        peers[i].state = response.state
        peers[i].health = true
        peers[i].term = response.term
        peers[i].appliedOpTime = response.appliedOpTime
        peers[i].durableOpTime = response.durableOpTime
        peers[i].lastHeartbeatRecv = now
        peers[i].electionTime = response.electionTime
        peers[i].syncSource = response.syncSource
        peers[i].configVersion = response.configVersion
        peers[i].configTerm = response.configTerm
        peers[i].lastHeartbeatMessage = ""
        if wasDown { directives.append(.log("member \(response.senderHost) is now in state \(response.state.stateStr)")) }
        if response.state == .primary, response.term >= term {
            directives += heardFromPrimary(response.senderHost, now: now)
            directives += considerPriorityTakeover(primary: response.senderHost, now: now)
            learnCommitPoint(response.lastCommitted)
        }
        if state == .primary { directives += advanceCommitPoint(now: now) + recheckCatchUp(now: now) }
        return directives
    }

    /// Peers not heard from within the election timeout are DOWN.
    mutating func markSilentPeersDown(now: Instant) {
        for i in peers.indices where peers[i].health {
            let last = peers[i].lastHeartbeatRecv ?? startedAt
            if now - last >= electionTimeout {
                peers[i].health = false
                peers[i].state = .down
                peers[i].lastHeartbeatMessage = "no response within election timeout period"
            }
        }
    }

    /// Whether this member hears from a majority of voters (itself included).
    func canSeeMajority(now: Instant) -> Bool {
        guard let config else { return false }
        var seen = selfConfig?.isVoter == true ? 1 : 0
        for peer in peers where peer.health {
            if config.member(host: peer.host)?.isVoter == true,
               let last = peer.lastHeartbeatRecv, now - last < electionTimeout { seen += 1 }
        }
        return seen >= config.majorityVoteCount
    }

    func peerIndex(_ host: String) -> Int? { peers.firstIndex { $0.host == host } }

    /// The host this member believes is primary, if any.
    public var knownPrimary: String? {
        if state == .primary { return host }
        return peers.filter { $0.health && $0.state == .primary }.max { $0.term < $1.term }?.host
    }

    /// Adopts a newer term; a primary steps down.
    mutating func updateTerm(_ newTerm: Term, now: Instant, reason: String) -> [MemberDirective] {
        guard newTerm > term else { return [] }
        durable.term = newTerm
        var directives: [MemberDirective] = [.persist(.term)]
        if state == .primary { directives += stepDown(now: now, reason: "term \(newTerm) seen in \(reason)") }
        if let c = candidacy, c.term < newTerm { candidacy = nil }
        return directives
    }
}
