import BSON
import HACore
import XCTest
@testable import ReplicaSet

/// The replies drivers and the Juju layer read: fields, order, types and error codes.
final class MemberCommandTests: XCTestCase {
    typealias F = MemberFixture

    func test_helloOnAPrimaryHasDriverFieldsInMongodOrder() {
        var m = F.soloPrimary()
        let reply = F.replies(in: m.onCommand(F.request(["hello": .int32(1), "helloOk": .bool(true)]), now: F.t0)).first!
        XCTAssertEqual(reply.keys, ["topologyVersion", "hosts", "setName", "setVersion", "isWritablePrimary", "secondary", "primary",
                                    "me", "electionId", "lastWrite", "maxBsonObjectSize", "maxMessageSizeBytes", "maxWriteBatchSize",
                                    "localTime", "logicalSessionTimeoutMinutes", "connectionId", "minWireVersion", "maxWireVersion",
                                    "readOnly", "helloOk", "ok"])
        XCTAssertEqual(reply["hosts"], .array([.string(F.host(0))]))
        XCTAssertEqual(reply["isWritablePrimary"], .bool(true))
        XCTAssertEqual(reply["setVersion"], .int32(1))
        XCTAssertEqual(reply["electionId"], .objectID(ObjectID(hex: "7fffffff0000000000000001")!))
        XCTAssertEqual(reply["logicalSessionTimeoutMinutes"], .int32(30))
        XCTAssertEqual(reply["ok"], .double(1))
    }

    func test_legacyIsMasterAnswersWithIsmasterField() {
        var m = F.soloPrimary()
        let reply = F.replies(in: m.onCommand(F.request(["isMaster": .int32(1)]), now: F.t0)).first!
        XCTAssertEqual(reply["ismaster"], .bool(true))
        XCTAssertNil(reply["isWritablePrimary"])
        XCTAssertNil(reply["helloOk"], "helloOk only when asked")
    }

    func test_helloOnASecondaryNamesThePrimaryAndHasNoElectionId() {
        var m = F.member(1, F.config(3))
        F.hear(&m, from: [0: .primary, 2: .secondary])
        let reply = F.replies(in: m.onCommand(F.request(["hello": .int32(1)]), now: F.tE)).first!
        XCTAssertEqual(reply["secondary"], .bool(true))
        XCTAssertEqual(reply["isWritablePrimary"], .bool(false))
        XCTAssertEqual(reply["primary"], .string(F.host(0)))
        XCTAssertNil(reply["electionId"])
        XCTAssertEqual(reply["hosts"]?.arrayValue?.count, 3)
    }

    func test_helloWithoutAConfigIsAReplicaSetGhost() {
        var m = ReplicaSetMember(host: F.host(0), durable: DurableState(), seed: Seed(1), incarnation: 1)
        _ = m.onStart(now: F.t0)
        let reply = F.replies(in: m.onCommand(F.request(["hello": .int32(1)]), now: F.t0)).first!
        XCTAssertEqual(reply["isreplicaset"], .bool(true))
        XCTAssertEqual(reply["info"], .string("Does not have a valid replica set config"))
        XCTAssertNil(reply["setName"])
    }

    func test_topologyVersionCounterGrowsOnStateChange() {
        var m = F.member(1, F.config(3))
        let before = m.topologyCounter
        F.hear(&m, from: [0: .secondary, 2: .secondary])
        _ = m.onElectionTimer(generation: m.generation, now: F.tE)
        _ = m.onVoteResponse(VoteResponse(term: 1, voteGranted: true, reason: "", dryRun: true, voterHost: F.host(0)), now: F.tE)
        XCTAssertGreaterThan(m.topologyCounter, before)
    }

    func test_replSetGetStatusReportsMembersAndMajorities() {
        var m = F.member(0, F.config(3))
        F.hear(&m, from: [1: .secondary])
        let reply = F.replies(in: m.onCommand(F.request(["replSetGetStatus": .int32(1)]), now: F.tE + .seconds(15))).first!
        XCTAssertEqual(reply["set"], .string("juju"))
        XCTAssertEqual(reply["myState"], .int32(2))
        XCTAssertEqual(reply["majorityVoteCount"], .int32(2))
        XCTAssertEqual(reply["writeMajorityCount"], .int32(2))
        XCTAssertEqual(reply["votingMembersCount"], .int32(3))
        let members = reply["members"]!.arrayValue!.compactMap(\.documentValue)
        XCTAssertEqual(members.map { $0["stateStr"] }, [.string("SECONDARY"), .string("SECONDARY"), .string("(not reachable/healthy)")])
        XCTAssertEqual(members[0]["self"], .bool(true))
        XCTAssertEqual(members[2]["health"], .double(0))
        XCTAssertEqual(members[2]["optime"]?.documentValue?["t"], .int64(-1), "a DOWN member shows the null optime")
    }

