import HACore

/// The leader's view of one peer (C-raft's `struct raft_progress`).
struct Progress: Codable, Sendable, Hashable {
    enum Mode: String, Codable, Sendable {
        /// One AppendEntries at a time until the peer's log is found to match.
        case probe
        /// The log matches: entries stream out and `nextIndex` moves ahead optimistically.
        case pipeline
    }

    var id: UInt64
    var nextIndex: LogIndex
    var matchIndex: LogIndex = 0
    var mode = Mode.probe
    /// Heard from since the last quorum check.
    var recentRecv = false
}

/// What only a leader holds; dropped when it steps down.
struct LeaderState: Codable, Sendable {
    /// Every other server of the configuration, spares included, sorted by id.
    var progress: [Progress] = []
    var quorumCheckStart: Instant
    var pendingExecs: [PendingExec] = []
    var pendingQueries: [PendingQuery] = []
    /// A configuration change appended and waiting to commit.
    var change: PendingChange?
    /// An ASSIGN to voter still catching its target up (no entry appended yet).
    var promotion: Promotion?

    init(quorumCheckStart: Instant) { self.quorumCheckStart = quorumCheckStart }

    func progressIndex(_ id: UInt64) -> Int? { progress.firstIndex { $0.id == id } }
}

extension RaftNode {
    /// A message from another node.
    public mutating func onMessage(from sender: UInt64, _ message: RaftMessage, now: Instant) -> [RaftDirective] {
        guard state != .unavailable else { return [] }
        var out: [RaftDirective] = []
        switch message {
        case .requestVote(let m): onRequestVote(from: sender, m, now: now, into: &out)
        case .requestVoteResult(let m): onRequestVoteResult(from: sender, m, now: now, into: &out)
        case .appendEntries(let m): onAppendEntries(from: sender, m, now: now, into: &out)
        case .appendEntriesResult(let m): onAppendEntriesResult(from: sender, m, now: now, into: &out)
        case .timeoutNow(let m): onTimeoutNow(from: sender, m, now: now, into: &out)
        }
        // `recvMessage`: a transfer completes once this node follows its target.
        if let transfer, state == .follower, currentLeader?.id == transfer.target {
            closeTransfer(into: &out)
        }
        return finish(out)
    }

    // MARK: Leader side

    /// Progress for every other server of the configuration, keeping what is known of those
    /// that receive the log. A spare's is started afresh: nothing is sent to it, so whatever was
    /// known may be stale by the time it replicates again (it may even have lost its disk).
    mutating func rebuildProgress() {
        guard var leader = leaderState else { return }
        let next = durable.log.lastIndex + 1
        leader.progress = configuration.servers.filter { $0.id != id }.map { server in
            let known = server.role == .spare ? nil : leader.progress.first { $0.id == server.id }
            return known ?? Progress(id: server.id, nextIndex: next)
        }
        leaderState = leader
    }

    /// Voters, stand-bys and a spare being promoted receive the log.
    func shouldReplicate(to peer: UInt64) -> Bool {
        configuration.replicates(to: peer) || leaderState?.promotion?.target == peer
    }

    /// `triggerAll` / `replicationHeartbeat`: an AppendEntries to every replicating peer.
    mutating func triggerAll(into out: inout [RaftDirective]) {
        guard let leader = leaderState else { return }
        for i in leader.progress.indices where shouldReplicate(to: leader.progress[i].id) {
            sendAppendEntries(progressAt: i, into: &out)
        }
    }

    /// New entries on the leader: peers in pipeline mode get them now, probing peers on their
    /// next answer or heartbeat.
    mutating func replicateNewEntries(into out: inout [RaftDirective]) {
        guard let leader = leaderState else { return }
        for i in leader.progress.indices where shouldReplicate(to: leader.progress[i].id) {
            let p = leader.progress[i]
            if p.mode == .pipeline, p.nextIndex <= durable.log.lastIndex {
                sendAppendEntries(progressAt: i, into: &out)
            }
        }
    }

