import BSON
import HACore

extension ReplicaSetMember {
    /// Election timeout plus a random offset in [0, 15 %) of it (`_getRandomizedElectionOffset`).
    mutating func resetElectionTimer(now: Instant) -> [MemberDirective] {
        let timeout = electionTimeout
        let offsetLimit = Int64(Double(timeout.microseconds) * settings.electionOffsetFraction)
        let offset = offsetLimit > 0 ? Interval(microseconds: Int64(rng.next() % UInt64(offsetLimit))) : .zero
        electionDeadline = now + timeout + offset
        // One timer is kept pending; when it fires early it re-arms itself for the deadline.
        guard !electionTimerPending else { return [] }
        electionTimerPending = true
        return [.schedule(.electionTimeout(generation: generation), after: timeout + offset)]
    }

    /// A secondary heard from a primary of at least its term: the election clock starts again.
    mutating func heardFromPrimary(_ primary: String, now: Instant) -> [MemberDirective] {
        guard state == .secondary || state == .arbiter else { return [] }
        return resetElectionTimer(now: now)
    }

    public mutating func onElectionTimer(generation g: Int, now: Instant) -> [MemberDirective] {
        guard g == generation else { return [] }
        electionTimerPending = false
        guard let deadline = electionDeadline, state == .secondary else { return [] }
        if now < deadline {
            electionTimerPending = true
            return [.schedule(.electionTimeout(generation: generation), after: deadline - now)]
        }
        if let reason = unelectableReason(now: now) {
            return [.log("not running for election: \(reason)")] + resetElectionTimer(now: now)
        }
        return startElection(now: now, skipDryRun: false, reason: "electionTimeout")
    }

    /// `_getMyUnelectableReason`: why this member cannot stand now, or nil.
    func unelectableReason(now: Instant) -> String? {
        guard let me = selfConfig else { return "not a member of the config" }
        if me.arbiterOnly { return "arbiter" }
        if me.priority <= 0 { return "member has zero priority" }
        if !me.isVoter { return "member is not a voter" }
        if let until = frozenUntil, now < until { return "stepdown or freeze period active" }
        if state != .secondary { return "not a secondary" }
        if lastApplied == .null { return "no data" }
        if !canSeeMajority(now: now) { return "can't see a majority of voters" }
        return nil
    }

    /// Dry run first (no term bump) unless `skipDryRun` (stepUp, handoff).
    mutating func startElection(now: Instant, skipDryRun: Bool, reason: String) -> [MemberDirective] {
        generation += 1
        electionTimerPending = false
        lastElectionReason = reason
        if skipDryRun { return startRealElection(now: now, reason: reason) }
        candidacy = Candidacy(dryRun: true, term: term, granted: [host], refused: [], skipDryRun: false, reason: reason)
        return [.log("starting an election dry run for term \(term + 1) (\(reason))")] + requestVotes(dryRun: true, now: now)
            + [.schedule(.electionRound(generation: generation), after: electionTimeout)] + tallyVotes(now: now)
    }

    mutating func startRealElection(now: Instant, reason: String) -> [MemberDirective] {
        durable.term += 1
        durable.lastVote = LastVote(term: term, candidateIndex: selfIndex)
        candidacy = Candidacy(dryRun: false, term: term, granted: [host], refused: [], skipDryRun: true, reason: reason)
        topologyCounter += 1
        return [.persist(.vote), .log("running for election in term \(term) (\(reason))")] + requestVotes(dryRun: false, now: now)
            + [.schedule(.electionRound(generation: generation), after: electionTimeout)] + tallyVotes(now: now)
    }

    var selfIndex: Int { config?.members.firstIndex { $0.host == host } ?? -1 }

    private func requestVotes(dryRun: Bool, now: Instant) -> [MemberDirective] {
        guard let config else { return [] }
        let request = VoteRequest(setName: config.setName, dryRun: dryRun, term: dryRun ? term : term, candidateIndex: selfIndex,
                                  candidateHost: host, configVersion: config.version, configTerm: config.term,
                                  lastAppliedOpTime: lastApplied)
        return config.members.filter { $0.host != host && $0.isVoter }.map { .send(to: $0.host, .requestVotes(request)) }
    }

    /// An election round that neither won nor lost in time is abandoned.
    public mutating func onElectionRoundTimer(generation g: Int, now: Instant) -> [MemberDirective] {
        guard g == generation else { return [] }
        if state == .primary, !writable {
            return [.log("catch-up timed out")] + finishTransitionToPrimary(now: now)
        }
        guard let c = candidacy, state == .secondary else { return [] }
        candidacy = nil
        return [.log("election for term \(c.dryRun ? c.term + 1 : c.term) timed out")] + resetElectionTimer(now: now)
    }

