import BSON
import ReplicaSet

/// The decisions of Juju 1.20's peergrouper worker (`worker/peergrouper`, legacy-juju-ha.md §3):
/// the replica-set members and votes the state servers should have, the order in which vote
/// flags and the reconfig are written, when the next pass runs, which API addresses are
/// published, and whether a machine is the Mongo master. Everything here is a pure function of
/// its inputs: no IO, no clock, and no result depends on dictionary iteration order.
public enum Peergrouper {}

// MARK: - Inputs

extension Peergrouper {
    /// A state-server machine the worker tracks (one per id in `stateServers.machineids`).
    public struct Machine: Sendable, Equatable {
        public var id: String
        /// `Machine.WantsVote()`: the machine has `JobManageEnviron` and `novote == false`.
        public var wantsVote: Bool
        /// `mongo.SelectPeerHostPort`: the cloud-local "host:port" Mongo peers use; empty while
        /// the machine has no usable address.
        public var peerHostPort: String

        public init(id: String, wantsVote: Bool, peerHostPort: String) {
            self.id = id
            self.wantsVote = wantsVote
            self.peerHostPort = peerHostPort
        }
    }

    /// One member's entry of `replSetGetStatus`, reduced to what the peergrouper looks at.
    public struct MemberStatus: Sendable, Equatable {
        public var healthy: Bool
        public var state: MemberState

        public init(healthy: Bool, state: MemberState) {
            self.healthy = healthy
            self.state = state
        }

        /// `isReady`: only a healthy primary or secondary has caught up enough to be given a vote.
        public var isReady: Bool { healthy && (state == .primary || state == .secondary) }
    }
}

// MARK: - Machine order

extension Peergrouper {
    /// Juju sorts machines with Go's string `<` (`byId`), which compares bytes: "10" sorts
    /// before "9". The order decides which candidates win a vote, so it is kept exactly.
    public static func machineIdPrecedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func sortedMachineIds<S: Sequence>(_ ids: S) -> [String] where S.Element == String {
        ids.sorted(by: machineIdPrecedes)
    }
}

// MARK: - Reading replSetGetStatus

extension Peergrouper {
    /// The member statuses of a `replSetGetStatus` reply keyed by member `_id`. Like Juju's
    /// decoding, `health` may be a number (non-zero is healthy) or a boolean; a later entry for
    /// the same `_id` replaces an earlier one; state codes mongod never sends read as UNKNOWN.
    public static func memberStatuses(replSetGetStatus reply: Document) -> [Int: MemberStatus] {
        var statuses: [Int: MemberStatus] = [:]
        for element in reply["members"]?.arrayValue ?? [] {
            guard let entry = element.documentValue, let id = integer(entry["_id"]) else { continue }
            let code = integer(entry["state"]).map { Int($0) } ?? MemberState.unknown.rawValue
            statuses[Int(id)] = MemberStatus(
                healthy: truth(entry["health"]), state: MemberState(rawValue: code) ?? .unknown)
        }
        return statuses
    }

    private static func integer(_ value: BSON.Value?) -> Int64? {
        guard let value else { return nil }
        if let whole = value.int64Value { return whole }
        if let real = value.doubleValue, real.rounded(.towardZero) == real, abs(real) < 1e15 { return Int64(real) }
        return nil
    }

    private static func truth(_ value: BSON.Value?) -> Bool {
        guard let value else { return false }
        if let flag = value.boolValue { return flag }
        if let whole = value.int64Value { return whole != 0 }
        if let real = value.doubleValue { return real != 0 }
        return false
    }
}
