import HACore
import RaftCluster

/// A Dqlite client inserting unique keys into `controller_config` through the leader, one at a
/// time (Jepsen's set workload on the modern flavor). It asks a node for the leader (LEADER,
/// rotating through the controllers until one names a leader), sends EXEC_SQL there, and keeps
/// the history spec testing §A.1 asks for: acknowledged (RESULT, with the index the entry
/// committed at), refused (a definite FAILURE: the node was not the leader, nothing was
/// appended), unknown (no answer in time, or the leadership was lost after the entry was
/// appended: it may still commit).
public struct DqliteWorkload: Codable, Sendable {
    public static let clientNumber = 901
    public static let keyPrefix = "sweep-"

    public var interval: Interval = .milliseconds(250)
    public var requestTimeout: Interval = .seconds(15)
    public internal(set) var nextKey = 0
    public internal(set) var acknowledged: [Acknowledged] = []
    public internal(set) var refused: [Int] = []
    public internal(set) var unknown: [Int] = []
    var target: MachineID?
    var rotation = 0
    var inFlight: InFlight?
    var running = true

    /// A write the leader answered with RESULT: the statement committed at `index`.
    public struct Acknowledged: Codable, Sendable, Equatable {
        public var key: Int
        public var index: LogIndex
        /// The machine whose node answered.
        public var leader: MachineID
    }

    struct InFlight: Codable, Sendable {
        var id: DqliteRequestID
        /// The key of an EXEC_SQL; nil for a LEADER question.
        var key: Int?
        var to: MachineID
        var sentAt: Instant
    }

    public init() {}

    /// Whether a request is still waiting for its answer.
    public var isIdle: Bool { inFlight == nil }

    public static func key(_ n: Int) -> String { keyPrefix + String(n) }

    /// The write for key `n`.
    public static func statement(_ n: Int) -> SQLStatement {
        SQLStatement("INSERT INTO controller_config (key, value) VALUES (?, ?)", [.text(key(n)), .text(String(n))])
    }

    /// Reads back every key the workload may have written.
    public static let readBack = SQLStatement("SELECT key FROM controller_config WHERE key LIKE ?", [.text(keyPrefix + "%")])

    /// The answer to the request in flight; the next tick sends the next request.
    mutating func onAnswer(_ id: DqliteRequestID, _ answer: DqliteAnswer, leaderMachine: (UInt64) -> MachineID?) {
        guard let flight = inFlight, flight.id == id else { return }
        inFlight = nil
        guard let key = flight.key else {
            if case .reply(.server(let nodeID, _)) = answer, nodeID != 0 { target = leaderMachine(nodeID) }
            return
        }
        switch answer {
        case .result(let index, _, _), .reply(.result(let index)):
            acknowledged.append(Acknowledged(key: key, index: index, leader: flight.to))
        case .reply(.failure(let failure)) where failure.code == DqliteFailure.leadershipLostCode:
            // Appended, then the leader stepped down before it committed: a later leader may commit it.
            unknown.append(key)
            target = nil
        case .reply(.failure):
            refused.append(key)
            target = nil
        default:
            unknown.append(key)
            target = nil
        }
    }
}

extension World {
    /// Starts the Dqlite write workload; ticks continue until `stopDqliteWorkload`.
    public mutating func startDqliteWorkload(_ client: DqliteWorkload = DqliteWorkload()) {
        dqliteWorkload = client
        queue.schedule(.driver(.dqliteWorkloadTick), at: now)
    }

    public mutating func stopDqliteWorkload() { dqliteWorkload?.running = false }

    mutating func dqliteWorkloadTick(trace: inout Trace) {
        guard var w = dqliteWorkload else { return }
        if let flight = w.inFlight, now - flight.sentAt >= w.requestTimeout {
            // No answer: an EXEC may or may not have happened.
            if let key = flight.key { w.unknown.append(key) }
            w.inFlight = nil
            w.target = nil
        }
        // A stopped workload sends nothing new but still settles the request it has in flight.
        guard w.running || w.inFlight != nil else {
            dqliteWorkload = w
            return
        }
        if w.inFlight == nil {
            if let target = w.target {
                let key = w.nextKey
                w.nextKey += 1
                let id = sendDqliteRequest(from: DqliteWorkload.clientNumber, to: target, .execSQL(DqliteWorkload.statement(key)), trace: &trace)
                w.inFlight = .init(id: id, key: key, to: target, sentAt: now)
            } else if !dqliteNodes.isEmpty {
                let asked = dqliteNodes[w.rotation % dqliteNodes.count].machine
                w.rotation += 1
                let id = sendDqliteRequest(from: DqliteWorkload.clientNumber, to: asked, .leader, trace: &trace)
                w.inFlight = .init(id: id, key: nil, to: asked, sentAt: now)
            }
        }
        dqliteWorkload = w
        queue.schedule(.driver(.dqliteWorkloadTick), at: now + w.interval)
    }

    /// An answer for the workload's client; false when it is someone else's.
    mutating func receiveDqliteWorkloadAnswer(_ id: DqliteRequestID, _ answer: DqliteAnswer) -> Bool {
        guard id.client == Self.dqliteClientID(DqliteWorkload.clientNumber), var w = dqliteWorkload else { return false }
        w.onAnswer(id, answer) { self.machine(ofDqliteNode: $0) }
        dqliteWorkload = w
        return true
    }
}
