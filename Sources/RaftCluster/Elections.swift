import HACore

extension RaftNode {
    // MARK: Election timer

    /// `electionResetTimer`: a fresh timeout drawn from [T, 2T).
    mutating func resetElectionTimer(now: Instant, into out: inout [RaftDirective]) {
        let base = settings.electionTimeout
        randomizedElectionTimeout = rng.interval(in: base, base * 2 - .microseconds(1))
        restartElectionTimer(now: now, into: &out)
    }

    /// Restarts the current timeout from `now` (heard from the leader, granted a vote).
    mutating func restartElectionTimer(now: Instant, into out: inout [RaftDirective]) {
        electionTimerStart = now
        armElectionTimer(now: now, into: &out)
    }

    /// Makes sure the host holds a timer firing no later than the deadline.
    mutating func armElectionTimer(now: Instant, into out: inout [RaftDirective]) {
        let deadline = electionDeadline
        if let due = electionTimerDue, due <= deadline, due >= now { return }
        electionTimerDue = deadline
        out.append(.schedule(.election, after: deadline - now))
    }

    /// The election timer fired (`tickFollower`, `tickCandidate`).
    public mutating func onElectionTimeout(now: Instant) -> [RaftDirective] {
        if let due = electionTimerDue, now >= due { electionTimerDue = nil }
        var out: [RaftDirective] = []
        checkTransferExpired(now: now, into: &out)
        switch state {
        case .unavailable, .leader:
            break
        case .follower, .preCandidate, .candidate:
            if now < electionDeadline {
                armElectionTimer(now: now, into: &out)
            } else if state != .follower && !isVoter {
                convertToFollower(now: now, reason: "no longer a voter", into: &out)
            } else if state != .follower {
                out.append(.trace("election for term \(state == .preCandidate ? term + 1 : term) timed out"))
                electionStart(now: now, into: &out)
            } else if isVoter {
                // A voter that has not heard from a leader stands for election; stand-bys,
                // spares and nodes outside the configuration never do.
                convertToCandidate(now: now, disruptLeader: false, into: &out)
            } else {
                // Not heard from the leader for an election timeout: forget it, so that this
                // node no longer turns candidates away as "having a leader" (thesis §4.2.3).
                // Only visible with `nonVotersGrantVotes`: otherwise a non-voter refuses anyway.
                currentLeader = nil
                resetElectionTimer(now: now, into: &out)
            }
        }
        return finish(out)
    }

    // MARK: Candidacy

    /// `convertToCandidate`: pre-vote first unless disrupting on a TimeoutNow; a sole voter
    /// takes leadership at once.
    mutating func convertToCandidate(now: Instant, disruptLeader: Bool, into out: inout [RaftDirective]) {
        precondition(isVoter, "node \(id) is not a voter")
        currentLeader = nil
        self.disruptLeader = disruptLeader
        if configuration.voterCount == 1 {
            // C-raft keeps its term here; bumping it keeps "one leader per term" true even when
            // the configuration shrank back to this voter after others led in this term.
            bumpOwnTerm()
            state = .candidate
            convertToLeader(now: now, into: &out)
            return
        }
        state = (settings.preVote && !disruptLeader) ? .preCandidate : .candidate
        electionStart(now: now, into: &out)
    }

    private mutating func bumpOwnTerm() {
        durable.term += 1
        durable.votedFor = id
        durableChanged = true
    }

    /// `electionStart`: a real round bumps the term and votes for itself; both phases reset
    /// the timer and ask every other voter.
    mutating func electionStart(now: Instant, into out: inout [RaftDirective]) {
        let preVote = state == .preCandidate
        if !preVote { bumpOwnTerm() }
        resetElectionTimer(now: now, into: &out)
        votes = [id]
        out.append(.trace(preVote ? "pre-vote for term \(term + 1)" : "election for term \(term)"))
        let request = RaftMessage.RequestVote(term: preVote ? term + 1 : term, candidateID: id,
                                              lastLogIndex: durable.log.lastIndex, lastLogTerm: durable.log.lastTerm,
                                              disruptLeader: disruptLeader, preVote: preVote)
        for voter in configuration.voterIDs where voter != id {
            out.append(.send(to: voter, .requestVote(request)))
        }
    }

    // MARK: Voting

