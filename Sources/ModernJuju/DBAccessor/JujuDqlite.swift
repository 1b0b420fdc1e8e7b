import HACore
import RaftCluster

/// loggo's levels, as Juju's workers log with them.
public enum JujuLogLevel: String, Codable, Sendable, Comparable, CaseIterable {
    case trace = "TRACE"
    case debug = "DEBUG"
    case info = "INFO"
    case warning = "WARNING"
    case error = "ERROR"
    case critical = "CRITICAL"

    private var severity: Int { JujuLogLevel.allCases.firstIndex(of: self)! }
    public static func < (a: JujuLogLevel, b: JujuLogLevel) -> Bool { a.severity < b.severity }
}

/// Constants and small pure pieces of Juju's Dqlite plumbing (spec §3.1–§3.3).
public enum JujuDqlite {
    /// `dqlitePort`.
    public static let port = 17666
    /// `dqliteBootstrapBindIP`.
    public static let bootstrapBindIP = "127.0.0.1"
    /// go-dqlite's `BootstrapID`: the id of the first node of a cluster created without `WithCluster`.
    public static let bootstrapID: UInt64 = 0x2dc1_7185_8c31_55be
    /// The controller database namespace.
    public static let controllerNamespace = "controller"
    /// `startDqliteNode` gives `Ready` this long.
    public static let readyTimeout: Interval = .minutes(1)
    /// `nodeShutdownTimeout`: the bound on a graceful handover.
    public static let nodeShutdownTimeout: Interval = .seconds(30)
    /// The controller id the bootstrap node records.
    public static let bootstrapControllerID = "0"

    /// `NodeManager.IsLoopbackBound`: an existing node whose cluster.yaml holds exactly one
    /// server, bound to the bootstrap loopback IP.
    public static func isLoopbackBound(extant: Bool, clusterServers: [DqliteNode]) -> Bool {
        extant && clusterServers.count == 1 && clusterServers[0].address.hasPrefix(bootstrapBindIP)
    }

    /// `controllernode` state `AddDqliteNode`: upsert this controller's node id (decimal text,
    /// because uint64 ids with the high bit set break the driver) and bind address, only while
    /// the controller node is alive.
    public static func upsertControllerNode(controllerID: String, nodeID: UInt64, bindAddress: String) -> SQLStatement {
        SQLStatement("""
            INSERT INTO controller_node (
                controller_id,
                dqlite_node_id,
                dqlite_bind_address
            ) VALUES (?, ?, ?)
            ON CONFLICT (controller_id) DO UPDATE SET
                dqlite_node_id = excluded.dqlite_node_id,
                dqlite_bind_address = excluded.dqlite_bind_address
            WHERE controller_node.life_id = 0
            """, [.text(controllerID), .text(String(nodeID)), .text(bindAddress)])
    }

    /// `bootstrap` warning when the NICs offer no single cloud-local address.
    public static let noUniqueCloudLocalAddress =
        "failed to determine a unique local-cloud address; falling back to 127.0.0.1 for Dqlite"

    /// `BootstrapDqlite`'s choice of bind address. With `preferLoopback` (CAAS, tests) the node
    /// binds `127.0.0.1:17666` without TLS. Otherwise (`WithPreferredCloudLocalAddressOption`)
    /// the NICs are enumerated, skipping loopback, `lxdbr0` and `docker0`; exactly one
    /// cloud-local address is bound, anything else falls back to loopback with a warning; TLS
    /// is configured either way. A loopback-bound node 0 is rebound by the dbaccessor when HA
    /// is entered; a cloud-local-bound one never needs to be.
    public static func bootstrap(preferLoopback: Bool, interfaces: [InterfaceAddress]) -> DqliteBootstrapPlan {
        if preferLoopback {
            return DqliteBootstrapPlan(bindIP: bootstrapBindIP, tls: false, logs: [])
        }
        let candidates = interfaces.filter { nic in
            guard !["lxdbr0", "docker0"].contains(nic.interface), nic.interface != "lo" else { return false }
            guard let ip = IPAddress(parsing: nic.address), !ip.isLoopback else { return false }
            return nic.scope == .cloudLocal
        }
        var unique: [String] = []
        for nic in candidates where !unique.contains(nic.address) { unique.append(nic.address) }
        if unique.count == 1 {
            return DqliteBootstrapPlan(bindIP: unique[0], tls: true, logs: [])
        }
        return DqliteBootstrapPlan(bindIP: bootstrapBindIP, tls: true, logs: [.init(.warning, noUniqueCloudLocalAddress)])
    }
}

/// An address on a local network interface (`net.Interfaces` as the bootstrap sees them).
public struct InterfaceAddress: Hashable, Codable, Sendable {
    public var interface: String
    public var address: String
    public var scope: AddressScope

    public init(interface: String, address: String, scope: AddressScope = .unknown) {
        self.interface = interface
        self.address = address
        self.scope = scope == .unknown ? AddressScope.derived(from: address) : scope
    }
}

/// A log line a Juju-side model emits.
public struct JujuLogLine: Hashable, Codable, Sendable, CustomStringConvertible {
    public var level: JujuLogLevel
    public var message: String

    public init(_ level: JujuLogLevel, _ message: String) {
        self.level = level
        self.message = message
    }

    public var description: String { "\(level.rawValue) \(message)" }
}

/// How the bootstrap node 0 starts: its bind address, TLS, its id, and the `controller_node`
/// row recorded for it.
public struct DqliteBootstrapPlan: Hashable, Sendable {
    public var bindIP: String
    public var tls: Bool
    public var logs: [JujuLogLine]

    public var bindAddress: String { JujuNet.joinHostPort(bindIP, JujuDqlite.port) }
    public var nodeID: UInt64 { JujuDqlite.bootstrapID }
    /// Whether node 0 will have to be rebound when a second controller appears.
    public var isLoopbackBound: Bool { bindIP == JujuDqlite.bootstrapBindIP }
    public var controllerNode: SQLStatement {
        JujuDqlite.upsertControllerNode(controllerID: JujuDqlite.bootstrapControllerID, nodeID: nodeID, bindAddress: bindIP)
    }
}
