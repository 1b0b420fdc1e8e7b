import BSON
import HACore
import XCTest
@testable import ReplicaSet

/// Builds members with a config already on disk, so each test drives exactly one rule.
enum MemberFixture {
    static let t0 = Instant.zero + .seconds(100)
    /// Past every member's election deadline (10–11.5 s after start).
    static let tE = t0 + .seconds(12)

    static func host(_ i: Int) -> String { "127.0.0.\(10 + i):37017" }

    static func config(_ count: Int, priorities: [Double]? = nil, votes: [Int]? = nil, arbiters: Set<Int> = [], version: Int = 1) -> ReplSetConfig {
        let members = (0..<count).map { i in
            MemberConfig(id: i + 1, host: host(i), arbiterOnly: arbiters.contains(i),
                         priority: arbiters.contains(i) ? 0 : priorities?[i], votes: votes?[i] ?? 1)
        }
        return ReplSetConfig(setName: "juju", version: version, term: 0, members: members,
                             settings: ReplSetSettings(replicaSetId: ObjectID(hex: "5f0000000000000000000001")!))
    }

    static func entry(_ seconds: UInt32, term: Term, key: Int? = nil) -> OplogEntry {
        let o: Document = key.map { ["_id": .int64(Int64($0))] } ?? ["msg": .string("n")]
        return OplogEntry(ts: Timestamp(seconds: seconds, increment: 1), t: term, op: key == nil ? .noop : .insert,
                          ns: key == nil ? "" : "test.ops", o: o, wall: Int64(seconds) * 1_000)
    }

    /// A started member `i` of `config` with the given term and oplog.
    static func member(_ i: Int, _ config: ReplSetConfig, term: Term = 1, oplog: [OplogEntry] = [entry(1_402_000_000, term: 0)],
                       lastVote: LastVote? = nil) -> ReplicaSetMember {
        var durable = DurableState()
        durable.config = config
        durable.term = term
        durable.oplog = oplog
        durable.lastVote = lastVote
        for e in oplog { try? durable.data.apply(e) }
        var m = ReplicaSetMember(host: host(i), durable: durable, seed: Seed(7), incarnation: 1)
        _ = m.onStart(now: t0)
        return m
    }

    /// Makes `m` hear heartbeats from every peer in `states` (by member index) at `now`.
    static func hear(_ m: inout ReplicaSetMember, from states: [Int: MemberState], term: Term? = nil,
                     opTime: OpTime? = nil, now: Instant = tE) {
        for (i, state) in states.sorted(by: { $0.key < $1.key }) {
            let response = HeartbeatResponse(
                setName: "juju", senderHost: host(i), state: state, term: term ?? m.term,
                appliedOpTime: opTime ?? m.lastApplied, durableOpTime: opTime ?? m.lastApplied, electionTime: nil,
                syncSource: nil, configVersion: m.config!.version, configTerm: m.config!.term, config: nil,
                electable: true, lastCommitted: .null)
            _ = m.onHeartbeatResponse(response, now: now)
        }
    }

    static func voteRequest(_ candidate: Int, term: Term, dryRun: Bool = false, opTime: OpTime,
                            configVersion: Int = 1, setName: String = "juju") -> VoteRequest {
        VoteRequest(setName: setName, dryRun: dryRun, term: term, candidateIndex: candidate, candidateHost: host(candidate),
                    configVersion: configVersion, configTerm: 0, lastAppliedOpTime: opTime)
    }

    static func voteResponse(in directives: [MemberDirective]) -> VoteResponse? {
        for d in directives { if case .send(_, .voteResponse(let r)) = d { return r } }
        return nil
    }

    static func replies(in directives: [MemberDirective]) -> [Document] {
        directives.compactMap { if case .reply(_, let doc) = $0 { return doc } else { return nil } }
    }

    static func request(_ command: Document, db: String = "admin", client: Int = 1, seq: Int = 1, secondaryOk: Bool = false) -> ClientRequest {
        ClientRequest(id: ClientRequestID(client: client, sequence: seq), database: db, command: command, secondaryOk: secondaryOk)
    }

    /// A member of a one-member set that has elected itself and is writable.
    static func soloPrimary() -> ReplicaSetMember {
        var m = ReplicaSetMember(host: host(0), durable: DurableState(), seed: Seed(3), incarnation: 1)
        _ = m.onStart(now: t0)
        let initiate: Document = ["replSetInitiate": .document(["_id": .string("juju"), "version": .int32(1),
                                  "members": .array([.document(["_id": .int32(1), "host": .string(host(0))])])])]
        _ = m.onCommand(request(initiate), now: t0)
        XCTAssertTrue(m.isWritablePrimary, "a set of one elects itself at once")
        return m
    }
}
