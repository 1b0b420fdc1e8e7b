import BSON
import HACore
import ReplicaSet

/// World-level activities that belong to no machine.
public enum DriverEvent: Codable, Sendable, Equatable, CustomStringConvertible {
    case workloadTick
    case nemesisTick
    /// The modern flavor's Dqlite write workload.
    case dqliteWorkloadTick

    public var description: String {
        switch self {
        case .workloadTick: return "workload tick"
        case .nemesisTick: return "nemesis tick"
        case .dqliteWorkloadTick: return "dqlite workload tick"
        }
    }
}

/// A client inserting unique keys with `w: "majority"` into `test.ops`, one at a time, keeping a
/// history (Jepsen's set workload): which keys were acknowledged, refused, or left unknown.
public struct WorkloadClient: Codable, Sendable {
    public static let clientNumber = 900
    public static let namespace = (database: "test", collection: "ops")

    public var interval: Interval = .milliseconds(250)
    public var requestTimeout: Interval = .seconds(15)
    public var wtimeout: Interval = .seconds(5)
    public internal(set) var nextKey = 0
    public internal(set) var acknowledged: [Int] = []
    public internal(set) var refused = 0
    public internal(set) var unknown: [Int] = []
    var target: MachineID?
    var rotation = 0
    var inFlight: InFlight?
    var running = true

    struct InFlight: Codable, Sendable {
        var id: ClientRequestID
        var key: Int
        var sentAt: Instant
    }

    public init() {}

    /// The outcome of the request in flight; the next tick sends the next key.
    mutating func onResponse(_ response: ClientResponse, world: World) {
        guard let flight = inFlight, flight.id == response.id else { return }
        inFlight = nil
        let reply = response.reply
        let ok = reply["ok"]?.doubleValue == 1 || reply["ok"]?.int64Value == 1
        if ok, reply["writeConcernError"] == nil, reply["writeErrors"] == nil {
            acknowledged.append(flight.key)
        } else if ok {
            unknown.append(flight.key)
        } else {
            refused += 1
            target = nil
        }
    }
}

extension World {
    /// Starts the workload; ticks continue until `stopWorkload`.
    public mutating func startWorkload(_ client: WorkloadClient = WorkloadClient()) {
        workload = client
        queue.schedule(.driver(.workloadTick), at: now)
    }

    public mutating func stopWorkload() { workload?.running = false }

    mutating func workloadTick(trace: inout Trace) {
        guard var w = workload else { return }
        if let flight = w.inFlight, now - flight.sentAt >= w.requestTimeout {
            // No answer: the write may or may not have happened.
            w.unknown.append(flight.key)
            w.inFlight = nil
            w.target = nil
        }
        // A stopped workload sends nothing new but still settles the request it has in flight.
        guard w.running || w.inFlight != nil else {
            workload = w
            return
        }
        if w.inFlight == nil {
            let candidates = members.map(\.machine)
            if w.target == nil, !candidates.isEmpty {
                w.target = candidates[w.rotation % candidates.count]
                w.rotation += 1
            }
            if let target = w.target {
                let key = w.nextKey
                w.nextKey += 1
                let command: Document = [
                    "insert": .string(WorkloadClient.namespace.collection),
                    "documents": .array([.document(["_id": .int64(Int64(key)), "v": .int64(Int64(key))])]),
                    "writeConcern": .document(["w": .string("majority"), "wtimeout": .int64(w.wtimeout.microseconds / 1_000)]),
                ]
                workload = w
                let id = sendRequest(from: WorkloadClient.clientNumber, to: target, database: WorkloadClient.namespace.database,
                                     command: command, trace: &trace)
                w = workload!
                w.inFlight = .init(id: id, key: key, sentAt: now)
            }
        }
        workload = w
        queue.schedule(.driver(.workloadTick), at: now + w.interval)
    }

    mutating func drive(_ event: DriverEvent, trace: inout Trace) {
        switch event {
        case .workloadTick: workloadTick(trace: &trace)
        case .nemesisTick: nemesisTick(trace: &trace)
        case .dqliteWorkloadTick: dqliteWorkloadTick(trace: &trace)
        }
    }
}