    /// `recvRequestVote`.
    mutating func onRequestVote(from sender: UInt64, _ request: RaftMessage.RequestVote, now: Instant,
                                into out: inout [RaftDirective]) {
        var granted = false
        // A node that hears from a leader does not let a candidate disrupt it (§4.2.3), unless
        // the leader itself asked for the election (TimeoutNow).
        let hasLeader = state == .leader || (state == .follower && currentLeader != nil)
        if !hasLeader || request.disruptLeader {
            if !request.preVote, request.term > term {
                bumpTerm(request.term, now: now, into: &out)
            }
            if request.term >= term {
                granted = grantsVote(request, now: now, into: &out)
            }
        }
        // A pre-vote answer carries the request's term, so a candidate does not ignore it when
        // this node is behind; when this node is ahead it carries its own term, so the
        // candidate catches up rather than asking forever (C-raft always echoes the request).
        let replyTerm = request.preVote ? max(request.term, term) : term
        out.append(.send(to: sender, .requestVoteResult(.init(term: replyTerm, voteGranted: granted,
                                                               preVote: request.preVote))))
    }

    /// `electionVote`: only voters vote (see `RaftSettings.nonVotersGrantVotes`); one vote per
    /// term; the candidate's log must be at least as up to date as ours.
    mutating func grantsVote(_ request: RaftMessage.RequestVote, now: Instant, into out: inout [RaftDirective]) -> Bool {
        guard isVoter || settings.nonVotersGrantVotes else { return false }
        let isTransferee = transfer?.target == request.candidateID
        if !request.preVote, let vote = durable.votedFor, vote != request.candidateID, !isTransferee { return false }
        guard durable.log.isAtMostAsUpToDate(asLastIndex: request.lastLogIndex, lastTerm: request.lastLogTerm) else {
            return false
        }
        if !request.preVote {
            setVote(request.candidateID)
            if state == .follower || state == .preCandidate || state == .candidate {
                restartElectionTimer(now: now, into: &out)
            }
        }
        return true
    }

    /// `recvRequestVoteResult`.
    mutating func onRequestVoteResult(from sender: UInt64, _ result: RaftMessage.RequestVoteResult, now: Instant,
                                      into out: inout [RaftDirective]) {
        guard configuration.isVoter(sender), state == .preCandidate || state == .candidate else { return }
        let inPreVote = state == .preCandidate
        guard result.preVote == inPreVote else { return }
        if inPreVote {
            // The request said term + 1; only a term beyond that is news.
            if result.term > term + 1 {
                bumpTerm(result.term, now: now, into: &out)
                return
            }
            if result.term < term + 1 { return }
        } else {
            if result.term > term {
                bumpTerm(result.term, now: now, into: &out)
                return
            }
            if result.term < term { return }
        }
        guard result.voteGranted, !votes.contains(sender) else { return }
        votes.append(sender)
        guard votes.count >= configuration.quorum else { return }
        if inPreVote {
            state = .candidate
            electionStart(now: now, into: &out)
        } else {
            convertToLeader(now: now, into: &out)
        }
    }

    // MARK: Leadership

    /// `convertToLeader`: fresh progress for every peer; a sole voter commits its whole log,
    /// otherwise a barrier entry lets the new leader commit what earlier terms left.
    mutating func convertToLeader(now: Instant, into out: inout [RaftDirective]) {
        precondition(state == .candidate)
        state = .leader
        currentLeader = nil
        votes = []
        leaderState = LeaderState(quorumCheckStart: now)
        rebuildProgress()
        out.append(.trace("leader in term \(term)"))
        heartbeatDue = now + settings.heartbeatTimeout
        out.append(.schedule(.heartbeat, after: settings.heartbeatTimeout))
        if configuration.voterCount == 1 && isVoter {
            if durable.log.lastIndex > commitIndex {
                commitIndex = durable.log.lastIndex
                applyCommitted(now: now, into: &out)
            }
        } else {
            _ = appendAsLeader(.barrier)
        }
        triggerAll(into: &out)
    }

    /// `recvTimeoutNow`: a voter whose log matches the leader's starts an election at once.
    mutating func onTimeoutNow(from sender: UInt64, _ message: RaftMessage.TimeoutNow, now: Instant,
                               into out: inout [RaftDirective]) {
        guard isVoter, message.term >= term else { return }
        if message.term > term { bumpTerm(message.term, now: now, into: &out) }
        guard state == .follower, durable.log.lastIndex == message.lastLogIndex,
              durable.log.lastTerm == message.lastLogTerm else { return }
        out.append(.trace("timeout-now from \(sender): standing at once"))
        convertToCandidate(now: now, disruptLeader: true, into: &out)
    }
}
