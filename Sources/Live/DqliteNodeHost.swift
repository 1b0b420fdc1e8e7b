#if canImport(Glibc)
import Glibc
#endif
import CDqlite
import Foundation

/// Which peer addresses this process may reach. libdqlite's raft transport dials peers
/// through `dqlite_node_set_connect_func`; a cut address fails to dial, and the streams
/// already open to it are shut down (spec §5.4, DESIGN §1 "faults are real link cuts").
public final class LinkFilter: @unchecked Sendable {
    public static let shared = LinkFilter()

    private let lock = NSLock()
    private var blocked: Set<String> = []
    /// Raft streams dialled through the connect function, per peer address.
    private var streams: [String: [Int32]] = [:]
    /// The local address raft dials from (so peers see connections from our machine's IP).
    public var sourceAddress: String?

    public init() {}

    public var blockedHosts: [String] {
        lock.lock(); defer { lock.unlock() }
        return blocked.sorted()
    }

    /// Cuts every link to `hosts` (IP addresses, any port); new dials fail at once.
    public func block(_ hosts: [String]) {
        lock.lock()
        blocked.formUnion(hosts)
        var doomed: [Int32] = []
        for (address, fds) in streams where hosts.contains(Self.host(of: address)) {
            doomed += fds
            streams[address] = nil
        }
        lock.unlock()
        for fd in doomed { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    public func unblock(_ hosts: [String]?) {
        lock.lock(); defer { lock.unlock() }
        if let hosts { blocked.subtract(hosts) } else { blocked.removeAll() }
    }

    public func isBlocked(_ address: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return blocked.contains(Self.host(of: address))
    }

    static func host(of address: String) -> String { splitHostPort(address)?.host ?? address }

    /// The connect function's body: refuse a cut peer, else dial it (blocking is allowed:
    /// libdqlite calls it from a worker thread).
    func dial(_ address: String) -> Int32? {
        if isBlocked(address) { return nil }
        guard let fd = try? connectSocket(to: address, timeout: 2, from: sourceAddress) else { return nil }
        lock.lock()
        // Forget streams raft has closed since (their fds may have been reused).
        streams[address] = (streams[address] ?? []).filter { fcntl($0, F_GETFD) != -1 && $0 != fd } + [fd]
        lock.unlock()
        return fd
    }
}

private func liveConnect(_ arg: UnsafeMutableRawPointer?, _ address: UnsafePointer<CChar>?, _ fd: UnsafeMutablePointer<Int32>?) -> Int32 {
    guard let address, let fd else { return 1 }
    guard let dialled = LinkFilter.shared.dial(String(cString: address)) else { return 1 }
    fd.pointee = dialled
    return 0
}

public struct DqliteNodeError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// One libdqlite node in this process: create, bind, start, stop, destroy (spec §5.4).
public final class DqliteNodeHost {
    public let id: UInt64
    public let address: String
    public let dataDirectory: String
    private var node: OpaquePointer?
    public private(set) var running = false

    /// Peers that are killed close their sockets under us: never let SIGPIPE end the process.
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// libdqlite's version number (`dqlite_version_number`).
    public static var versionNumber: Int { Int(dqlite_version_number()) }

    /// Creates the node; `address` is `host:port` and also what it binds.
    public init(id: UInt64, address: String, dataDirectory: String, networkLatencyMs: UInt32? = nil,
                failureDomain: UInt64? = nil, routeThroughLinkFilter: Bool = true) throws {
        Self.ignoreSIGPIPE()
        self.id = id
        self.address = address
        self.dataDirectory = dataDirectory
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let created = try Self.create(id: id, address: address, dataDirectory: dataDirectory)
        node = created
        try check(dqlite_node_set_bind_address(created, address), "dqlite_node_set_bind_address \(address)")
        if routeThroughLinkFilter {
            try check(dqlite_node_set_connect_func(created, liveConnect, nil), "dqlite_node_set_connect_func")
        }
        if let networkLatencyMs {
            try check(dqlite_node_set_network_latency_ms(created, networkLatencyMs), "dqlite_node_set_network_latency_ms")
        }
        if let failureDomain {
            try check(dqlite_node_set_failure_domain(created, failureDomain), "dqlite_node_set_failure_domain")
        }
    }

    /// `dqlite_node_create`; a node that failed to be created is destroyed with its message.
    private static func create(id: UInt64, address: String, dataDirectory: String) throws -> OpaquePointer {
        var created: OpaquePointer?
        let rc = dqlite_node_create(dqlite_node_id(id), address, dataDirectory, &created)
        guard rc == 0, let created else {
            let message = created.map { String(cString: dqlite_node_errmsg($0)) } ?? "rc \(rc)"
            if let created { dqlite_node_destroy(created) }
            throw DqliteNodeError(message: "dqlite_node_create: \(message)")
        }
        return created
    }

    private func check(_ rc: Int32, _ what: String) throws {
        guard rc == 0 else {
            var message = node.map { String(cString: dqlite_node_errmsg($0)) } ?? ""
            // libdqlite binds in set_bind_address and says nothing when the address is taken.
            if message.isEmpty, what.hasPrefix("dqlite_node_set_bind_address") { message = "cannot listen there (address already in use?)" }
            throw DqliteNodeError(message: "\(what): \(message) (rc \(rc))")
        }
    }

    /// `dqlite_node_recover_ext` on the data directory of a node that is not running: its raft
    /// configuration becomes exactly `voters`, all with the voter role (spec §5.5, go-dqlite
    /// `ReconfigureMembershipExt`).
    public static func recover(id: UInt64, address: String, dataDirectory: String, voters: [(id: UInt64, address: String)]) throws {
        let created = try create(id: id, address: address, dataDirectory: dataDirectory)
        defer { dqlite_node_destroy(created) }
        let addresses = voters.map { strdup($0.address) }
        defer { for address in addresses { free(address) } }
        // DQLITE_NODE_INFO_EXT_SZ_ORIG (32 bytes); role 0 is voter.
        var infos = zip(voters, addresses).map { voter, address in
            dqlite_node_info_ext(size: 32, id: voter.id, address: UInt64(UInt(bitPattern: address)), dqlite_role: 0)
        }
        let result = dqlite_node_recover_ext(created, &infos, Int32(infos.count))
        guard result == 0 else {
            throw DqliteNodeError(message: "dqlite_node_recover_ext: \(String(cString: dqlite_node_errmsg(created))) (rc \(result))")
        }
    }

    public func start() throws {
        guard let node, !running else { return }
        try check(dqlite_node_start(node), "dqlite_node_start")
        running = true
    }

    /// Stops the node (closes its sockets, flushes raft); the object stays until `destroy`.
    public func stop() {
        guard let node, running else { return }
        _ = dqlite_node_stop(node)
        running = false
    }

    public func destroy() {
        stop()
        if let node { dqlite_node_destroy(node) }
        node = nil
    }

    deinit { destroy() }
}