    /// `processReplSetRequestVotes`: the voter's rules, in MongoDB's order.
    public mutating func onRequestVotes(_ request: VoteRequest, now: Instant) -> [MemberDirective] {
        var directives: [MemberDirective] = []
        if !request.dryRun, request.term > term {
            directives += updateTerm(request.term, now: now, reason: "vote request from \(request.candidateHost)")
        }
        let refusal = voteRefusal(request, now: now)
        var response = VoteResponse(term: term, voteGranted: refusal == nil, reason: refusal ?? "", dryRun: request.dryRun,
                                    voterHost: host)
        if refusal == nil, !request.dryRun {
            // The vote is on disk before the reply leaves, so a restart cannot vote twice.
            durable.lastVote = LastVote(term: request.term, candidateIndex: request.candidateIndex)
            directives.append(.persist(.vote))
            directives += resetElectionTimer(now: now)
        }
        response.term = term
        lastVoteReason = refusal ?? "voted for \(request.candidateHost)"
        directives.append(.send(to: request.candidateHost, .voteResponse(response)))
        return directives
    }

    func voteRefusal(_ request: VoteRequest, now: Instant) -> String? {
        guard let config else { return "no config" }
        if request.term < term { return "candidate's term (\(request.term)) is lower than mine (\(term))" }
        if (request.configVersion, request.configTerm) < (config.version, config.term) {
            return "candidate's config with {version: \(request.configVersion), term: \(request.configTerm)} is older than mine with {version: \(config.version), term: \(config.term)}"
        }
        if request.setName != config.setName {
            return "candidate's set name (\(request.setName)) differs from mine (\(config.setName))"
        }
        if request.lastAppliedOpTime < lastApplied {
            return "candidate's data is staler than mine. candidate's last applied OpTime: \(request.lastAppliedOpTime), my last applied OpTime: \(lastApplied)"
        }
        if !request.dryRun, let vote = durable.lastVote, vote.term == request.term {
            return "already voted for another candidate (\(config.members.indices.contains(vote.candidateIndex) ? config.members[vote.candidateIndex].host : "?")) this term (\(vote.term))"
        }
        if selfConfig?.arbiterOnly == true, let primary = knownPrimary, primary != host,
           let p = config.member(host: primary), let candidate = config.member(host: request.candidateHost),
           p.priority >= candidate.priority {
            return "can see a healthy primary (\(primary)) of equal or greater priority"
        }
        return nil
    }

    public mutating func onVoteResponse(_ response: VoteResponse, now: Instant) -> [MemberDirective] {
        if response.term > term, !response.voteGranted || !response.dryRun {
            return updateTerm(response.term, now: now, reason: "vote response from \(response.voterHost)") + abandonCandidacy(now: now)
        }
        guard var c = candidacy, c.dryRun == response.dryRun, response.dryRun || response.term == c.term,
              !c.granted.contains(response.voterHost), !c.refused.contains(response.voterHost) else { return [] }
        if response.voteGranted { c.granted.append(response.voterHost) } else { c.refused.append(response.voterHost) }
        candidacy = c
        return tallyVotes(now: now)
    }

    private mutating func abandonCandidacy(now: Instant) -> [MemberDirective] {
        guard candidacy != nil else { return [] }
        candidacy = nil
        return state == .secondary ? resetElectionTimer(now: now) : []
    }

    /// Wins when the granted votes reach the majority; loses when that is no longer possible.
    private mutating func tallyVotes(now: Instant) -> [MemberDirective] {
        guard let c = candidacy, let config else { return [] }
        let needed = config.majorityVoteCount
        let voters = config.members.filter(\.isVoter).count
        if c.granted.count >= needed {
            candidacy = nil
            return c.dryRun ? startRealElection(now: now, reason: c.reason) : becomePrimary(now: now, votes: c.granted.count)
        }
        if voters - c.refused.count < needed {
            candidacy = nil
            return [.log("lost election \(c.dryRun ? "dry run" : "for term \(c.term)")")] + resetElectionTimer(now: now)
        }
        return []
    }

    /// Won: PRIMARY but not yet writable; catch up to the freshest optime seen, then write the no-op.
    private mutating func becomePrimary(now: Instant, votes: Int) -> [MemberDirective] {
        state = .primary
        writable = false
        electionDeadline = nil
        generation += 1
        topologyCounter += 1
        let target = peers.filter(\.health).map(\.appliedOpTime).max() ?? .null
        var directives: [MemberDirective] = [.log("election succeeded, assuming primary role in term \(term) with \(votes) votes")]
        if target > lastApplied, let source = peers.first(where: { $0.health && $0.appliedOpTime == target })?.host {
            catchUpTarget = target
            syncSource = source
            directives.append(.log("catching up to \(target) from \(source)"))
            directives += scheduleFetch(after: .zero)
            let catchUpMillis = config?.settings.catchUpTimeoutMillis ?? -1
            if catchUpMillis >= 0 { directives.append(.schedule(.electionRound(generation: generation), after: .milliseconds(Int64(catchUpMillis)))) }
            return directives
        }
        return directives + finishTransitionToPrimary(now: now)
    }

