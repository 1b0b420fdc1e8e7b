import Foundation
import ModernJuju
import RaftCluster

/// go-dqlite's `app` run loop for one node (spec §4.3–§4.7), over the real cluster: it joins
/// with ADD, asks for a role on its first pass (`Assume`), adjusts roles while it leads
/// (`Adjust`) and hands its role over on shutdown (`Handover`). The decisions are the pure
/// ones of `ModernJuju.RolesChanges`; this type only gathers the state and sends the ASSIGNs.
public final class RoleManager {
    public let nodeID: UInt64
    public let address: String
    /// cluster.json: the addresses last seen in CLUSTER (go-dqlite's cluster.yaml).
    public let storePath: String
    /// The `join` flag file: present until the node has been ADDed.
    public let joinFlagPath: String
    public let config: RolesConfig
    public private(set) var ready = false
    /// The cluster's addresses as last seen (the store other clients of this agent use).
    public var knownAddresses: [String] { client.addresses }
    public var log: (String) -> Void = { _ in }
    private let client: DqliteClient

    public init(nodeID: UInt64, address: String, directory: String, initialCluster: [String], config: RolesConfig = RolesConfig()) {
        self.nodeID = nodeID
        self.address = address
        storePath = directory + "/cluster.json"
        joinFlagPath = directory + "/join"
        self.config = config
        let stored = (try? JSONDecoder().decode([String].self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/cluster.json"))))
        client = DqliteClient(addresses: stored ?? (initialCluster.isEmpty ? [address] : initialCluster), dialTimeout: 2,
                              clientID: nodeID)
    }

    /// Marks a brand-new node that must be ADDed on its first pass.
    public static func markJoining(directory: String) {
        FileManager.default.createFile(atPath: directory + "/join", contents: Data())
    }

    private var isJoining: Bool { FileManager.default.fileExists(atPath: joinFlagPath) }

    /// One pass of the run loop. Throws when no leader could be reached.
    public func pass() throws {
        let leader = try client.connectToLeader()
        defer { leader.close() }
        leader.timeout = 15
        if isJoining {
            do {
                try leader.add(id: nodeID, address: address)
                log("joined the Dqlite cluster through \(leader.address) as a spare")
            } catch DqliteError.failure(_, let message) where message.contains("already in use") {
                // An earlier attempt got through before we died.
            }
            try? FileManager.default.removeItem(atPath: joinFlagPath)
        }
        let cluster = try leader.cluster()
        if !cluster.isEmpty {
            client.setAddresses(cluster.map(\.address))
            try? JSONEncoder().encode(cluster.map(\.address)).write(to: URL(fileURLWithPath: storePath), options: .atomic)
        }
        let leaderID = try leader.leader().id
        var changes = RolesChanges(config: config, members: cluster.map { RolesChanges.Member(node: $0, metadata: probe($0.address)) })
        if !ready {
            for (i, assignment) in changes.maybePromoteOurselves(nodeID).enumerated() {
                do {
                    try leader.assign(id: assignment.nodeID, role: assignment.role)
                    log("assigned \(assignment.role) to node \(assignment.nodeID)")
                } catch where i > 0 {
                    // The extra promotion is best effort: the leader's next pass fixes it.
                }
            }
            ready = true
            return
        }
        guard leaderID == nodeID else { return }
        for _ in 0..<(4 * changes.size + 4) {
            guard let decision = changes.adjust(leader: nodeID) else { break }
            guard let chosen = assignFirst(decision, through: leader) else {
                log("could not assign role \(decision.role) to any node")
                break
            }
            changes = changes.applying(RoleAssignment(chosen, decision.role))
        }
    }

    /// ASSIGNs `decision.role` to the first candidate that accepts it.
    private func assignFirst(_ decision: RoleDecision, through leader: DqliteConnection) -> UInt64? {
        for candidate in decision.candidates {
            do {
                try leader.assign(id: candidate.id, role: decision.role)
                log("assigned \(decision.role) to node \(candidate.id)")
                return candidate.id
            } catch {
                log("assigning \(decision.role) to node \(candidate.id): \(error)")
            }
        }
        return nil
    }

    /// DESCRIBE straight to the node: its metadata when it answers within 2 s (online).
    func probe(_ address: String) -> NodeMetadata? {
        if address == self.address { return try? DqliteConnection(address: address, timeout: 2).describe() }
        guard let connection = try? DqliteConnection(address: address, timeout: 2) else { return nil }
        defer { connection.close() }
        return try? connection.describe()
    }

    /// `App.Handover` (spec §4.7), bounded by `timeout` seconds.
    public func handover(timeout: Double = 10) {
        let deadline = monotonicSeconds() + timeout
        guard let leader = try? client.connectToLeader() else { return log("handover: no leader reachable") }
        leader.timeout = max(1, min(10, timeout))
        defer { leader.close() }
        guard let cluster = try? leader.cluster() else { return }
        let changes = RolesChanges(config: config, members: cluster.map { RolesChanges.Member(node: $0, metadata: probe($0.address)) })
        var handedOver = false
        if let decision = changes.handover(nodeID) {
            handedOver = assignFirst(decision, through: leader) != nil
            if !handedOver { log("could not promote any online node to \(decision.role)") }
        }
        var current = leader
        if (try? leader.leader().id) == nodeID {
            let refreshed = (try? leader.cluster()) ?? cluster
            if let target = refreshed.first(where: { $0.id != nodeID && $0.role == .voter && probe($0.address) != nil }) {
                do {
                    try leader.transfer(to: target.id)
                    log("transferred leadership to node \(target.id)")
                    if let next = try? client.connectToLeader() { current = next }
                } catch {
                    log("leadership transfer: \(error)")
                }
            }
        }
        defer { if current !== leader { current.close() } }
        guard handedOver else { return }
        while monotonicSeconds() < deadline {
            do {
                try current.assign(id: nodeID, role: .spare)
                log("demoted ourselves to spare")
                return
            } catch {
                usleep(500_000)
                if let next = try? client.connectToLeader() { current = next }
            }
        }
        log("handover: demote ourselves timed out")
    }
}
