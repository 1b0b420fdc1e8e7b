/// A Dqlite node's role as go-dqlite and the wire protocol name it (spec §4.8).
/// The raw value is the wire code carried by ASSIGN, ADD and CLUSTER responses.
public enum DqliteRole: UInt64, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case voter = 0
    case standBy = 1
    case spare = 2

    public var wireCode: UInt64 { rawValue }

    /// Decodes a wire role the way libdqlite's `translateDqliteRole` does: an unknown code
    /// means voter, because old clients sent no role at all when adding voters.
    public init(wireCode: UInt64) {
        self = DqliteRole(rawValue: wireCode) ?? .voter
    }

    /// The raft library numbers roles differently (`RAFT_STANDBY=0, RAFT_VOTER=1,
    /// RAFT_SPARE=2`); kept here so nobody confuses the two encodings.
    public var raftCode: Int {
        switch self {
        case .standBy: return 0
        case .voter: return 1
        case .spare: return 2
        }
    }

    /// go-dqlite's `NodeRole.String()`.
    public var description: String {
        switch self {
        case .voter: return "voter"
        case .standBy: return "stand-by"
        case .spare: return "spare"
        }
    }

    public init?(name: String) {
        guard let role = DqliteRole.allCases.first(where: { $0.description == name }) else { return nil }
        self = role
    }
}

/// One entry of the cluster configuration (`client.NodeInfo`).
public struct DqliteNode: Hashable, Codable, Sendable, CustomStringConvertible {
    public var id: UInt64
    public var address: String
    public var role: DqliteRole

    public init(id: UInt64, address: String, role: DqliteRole) {
        self.id = id
        self.address = address
        self.role = role
    }

    public var description: String { "\(id)@\(address)(\(role))" }
}

/// What a DESCRIBE request returns (`client.NodeMetadata`). Only online nodes have it:
/// go-dqlite treats a failed probe as "offline" and keeps no metadata for the node.
public struct NodeMetadata: Hashable, Codable, Sendable {
    public var failureDomain: UInt64
    public var weight: UInt64

    public init(failureDomain: UInt64 = 0, weight: UInt64 = 0) {
        self.failureDomain = failureDomain
        self.weight = weight
    }
}

/// One ASSIGN request: give `nodeID` the role `role`.
public struct RoleAssignment: Hashable, Codable, Sendable, CustomStringConvertible {
    public var nodeID: UInt64
    public var role: DqliteRole

    public init(_ nodeID: UInt64, _ role: DqliteRole) {
        self.nodeID = nodeID
        self.role = role
    }

    public var description: String { "assign \(nodeID) \(role)" }
}