    /// `sendAppendEntries`: entries from the peer's next index, with the entry before them.
    mutating func sendAppendEntries(progressAt i: Int, into out: inout [RaftDirective]) {
        guard var leader = leaderState else { return }
        var p = leader.progress[i]
        let prevIndex = p.nextIndex - 1
        guard let prevTerm = durable.log.term(at: prevIndex) else {
            preconditionFailure("leader \(id) has no entry \(prevIndex) for \(p.id)")
        }
        let entries = durable.log.entries(from: p.nextIndex, limit: settings.maxEntriesPerMessage)
        let message = RaftMessage.AppendEntries(term: term, leaderID: id, leaderAddress: address, prevLogIndex: prevIndex,
                                                prevLogTerm: prevTerm, entries: entries, leaderCommit: commitIndex)
        out.append(.send(to: p.id, .appendEntries(message)))
        if p.mode == .pipeline, let last = entries.last {
            p.nextIndex = last.index + 1
        }
        leader.progress[i] = p
        leaderState = leader
    }

    /// `recvAppendEntriesResult`.
    mutating func onAppendEntriesResult(from sender: UInt64, _ result: RaftMessage.AppendEntriesResult, now: Instant,
                                        into out: inout [RaftDirective]) {
        guard state == .leader else { return }
        if result.term > term {
            bumpTerm(result.term, now: now, into: &out)
            return
        }
        guard result.term == term, var leader = leaderState, let i = leader.progressIndex(sender) else { return }
        var p = leader.progress[i]
        p.recentRecv = true
        if let rejected = result.rejected {
            let retry = p.decrement(rejected: rejected, followerLastIndex: result.lastLogIndex)
            leader.progress[i] = p
            leaderState = leader
            if retry && shouldReplicate(to: sender) { sendAppendEntries(progressAt: i, into: &out) }
            return
        }
        if result.lastLogIndex > p.matchIndex { p.matchIndex = result.lastLogIndex }
        if p.mode == .probe {
            p.mode = .pipeline
            p.nextIndex = p.matchIndex + 1
        } else {
            p.nextIndex = max(p.nextIndex, p.matchIndex + 1)
        }
        leader.progress[i] = p
        leaderState = leader
        advanceCommitIndex(now: now, into: &out)
        guard state == .leader else { return }
        if leaderState?.promotion?.target == sender {
            updateCatchUpRound(now: now, into: &out)
        }
        if let transfer, transfer.target == sender, !transfer.timeoutNowSent, p.matchIndex == durable.log.lastIndex {
            sendTimeoutNow(into: &out)
        }
        if let j = leaderState?.progressIndex(sender), let q = leaderState?.progress[j], q.mode == .pipeline,
           q.nextIndex <= durable.log.lastIndex, shouldReplicate(to: sender) {
            sendAppendEntries(progressAt: j, into: &out)
        }
    }

    /// The largest index stored on a majority of voters; committed when it belongs to this
    /// term (§5.4.2: earlier terms' entries commit only through one of the current term).
    mutating func advanceCommitIndex(now: Instant, into out: inout [RaftDirective]) {
        guard state == .leader, let leader = leaderState else { return }
        let quorum = configuration.quorum
        var matches = leader.progress.filter { configuration.isVoter($0.id) }.map(\.matchIndex)
        if isVoter { matches.append(durable.log.lastIndex) }
        guard matches.count >= quorum else { return }
        matches.sort(by: >)
        let candidate = matches[quorum - 1]
        guard candidate > commitIndex, durable.log.term(at: candidate) == term else { return }
        commitIndex = candidate
        applyCommitted(now: now, into: &out)
    }

    /// The leader applied new entries: answer requests, settle a committed configuration change,
    /// and step down when the committed configuration no longer has it as a voter.
    mutating func leaderApplied(now: Instant, into out: inout [RaftDirective]) {
        answerAppliedRequests(into: &out)
        if let change = leaderState?.change, change.index <= durable.lastApplied {
            leaderState?.change = nil
            out.append(.trace("configuration \(configuration) committed at \(change.index)"))
            out.append(.reply(change.request, .empty))
        }
        if configurationIndex <= commitIndex, !isVoter {
            convertToFollower(now: now, reason: "no longer a voter", into: &out)
        }
    }