    func test_replSetGetStatusWithoutConfigIsNotYetInitialized() {
        var m = ReplicaSetMember(host: F.host(0), durable: DurableState(), seed: Seed(1), incarnation: 1)
        let reply = F.replies(in: m.onCommand(F.request(["replSetGetStatus": .int32(1)]), now: F.t0)).first!
        XCTAssertEqual(reply["code"], .int32(94))
        XCTAssertEqual(reply["ok"], .double(0))
    }

    func test_replSetGetConfigReturnsTheConfigDocument() {
        var m = F.soloPrimary()
        let reply = F.replies(in: m.onCommand(F.request(["replSetGetConfig": .int32(1)]), now: F.t0)).first!
        XCTAssertEqual(reply.keys, ["config", "ok"])
        XCTAssertEqual(reply["config"]?.documentValue?["_id"], .string("juju"))
        XCTAssertEqual(reply["config"]?.documentValue?["protocolVersion"], .int64(1))
    }

    func test_secondInitiateIsAlreadyInitialized() {
        var m = F.soloPrimary()
        let initiate: Document = ["replSetInitiate": .document(["_id": .string("juju"), "version": .int32(1), "members": .array([])])]
        let reply = F.replies(in: m.onCommand(F.request(initiate), now: F.t0)).first!
        XCTAssertEqual(reply["code"], .int32(23))
        XCTAssertEqual(reply["codeName"], .string("AlreadyInitialized"))
    }

    func test_initiateWithoutThisHostIsNodeNotFound() {
        var m = ReplicaSetMember(host: F.host(0), durable: DurableState(), seed: Seed(1), incarnation: 1)
        let initiate: Document = ["replSetInitiate": .document(["_id": .string("juju"), "version": .int32(1),
                                  "members": .array([.document(["_id": .int32(1), "host": .string(F.host(5))])])])]
        let reply = F.replies(in: m.onCommand(F.request(initiate), now: F.t0)).first!
        XCTAssertEqual(reply["code"], .int32(74))
    }

    func test_reconfigOnASecondaryIsNotWritablePrimary() {
        var m = F.member(1, F.config(3))
        var doc = F.config(3).document
        doc["version"] = .int32(2)
        let reply = F.replies(in: m.onCommand(F.request(["replSetReconfig": .document(doc)]), now: F.t0)).first!
        XCTAssertEqual(reply["code"], .int32(10107))
        XCTAssertEqual(reply["errmsg"], .string(
            "New config is rejected :: caused by :: replSetReconfig should only be run on a writable PRIMARY. Current state SECONDARY;"))
    }

    func test_reconfigAddingAnEighthVoterIsRefusedButANonVoterIsAccepted() {
        var m = F.soloPrimary()
        let seven = (0..<7).map { i -> Value in .document(["_id": .int32(Int32(i + 1)), "host": .string(F.host(i))]) }
        var eight = seven + [.document(["_id": .int32(8), "host": .string(F.host(7))])]
        let refused = F.replies(in: m.onCommand(F.request(["replSetReconfig": .document(["_id": .string("juju"), "version": .int32(2),
                                "members": .array(eight)]), "force": .bool(true)]), now: F.t0)).first!
        XCTAssertEqual(refused["code"], .int32(2))
        eight[7] = .document(["_id": .int32(8), "host": .string(F.host(7)), "votes": .int32(0), "priority": .int32(0)])
        let accepted = F.replies(in: m.onCommand(F.request(["replSetReconfig": .document(["_id": .string("juju"), "version": .int32(2),
                                 "members": .array(eight)]), "force": .bool(true)]), now: F.t0)).first!
        XCTAssertEqual(accepted["ok"], .double(1))
        XCTAssertEqual(m.config?.members.count, 8)
        XCTAssertEqual(m.config?.votingMembersCount, 7)
    }

