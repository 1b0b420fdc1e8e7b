import BSON
import HACore

extension ReplicaSetMember {
    /// `replSetGetStatus` in the shape of MongoDB 5.0–8.x (spec §2.3).
    func replSetGetStatus(now: Instant) -> Document {
        guard let config, state != .removed else {
            return CommandError.notYetInitialized("no replset config has been received").reply(topologyVersion: topologyVersion)
        }
        let date = wallMillis(now)
        var doc: Document = [
            "set": .string(config.setName), "date": .datetime(date), "myState": .int32(Int32(state.rawValue)),
            "term": .int64(term),
        ]
        if let source = syncSource {
            doc.append("syncSourceHost", .string(source))
            doc.append("syncSourceId", .int32(Int32(config.member(host: source)?.id ?? -1)))
        } else {
            doc.append("syncSourceHost", .string(""))
            doc.append("syncSourceId", .int32(-1))
        }
        doc.append("heartbeatIntervalMillis", .int64(Int64(config.settings.heartbeatIntervalMillis)))
        doc.append("majorityVoteCount", .int32(Int32(config.majorityVoteCount)))
        doc.append("writeMajorityCount", .int32(Int32(config.writeMajorityCount)))
        doc.append("votingMembersCount", .int32(Int32(config.votingMembersCount)))
        doc.append("writableVotingMembersCount", .int32(Int32(config.writableVotingMembersCount)))
        doc.append("optimes", .document([
            "lastCommittedOpTime": .document(commitPoint.document), "lastCommittedWallTime": .datetime(wallOf(commitPoint)),
            "readConcernMajorityOpTime": .document(commitPoint.document),
            "appliedOpTime": .document(lastApplied.document), "durableOpTime": .document(lastApplied.document),
            "lastAppliedWallTime": .datetime(wallOf(lastApplied)), "lastDurableWallTime": .datetime(wallOf(lastApplied)),
        ]))
        if state == .primary {
            doc.append("electionCandidateMetrics", .document([
                "lastElectionReason": .string(lastElectionReason), "electionTerm": .int64(term),
                "numVotesNeeded": .int32(Int32(config.majorityVoteCount)),
                "priorityAtElection": .double(selfConfig?.priority ?? 0),
                "electionTimeoutMillis": .int64(Int64(config.settings.electionTimeoutMillis)),
            ]))
        } else if let vote = durable.lastVote {
            doc.append("electionParticipantMetrics", .document([
                "votedForCandidate": .bool(true), "electionTerm": .int64(vote.term),
                "electionCandidateMemberId": .int32(Int32(config.members.indices.contains(vote.candidateIndex) ? config.members[vote.candidateIndex].id : -1)),
                "voteReason": .string(lastVoteReason),
            ]))
        }
        doc.append("members", .array(config.members.map { .document(memberStatus($0, now: now)) }))
        doc.append("ok", .double(1))
        return doc
    }

    private func memberStatus(_ m: MemberConfig, now: Instant) -> Document {
        if m.host == host {
            var doc: Document = [
                "_id": .int32(Int32(m.id)), "name": .string(host), "health": .double(1),
                "state": .int32(Int32(state.rawValue)), "stateStr": .string(state.stateStr),
                "uptime": .int32(Int32(clamping: (now - startedAt).microseconds / 1_000_000)),
                "optime": .document(lastApplied.document), "optimeDate": .datetime(wallOf(lastApplied)),
                "lastAppliedWallTime": .datetime(wallOf(lastApplied)), "lastDurableWallTime": .datetime(wallOf(lastApplied)),
                "syncSourceHost": .string(syncSource ?? ""), "syncSourceId": .int32(-1), "infoMessage": .string(""),
            ]
            if state == .primary, let electionTime {
                doc.append("electionTime", .timestamp(electionTime))
                doc.append("electionDate", .datetime(Int64(electionTime.seconds) * 1_000))
            }
            doc.append("configVersion", .int32(Int32(config?.version ?? -1)))
            doc.append("configTerm", .int64(config?.term ?? -1))
            doc.append("self", .bool(true))
            doc.append("lastHeartbeatMessage", .string(""))
            return doc
        }
        let peer = peers.first { $0.host == m.host } ?? PeerInfo(host: m.host)
        let up = peer.health
        let optime = up ? peer.appliedOpTime : .null
        var doc: Document = [
            "_id": .int32(Int32(m.id)), "name": .string(m.host), "health": .double(up ? 1 : 0),
            "state": .int32(Int32((up ? peer.state : .down).rawValue)), "stateStr": .string((up ? peer.state : .down).stateStr),
            "uptime": .int32(up ? Int32(clamping: (now - startedAt).microseconds / 1_000_000) : 0),
            "optime": .document(optime.document), "optimeDurable": .document((up ? peer.durableOpTime : .null).document),
            "optimeDate": .datetime(wallOf(optime)), "optimeDurableDate": .datetime(wallOf(up ? peer.durableOpTime : .null)),
            "lastHeartbeat": .datetime(peer.lastHeartbeat.map(wallMillis) ?? 0),
            "lastHeartbeatRecv": .datetime(peer.lastHeartbeatRecv.map(wallMillis) ?? 0),
            "pingMs": .int64(up ? 1 : 0),
            "lastHeartbeatMessage": .string(peer.lastHeartbeatMessage),
            "syncSourceHost": .string(peer.syncSource ?? ""), "syncSourceId": .int32(-1), "infoMessage": .string(""),
        ]
        if up, peer.state == .primary, let t = peer.electionTime {
            doc.append("electionTime", .timestamp(t))
            doc.append("electionDate", .datetime(Int64(t.seconds) * 1_000))
        }
        doc.append("configVersion", .int32(Int32(peer.configVersion)))
        doc.append("configTerm", .int64(peer.configTerm))
        return doc
    }

    /// Oplog timestamps count seconds since the Unix epoch, so an optime's date is its seconds.
    func wallOf(_ opTime: OpTime) -> Int64 { Int64(opTime.ts.seconds) * 1_000 }
}
