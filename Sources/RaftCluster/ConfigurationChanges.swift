import HACore

/// A configuration entry appended for a client and waiting to commit.
struct PendingChange: Codable, Sendable, Hashable {
    var request: DqliteRequestID
    var index: LogIndex
}

/// An ASSIGN to voter whose target is being caught up in rounds (Raft thesis §4.2.1, C-raft
/// `membershipUpdateCatchUpRound`): each round ends when the target's match index reaches the
/// leader's last index as of the round's start.
struct Promotion: Codable, Sendable, Hashable {
    var request: DqliteRequestID
    var target: UInt64
    var round: Int
    var roundIndex: LogIndex
    var roundStart: Instant
}

/// A TRANSFER in progress (`struct raft_transfer`).
struct LeadershipTransfer: Codable, Sendable, Hashable {
    var request: DqliteRequestID
    var target: UInt64
    var start: Instant
    var timeoutNowSent = false
}

extension RaftNode {
    // MARK: One change at a time

    /// `membershipCanChangeConfiguration`, plus the fix for single-server changes (Ongaro,
    /// raft-dev 2015): a leader changes the configuration only once it committed an entry of
    /// its own term, which its barrier provides shortly after the election.
    func configurationChangeRefusal() -> DqliteFailure? {
        guard state == .leader, transfer == nil, let leader = leaderState else { return .raftNotLeader }
        if hasUncommittedConfiguration || leader.promotion != nil || leader.change != nil { return .configurationBusy }
        let soleVoter = isVoter && configuration.voterCount == 1
        if durable.log.term(at: commitIndex) != term && !soleVoter { return .configurationBusy }
        return nil
    }

    /// `clientChangeConfiguration`: the new configuration is appended and takes effect at once.
    mutating func appendConfiguration(_ new: RaftConfiguration, request: DqliteRequestID, now: Instant,
                                      into out: inout [RaftDirective]) {
        let index = appendAsLeader(.configuration(new))
        rebuildProgress()
        leaderState?.change = PendingChange(request: request, index: index)
        out.append(.trace("configuration \(new) appended at \(index)"))
        replicateNewEntries(into: &out)
        advanceCommitIndex(now: now, into: &out)
    }

    // MARK: ADD, ASSIGN, REMOVE

    /// `raft_add`: the new server joins as a spare.
    mutating func add(_ server: UInt64, address newAddress: String, request: DqliteRequestID, now: Instant,
                      into out: inout [RaftDirective]) {
        if let refusal = configurationChangeRefusal() {
            out.append(.reply(request, .failure(refusal)))
            return
        }
        switch configuration.adding(id: server, address: newAddress, role: .spare) {
        case .failure(let failure):
            out.append(.reply(request, .failure(failure)))
        case .success(let new):
            appendConfiguration(new, request: request, now: now, into: &out)
        }
    }

    /// `raft_assign`: a new role; a server becoming a voter is caught up first unless its log
    /// already matches the leader's.
    mutating func assign(_ role: DqliteRole, to server: UInt64, request: DqliteRequestID, now: Instant,
                         into out: inout [RaftDirective]) {
        if let refusal = configurationChangeRefusal() {
            out.append(.reply(request, .failure(refusal)))
            return
        }
        guard let current = configuration.server(server) else {
            out.append(.reply(request, .failure(.notFound)))
            return
        }
        // Already in that role; also (a guard C-raft lacks) never leave the cluster without a voter.
        if current.role == role || (current.role == .voter && configuration.voterCount == 1) {
            out.append(.reply(request, .failure(.badRole)))
            return
        }
        let match = server == id ? durable.log.lastIndex : (progress(of: server)?.matchIndex ?? 0)
        if role != .voter || match == durable.log.lastIndex {
            appendConfiguration(configuration.assigning(role, to: server), request: request, now: now, into: &out)
            return
        }
        leaderState?.promotion = Promotion(request: request, target: server, round: 1,
                                           roundIndex: durable.log.lastIndex, roundStart: now)
        out.append(.trace("catching up \(server) before it becomes a voter (round 1 to \(durable.log.lastIndex))"))
        if let i = leaderState?.progressIndex(server) {
            sendAppendEntries(progressAt: i, into: &out)
        }
    }

