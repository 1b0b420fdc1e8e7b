/// A Raft configuration with Dqlite roles (C-raft's `struct raft_configuration`): who is in the
/// cluster, at which address, and whether it votes (voter), only replicates the log (stand-by)
/// or does neither (spare). Servers are kept sorted by id so that nothing ever depends on an
/// insertion or hashing order.
public struct RaftConfiguration: Codable, Sendable, Hashable, CustomStringConvertible {
    public private(set) var servers: [DqliteNode]

    public init(_ servers: [DqliteNode] = []) {
        self.servers = servers.sorted { $0.id < $1.id }
    }

    public static let empty = RaftConfiguration()

    public var isEmpty: Bool { servers.isEmpty }

    public func server(_ id: UInt64) -> DqliteNode? { servers.first { $0.id == id } }
    public func role(of id: UInt64) -> DqliteRole? { server(id)?.role }
    public func contains(_ id: UInt64) -> Bool { server(id) != nil }
    public func isVoter(_ id: UInt64) -> Bool { role(of: id) == .voter }

    public var voterIDs: [UInt64] { servers.filter { $0.role == .voter }.map(\.id) }
    public var voterCount: Int { servers.reduce(0) { $0 + ($1.role == .voter ? 1 : 0) } }
    /// Votes (or matching logs) needed among the voters: a strict majority.
    public var quorum: Int { voterCount / 2 + 1 }

    /// Voters and stand-bys receive the log; spares do not.
    public func replicates(to id: UInt64) -> Bool {
        guard let role = role(of: id) else { return false }
        return role != .spare
    }

    /// `raft_configuration_add`: a new server, refused when its id or address is taken.
    public func adding(id: UInt64, address: String, role: DqliteRole) -> Result<RaftConfiguration, DqliteFailure> {
        if id == 0 { return .failure(.badID) }
        if contains(id) { return .failure(.duplicateID) }
        if servers.contains(where: { $0.address == address }) { return .failure(.duplicateAddress) }
        return .success(RaftConfiguration(servers + [DqliteNode(id: id, address: address, role: role)]))
    }

    public func assigning(_ role: DqliteRole, to id: UInt64) -> RaftConfiguration {
        RaftConfiguration(servers.map { $0.id == id ? DqliteNode(id: $0.id, address: $0.address, role: role) : $0 })
    }

    public func removing(_ id: UInt64) -> RaftConfiguration {
        RaftConfiguration(servers.filter { $0.id != id })
    }

    public var description: String { "[" + servers.map(\.description).joined(separator: " ") + "]" }
}