    func test_reconfigBeforeTheCurrentConfigIsCommittedIsRefused() {
        var m = F.member(0, F.config(3), term: 2)
        F.hear(&m, from: [1: .secondary, 2: .secondary])
        _ = m.onElectionTimer(generation: m.generation, now: F.tE)
        _ = m.onVoteResponse(VoteResponse(term: 2, voteGranted: true, reason: "", dryRun: true, voterHost: F.host(1)), now: F.tE)
        _ = m.onVoteResponse(VoteResponse(term: 3, voteGranted: true, reason: "", dryRun: false, voterHost: F.host(1)), now: F.tE)
        XCTAssertTrue(m.isWritablePrimary)
        var doc = F.config(3).document
        doc["version"] = .int32(2)
        // Peers reported config version 1 term 0; this primary runs version 1 with the same term, so it is committed.
        let ok = F.replies(in: m.onCommand(F.request(["replSetReconfig": .document(doc)]), now: F.tE)).first!
        XCTAssertEqual(ok["ok"], .double(1))
        doc["version"] = .int32(3)
        let refused = F.replies(in: m.onCommand(F.request(["replSetReconfig": .document(doc)]), now: F.tE)).first!
        XCTAssertEqual(refused["code"], .int32(308), "nobody has version 2 yet")
    }

    func test_writeOnASecondaryIsNotWritablePrimaryWithRetryableLabel() {
        var m = F.member(1, F.config(3))
        let insert: Document = ["insert": .string("ops"), "documents": .array([.document(["_id": .int32(1)])])]
        let reply = F.replies(in: m.onCommand(F.request(insert, db: "test"), now: F.t0)).first!
        XCTAssertEqual(reply["code"], .int32(10107))
        XCTAssertEqual(reply["codeName"], .string("NotWritablePrimary"))
        XCTAssertEqual(reply["errorLabels"], .array([.string("RetryableWriteError")]))
        XCTAssertNotNil(reply["topologyVersion"], "state-change errors carry the topology version")
    }

    func test_readOnASecondaryNeedsSecondaryOk() {
        var m = F.member(1, F.config(3))
        let find: Document = ["find": .string("ops"), "filter": .document([:])]
        let refused = F.replies(in: m.onCommand(F.request(find, db: "test"), now: F.t0)).first!
        XCTAssertEqual(refused["code"], .int32(13435))
        let allowed = F.replies(in: m.onCommand(F.request(find, db: "test", secondaryOk: true), now: F.t0)).first!
        XCTAssertEqual(allowed["ok"], .double(1))
    }

    func test_freezeOnAPrimaryIsNotSecondary() {
        var m = F.soloPrimary()
        let reply = F.replies(in: m.onCommand(F.request(["replSetFreeze": .int32(10)]), now: F.t0)).first!
        XCTAssertEqual(reply["code"], .int32(95))
        XCTAssertEqual(reply["errmsg"], .string("Cannot freeze node when primary or running for election. state: Primary"))
    }

    func test_freezeForOneSecondWarns() {
        var m = F.member(1, F.config(3))
        let reply = F.replies(in: m.onCommand(F.request(["replSetFreeze": .int32(1)]), now: F.t0)).first!
        XCTAssertEqual(reply["warning"], .string("you really want to freeze for only 1 second?"))
    }

    func test_insertFindUpdateDeleteCountOnASoloPrimary() {
        var m = F.soloPrimary()
        func run(_ c: Document) -> Document { F.replies(in: m.onCommand(F.request(c, db: "juju"), now: F.t0)).first! }
        let inserted = run(["insert": .string("machines"), "documents": .array([.document(["_id": .string("0"), "jobs": .array([.int32(1), .int32(2)])]),
                                                                                .document(["_id": .string("1"), "jobs": .array([.int32(1)])])])])
        XCTAssertEqual(inserted["n"], .int32(2))
        XCTAssertEqual(inserted["ok"], .double(1))
        let updated = run(["update": .string("machines"), "updates": .array([.document(["q": .document(["_id": .string("1")]),
                           "u": .document(["$set": .document(["hasvote": .bool(true)])])])])])
        XCTAssertEqual(updated["nModified"], .int32(1))
        let found = run(["find": .string("machines"), "filter": .document(["jobs": .int32(2)])])
        let batch = found["cursor"]?.documentValue?["firstBatch"]?.arrayValue
        XCTAssertEqual(batch?.count, 1)
        XCTAssertEqual(run(["count": .string("machines")])["n"], .int32(2))
        XCTAssertEqual(run(["delete": .string("machines"), "deletes": .array([.document(["q": .document(["_id": .string("0")]), "limit": .int32(1)])])])["n"], .int32(1))
        XCTAssertEqual(run(["count": .string("machines")])["n"], .int32(1))
        XCTAssertEqual(m.durable.oplog.filter { $0.ns == "juju.machines" }.count, 4, "two inserts, an update and a delete")
    }