    /// `raft_remove`.
    mutating func remove(_ server: UInt64, request: DqliteRequestID, now: Instant, into out: inout [RaftDirective]) {
        if let refusal = configurationChangeRefusal() {
            out.append(.reply(request, .failure(refusal)))
            return
        }
        guard configuration.contains(server) else {
            out.append(.reply(request, .failure(.badID)))
            return
        }
        if configuration.isVoter(server) && configuration.voterCount == 1 {
            out.append(.reply(request, .failure(.badRole)))
            return
        }
        appendConfiguration(configuration.removing(server), request: request, now: now, into: &out)
    }

    // MARK: Catch-up rounds

    /// The promotee's match index moved: a finished round that was fast enough (or left it fully
    /// up to date) ends the catch-up and appends the voter configuration; a slow one starts
    /// another round towards the current last index.
    mutating func updateCatchUpRound(now: Instant, into out: inout [RaftDirective]) {
        guard var promotion = leaderState?.promotion, let match = progress(of: promotion.target)?.matchIndex,
              match >= promotion.roundIndex else { return }
        let upToDate = match == durable.log.lastIndex
        let fastEnough = now - promotion.roundStart < settings.electionTimeout
        if upToDate || fastEnough {
            leaderState?.promotion = nil
            out.append(.trace("\(promotion.target) caught up after \(promotion.round) round(s)"))
            appendConfiguration(configuration.assigning(.voter, to: promotion.target), request: promotion.request,
                                now: now, into: &out)
            return
        }
        promotion.round += 1
        promotion.roundIndex = durable.log.lastIndex
        promotion.roundStart = now
        leaderState?.promotion = promotion
    }

    /// `tickLeader`'s promotion watch: abort after the last round ran longer than an election
    /// timeout, or any round longer than the maximum round duration.
    mutating func checkPromotionTimeout(now: Instant, into out: inout [RaftDirective]) {
        guard let promotion = leaderState?.promotion else { return }
        let duration = now - promotion.roundStart
        let tooSlow = promotion.round >= settings.maxCatchUpRounds && duration > settings.electionTimeout
        let unresponsive = duration > settings.maxCatchUpRoundDuration
        guard tooSlow || unresponsive else { return }
        leaderState?.promotion = nil
        out.append(.trace("promotion of \(promotion.target) aborted in round \(promotion.round)"))
        out.append(.reply(promotion.request, .failure(.noConnection)))
    }

    // MARK: TRANSFER

    /// `raft_transfer`: TimeoutNow goes to the target once its log matches the leader's.
    mutating func transferLeadership(to server: UInt64, request: DqliteRequestID, now: Instant,
                                     into out: inout [RaftDirective]) {
        guard transfer == nil else {
            out.append(.reply(request, .failure(.raftNotLeader)))
            return
        }
        var target = server
        if target == 0 {
            // `clientSelectTransferee`: the first up-to-date voter, else the last voter seen.
            let voters = configuration.voterIDs.filter { $0 != id }
            guard let pick = voters.first(where: { progress(of: $0)?.matchIndex == durable.log.lastIndex }) ?? voters.last else {
                out.append(.reply(request, .failure(.notFound)))
                return
            }
            target = pick
        }
        guard target != id, configuration.isVoter(target) else {
            out.append(.reply(request, .failure(.badID)))
            return
        }
        transfer = LeadershipTransfer(request: request, target: target, start: now)
        out.append(.trace("transferring leadership to \(target)"))
        if progress(of: target)?.matchIndex == durable.log.lastIndex {
            sendTimeoutNow(into: &out)
        }
    }

    mutating func sendTimeoutNow(into out: inout [RaftDirective]) {
        guard var transfer else { return }
        transfer.timeoutNowSent = true
        self.transfer = transfer
        out.append(.send(to: transfer.target, .timeoutNow(.init(term: term, lastLogIndex: durable.log.lastIndex,
                                                                 lastLogTerm: durable.log.lastTerm))))
    }

    /// `raftTransferCb`: success if this node no longer leads.
    mutating func closeTransfer(into out: inout [RaftDirective]) {
        guard let closing = transfer else { return }
        transfer = nil
        out.append(.reply(closing.request, state == .leader ? .failure(.transferFailed) : .empty))
    }

    /// A transfer gives up after an election timeout (`tickCb`, whatever the state).
    mutating func checkTransferExpired(now: Instant, into out: inout [RaftDirective]) {
        guard let transfer, now - transfer.start >= settings.electionTimeout else { return }
        closeTransfer(into: &out)
    }
}