    /// During catch-up the target follows the heartbeats: the newest optime among the members
    /// this primary-elect can still see. Once none is ahead, catch-up is over.
    mutating func recheckCatchUp(now: Instant) -> [MemberDirective] {
        guard state == .primary, !writable, catchUpTarget != nil else { return [] }
        let visible = peers.filter(\.health)
        let target = visible.map(\.appliedOpTime).max() ?? .null
        guard target > lastApplied, let source = visible.first(where: { $0.appliedOpTime == target })?.host else {
            return [.log("caught up with every member it can see")] + finishTransitionToPrimary(now: now)
        }
        catchUpTarget = target
        syncSource = source
        return []
    }

    /// Catch-up done (or given up): the "new primary" no-op opens the term for writes.
    mutating func finishTransitionToPrimary(now: Instant) -> [MemberDirective] {
        guard state == .primary, !writable else { return [] }
        catchUpTarget = nil
        syncSource = nil
        let entry = stamp(op: .noop, ns: "", o: ["msg": .string("new primary")], o2: nil, now: now)
        electionTime = entry.ts
        var directives = appendToOplog([entry])
        writable = true
        topologyCounter += 1
        directives.append(.log("transition to PRIMARY complete; accepting writes"))
        directives.append(.schedule(.heartbeat, after: .zero))
        return directives + advanceCommitPoint(now: now)
    }

    /// Leaves PRIMARY: in-flight majority waits fail and this member cannot stand for a while.
    mutating func stepDown(now: Instant, reason: String, freeze: Interval? = nil) -> [MemberDirective] {
        guard state == .primary else { return [] }
        state = .secondary
        writable = false
        catchUpTarget = nil
        syncSource = nil
        topologyCounter += 1
        if let freeze { frozenUntil = now + freeze }
        var directives: [MemberDirective] = [.log("stepping down from primary: \(reason)")]
        for waiter in waiters.sorted(by: { $0.request < $1.request }) {
            var reply = waiter.reply
            reply.append("writeConcernError", .document([
                "code": .int32(189), "codeName": .string("PrimarySteppedDown"),
                "errmsg": .string("Primary stepped down while waiting for replication"),
                "errorLabels": .array([.string("RetryableWriteError")]),
            ]))
            directives.append(.reply(waiter.request, reply))
        }
        waiters.removeAll()
        if let pending = stepDownRequest {
            stepDownRequest = nil
            directives.append(.reply(pending.request, ["ok": .double(1)]))
        }
        return directives + resetElectionTimer(now: now) + scheduleFetch(after: settings.fetchIdleInterval)
    }

    /// A secondary that sees a primary of lower priority takes over after
    /// (priority rank + 1) × election timeout, if it is still fresh enough then.
    mutating func considerPriorityTakeover(primary: String, now: Instant) -> [MemberDirective] {
        guard state == .secondary, let config, let me = selfConfig, let p = config.member(host: primary),
              me.priority > p.priority, unelectableReason(now: now) == nil else { return [] }
        let rank = Int64(config.priorityRank(of: me.id))
        let delay = electionTimeout * (rank + 1)
        return [.schedule(.priorityTakeover(generation: generation), after: delay)]
    }

    public mutating func onPriorityTakeoverTimer(generation g: Int, now: Instant) -> [MemberDirective] {
        guard g == generation, state == .secondary, let config, let me = selfConfig,
              let primary = knownPrimary, let p = config.member(host: primary), me.priority > p.priority,
              unelectableReason(now: now) == nil, isFreshEnoughForTakeover(primary: primary) else { return [] }
        return startElection(now: now, skipDryRun: false, reason: "priorityTakeover")
    }

    /// Within `priorityTakeoverFreshnessWindowSeconds` of the primary's newest optime.
    func isFreshEnoughForTakeover(primary: String) -> Bool {
        guard let newest = peers.first(where: { $0.host == primary })?.appliedOpTime else { return false }
        if lastApplied >= newest { return true }
        return Int64(newest.ts.seconds) - Int64(lastApplied.ts.seconds) <= settings.takeoverFreshness.microseconds / 1_000_000
    }

    /// Election handoff: the old primary asked this member to run at once.
    public mutating func onStepUpRequest(term requestTerm: Term, now: Instant) -> [MemberDirective] {
        guard state == .secondary, unelectableReason(now: now) == nil else { return [] }
        return startElection(now: now, skipDryRun: true, reason: "stepUpRequestSkipDryRun")
    }
}

extension ReplicaSetMember {
    /// SIGTERM: operations waiting on this member are interrupted before the process exits.
    public mutating func onShutdown(now: Instant) -> [MemberDirective] {
        shuttingDown = true
        var directives: [MemberDirective] = [.log("shutting down")]
        let interrupted = CommandError.interruptedAtShutdown("interrupted at shutdown")
        for waiter in waiters.sorted(by: { $0.request < $1.request }) {
            directives.append(.reply(waiter.request, interrupted.reply(topologyVersion: topologyVersion)))
        }
        waiters.removeAll()
        if let pending = stepDownRequest {
            stepDownRequest = nil
            directives.append(.reply(pending.request, interrupted.reply(topologyVersion: topologyVersion)))
        }
        return directives
    }
}