    func test_pingBuildInfoAndEndSessionsAnswerOk() {
        var m = F.soloPrimary()
        for name in ["ping", "buildInfo", "endSessions"] {
            let reply = F.replies(in: m.onCommand(F.request([name: .int32(1)]), now: F.t0)).first!
            XCTAssertEqual(reply["ok"], .double(1), name)
        }
        let unknown = F.replies(in: m.onCommand(F.request(["frobnicate": .int32(1)]), now: F.t0)).first!
        XCTAssertEqual(unknown["code"], .int32(59))
        XCTAssertEqual(unknown["errmsg"], .string("no such command: 'frobnicate'"))
    }

    func test_majorityWriteWithWtimeoutReportsWriteConcernTimeout() {
        var m = F.member(0, F.config(3), term: 2)
        F.hear(&m, from: [1: .secondary, 2: .secondary])
        _ = m.onElectionTimer(generation: m.generation, now: F.tE)
        _ = m.onVoteResponse(VoteResponse(term: 2, voteGranted: true, reason: "", dryRun: true, voterHost: F.host(1)), now: F.tE)
        _ = m.onVoteResponse(VoteResponse(term: 3, voteGranted: true, reason: "", dryRun: false, voterHost: F.host(1)), now: F.tE)
        let insert: Document = ["insert": .string("ops"), "documents": .array([.document(["_id": .int32(1)])]),
                                "writeConcern": .document(["w": .string("majority"), "wtimeout": .int32(500)])]
        let directives = m.onCommand(F.request(insert, db: "test"), now: F.tE)
        XCTAssertTrue(directives.contains(.schedule(.writeConcernTimeout(request: ClientRequestID(client: 1, sequence: 1)), after: .milliseconds(500))))
        let reply = F.replies(in: m.onWriteConcernTimer(request: ClientRequestID(client: 1, sequence: 1), now: F.tE + .milliseconds(500))).first!
        XCTAssertEqual(reply["n"], .int32(1), "the write happened on the primary")
        XCTAssertEqual(reply["writeConcernError"]?.documentValue?["code"], .int32(64))
    }

    func test_wGreaterThanDataBearingMembersIsUnsatisfiable() {
        var m = F.soloPrimary()
        let insert: Document = ["insert": .string("ops"), "documents": .array([.document(["_id": .int32(1)])]),
                                "writeConcern": .document(["w": .int32(3)])]
        let reply = F.replies(in: m.onCommand(F.request(insert, db: "test"), now: F.t0)).first!
        XCTAssertEqual(reply["code"], .int32(100))
        XCTAssertEqual(reply["errmsg"], .string("Not enough data-bearing nodes"))
    }

    func test_commandsDuringShutdownGetShutdownInProgress() {
        var m = F.soloPrimary()
        _ = m.onShutdown(now: F.t0)
        let reply = F.replies(in: m.onCommand(F.request(["ping": .int32(1)]), now: F.t0)).first!
        XCTAssertEqual(reply["code"], .int32(91))
        XCTAssertEqual(reply["codeName"], .string("ShutdownInProgress"))
        XCTAssertEqual(reply["errorLabels"], .array([.string("RetryableWriteError")]))
    }

    func test_stepUpOnAnElectableSecondaryStartsAnElectionWithoutDryRun() {
        var m = F.member(1, F.config(3))
        F.hear(&m, from: [0: .secondary, 2: .secondary])
        let directives = m.onCommand(F.request(["replSetStepUp": .int32(1)]), now: F.tE)
        XCTAssertEqual(F.replies(in: directives), [["ok": .double(1)]])
        XCTAssertTrue(directives.contains { if case .send(_, .requestVotes(let r)) = $0 { return !r.dryRun } else { return false } })
        XCTAssertEqual(m.term, 2)
    }

    func test_stepUpOnAPrimaryIsNotSecondary() {
        var m = F.soloPrimary()
        let reply = F.replies(in: m.onCommand(F.request(["replSetStepUp": .int32(1)]), now: F.t0)).first!
        XCTAssertEqual(reply["code"], .int32(95))
    }
}