    /// `tickLeader`: step down without contact to a majority for an election timeout; send
    /// heartbeats; abort a promotion that is too slow.
    mutating func tickLeader(now: Instant, into out: inout [RaftDirective]) {
        guard var leader = leaderState else { return }
        if now - leader.quorumCheckStart >= settings.electionTimeout {
            var contacts = 1
            for i in leader.progress.indices {
                if leader.progress[i].recentRecv && configuration.isVoter(leader.progress[i].id) { contacts += 1 }
                leader.progress[i].recentRecv = false
            }
            leader.quorumCheckStart = now
            leaderState = leader
            if contacts <= configuration.voterCount / 2 {
                convertToFollower(now: now, reason: "unable to contact a majority of voters", into: &out)
                return
            }
        }
        triggerAll(into: &out)
        checkPromotionTimeout(now: now, into: &out)
    }

    /// `convertClearLeader`: every request waiting on this leader fails.
    mutating func failLeaderRequests(into out: inout [RaftDirective]) {
        guard let leader = leaderState else { return }
        for exec in leader.pendingExecs { out.append(.reply(exec.request, .failure(.execLeadershipLost))) }
        for query in leader.pendingQueries { out.append(.reply(query.request, .failure(.queryLeadershipLost))) }
        if let change = leader.change { out.append(.reply(change.request, .failure(.leadershipLost))) }
        if let promotion = leader.promotion { out.append(.reply(promotion.request, .failure(.leadershipLost))) }
        leaderState = nil
    }

    // MARK: Follower side

    /// `recvAppendEntries` and `replicationAppend`.
    mutating func onAppendEntries(from sender: UInt64, _ request: RaftMessage.AppendEntries, now: Instant,
                                  into out: inout [RaftDirective]) {
        func reply(rejected: LogIndex?, lastLogIndex: LogIndex) {
            out.append(.send(to: sender, .appendEntriesResult(.init(term: term, rejected: rejected, lastLogIndex: lastLogIndex))))
        }
        if request.term < term {
            reply(rejected: request.prevLogIndex, lastLogIndex: durable.log.lastIndex)
            return
        }
        if request.term > term {
            bumpTerm(request.term, now: now, into: &out)
        }
        precondition(state != .leader, "node \(id) leads term \(term) and received entries from \(sender) in the same term")
        if state != .follower {
            convertToFollower(now: now, reason: "leader \(sender) found in term \(term)", into: &out)
        }
        if currentLeader?.id != sender {
            currentLeader = KnownLeader(id: sender, address: request.leaderAddress)
        }
        restartElectionTimer(now: now, into: &out)

        guard let localPrevTerm = durable.log.term(at: request.prevLogIndex) else {
            reply(rejected: request.prevLogIndex, lastLogIndex: durable.log.lastIndex)
            return
        }
        guard localPrevTerm == request.prevLogTerm else {
            precondition(request.prevLogIndex > commitIndex, "node \(id): committed entry \(request.prevLogIndex) conflicts with leader \(sender)")
            reply(rejected: request.prevLogIndex, lastLogIndex: durable.log.lastIndex)
            return
        }
        for entry in request.entries {
            if let local = durable.log.term(at: entry.index) {
                if local == entry.term { continue }
                truncateLog(from: entry.index)
            }
            appendToLog(entry)
        }
        let lastNew = request.prevLogIndex + LogIndex(request.entries.count)
        let newCommit = min(request.leaderCommit, lastNew)
        if newCommit > commitIndex {
            commitIndex = newCommit
            applyCommitted(now: now, into: &out)
        }
        reply(rejected: nil, lastLogIndex: lastNew)
    }
}

extension Progress {
    /// `progressMaybeDecrement`: whether a refusal is current, and where to probe next.
    mutating func decrement(rejected: LogIndex, followerLastIndex: LogIndex) -> Bool {
        if mode == .pipeline {
            // Stale if the refused index is one already known to match.
            guard rejected > matchIndex else { return false }
            nextIndex = min(rejected, matchIndex + 1)
            mode = .probe
            return true
        }
        // While probing, only the answer to the latest probe counts.
        guard rejected == nextIndex - 1 else { return false }
        nextIndex = max(1, min(rejected, followerLastIndex + 1))
        return true
    }
}
