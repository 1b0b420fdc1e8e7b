import HACore
import RaftCluster

/// One entry of controller.conf's `db-bind-addresses`: a controller id and the IP (no port)
/// its Dqlite node binds to.
public struct DBBindAddress: Hashable, Codable, Sendable {
    public var controllerID: MachineID
    public var ip: String

    public init(_ controllerID: MachineID, _ ip: String) {
        self.controllerID = controllerID
        self.ip = ip
    }

    /// Map input as a list in controller-id order, so nothing ever depends on hashing.
    public static func list(_ map: [MachineID: String]) -> [DBBindAddress] {
        map.map { DBBindAddress($0.key, $0.value) }.sorted { $0.controllerID < $1.controllerID }
    }
}

/// How the node is being started; the runtime builds the go-dqlite `app.New` options from it.
public struct DqliteStart: Hashable, Codable, Sendable {
    /// `WithAddress(ip:17666)`; nil for an existing node (the address comes from info.yaml).
    public var bindAddress: String?
    /// `WithCluster([peer:17666…])`, peers in controller-id order; empty: no such option.
    public var joinAddresses: [String]
    /// `WithTLS` with the controller certificate.
    public var tls: Bool
    /// Tags the readiness report and the timeout of this start, so stale ones are ignored.
    public var attempt: Int

    public init(bindAddress: String?, joinAddresses: [String], tls: Bool, attempt: Int) {
        self.bindAddress = bindAddress
        self.joinAddresses = joinAddresses
        self.tls = tls
        self.attempt = attempt
    }
}

/// What the dbaccessor asks its runtime to do, in order.
public enum DBAccessorDirective: Hashable, Sendable, CustomStringConvertible {
    case log(JujuLogLevel, String)
    /// `app.New(dataDir, options…)` then `Ready`; report `onNodeReady` or `onNodeFailed`.
    case startNode(DqliteStart)
    /// Fire `onReadyTimeout(attempt:)` after `after` unless the node became ready first.
    case scheduleReadyTimeout(after: Interval, attempt: Int)
    /// `app.Handover` bounded by `timeout` (the runtime logs
    /// `DBAccessorWorker.handoverFailed(_:)` if it fails), before `closeNode`.
    case handover(timeout: Interval)
    /// `app.Close()`.
    case closeNode
    /// Rebind the single loopback-bound server: keep the port from cluster.yaml, set its
    /// address to `ip:port`, recover the node with that one server as voter
    /// (`SetClusterServers` = `ReconfigureMembership`), rewrite info.yaml (`SetNodeInfo`).
    case rebind(to: String)
    /// The back-stop: `SetClusterToLocalNode` — recover with the info.yaml node as sole voter
    /// and rewrite cluster.yaml.
    case reconfigureAsSoleVoter
    /// `AddDqliteNode` on the controller database.
    case upsertControllerNode(controllerID: String, nodeID: UInt64, bindAddress: String, statement: SQLStatement)
    /// `close(dbReady)`: GetDB requests may now be served.
    case dbReady
    /// `dependency.ErrBounce`: the worker exits and is started again (a fresh value, `onStart`).
    case bounce
    /// The worker exits with an error; the dependency engine restarts it.
    case fail(String)

    public var description: String {
        switch self {
        case .log(let level, let message): return "log \(level.rawValue) \(message)"
        case .startNode(let s):
            return "start node bind=\(s.bindAddress ?? "info.yaml") join=\(s.joinAddresses) tls=\(s.tls) attempt=\(s.attempt)"
        case .scheduleReadyTimeout(let after, let attempt): return "ready timeout in \(after) (attempt \(attempt))"
        case .handover(let timeout): return "handover within \(timeout)"
        case .closeNode: return "close node"
        case .rebind(let ip): return "rebind to \(ip)"
        case .reconfigureAsSoleVoter: return "reconfigure as sole voter"
        case .upsertControllerNode(let id, let node, let address, _): return "upsert controller_node \(id) \(node) \(address)"
        case .dbReady: return "db ready"
        case .bounce: return "bounce"
        case .fail(let reason): return "fail: \(reason)"
        }
    }
}

/// Settings of the dbaccessor (spec §3.1, §3.3, §3.5).
public struct DBAccessorSettings: Hashable, Codable, Sendable {
    public var port = JujuDqlite.port
    public var readyTimeout = JujuDqlite.readyTimeout
    public var handoverTimeout = JujuDqlite.nodeShutdownTimeout
    /// `IsLoopbackPreferred` (CAAS controllers and tests): never cluster, always loopback.
    public var loopbackPreferred = false

    public init() {}
}

/// Juju's dbaccessor worker (4.x `internal/worker/dbaccessor/worker.go`, spec §3.2–§3.5) as a
/// value without IO. Disk facts come in with `onStart` (a bounced worker is a new value); the
/// cluster config is controller.conf's `db-bind-addresses`. Starting the node is asynchronous
/// here: Go blocks in `Ready` for up to a minute, the model waits for `onNodeReady` or
/// `onReadyTimeout`, queuing config changes meanwhile as the Go loop would.
public struct DBAccessorWorker: Hashable, Codable, Sendable {
    public enum Phase: Hashable, Codable, Sendable {
        /// Before `onStart`.
        case notStarted
        /// `app.New` issued, waiting for `Ready`.
        case starting(attempt: Int)
        /// No app (`dbApp == nil`): never started, or closed after a failed `Ready`.
        case idle
        /// Serving (`dbApp != nil` and ready).
        case running(nodeID: UInt64, address: String)
        /// Exited (bounced, failed or stopped); a restart is a new value.
        case stopped
    }

    /// What runs once the pending start has finished.
    enum AfterStart: Hashable, Codable, Sendable {
        /// The start-up `handleClusterConfigChange(false)`.
        case initialHandle
        /// Back to the event loop.
        case loop
    }

    enum Config: Hashable, Codable, Sendable {
        case addresses([DBBindAddress])
        case unreadable(String)
    }

    public let controllerID: MachineID
    public var settings: DBAccessorSettings
    public private(set) var phase: Phase = .notStarted
    /// `IsExistingNode`: the data dir holds anything (true once `app.New` has run).
    public private(set) var extant = false
    /// `IsLoopbackBound`, as last read from disk.
    public private(set) var loopbackBound = false
    var config: Config = .unreadable("not read yet")
    var afterStart: AfterStart = .loop
    /// A config change arrived while a start was pending (the watcher coalesces them).
    var changePending = false
    var attempt = 0
    var dbReadySignalled = false

    public init(controllerID: MachineID, settings: DBAccessorSettings = DBAccessorSettings()) {
        self.controllerID = controllerID
        self.settings = settings
    }

    /// Whether the node is up and serving.
    public var isRunning: Bool { if case .running = phase { return true } else { return false } }

    /// The latest `db-bind-addresses` the worker has read, in controller-id order.
    public var clusterConfig: [DBBindAddress]? {
        if case .addresses(let list) = config { return list }
        return nil
    }

    /// `handing off Dqlite responsibilities: %v`, for the runtime when a handover fails.
    public static func handoverFailed(_ error: String) -> String { "handing off Dqlite responsibilities: \(error)" }

    // MARK: - Inputs

    /// The worker starts. `extant` is `IsExistingNode`, `loopbackBound` `IsLoopbackBound`
    /// (see `JujuDqlite.isLoopbackBound`), `clusterConfig` controller.conf's map, nil with
    /// `configError` when it cannot be read.
    public mutating func onStart(extant: Bool, loopbackBound: Bool, clusterConfig: [MachineID: String]?,
                                 configError: String = "no db-bind-addresses") -> [DBAccessorDirective] {
        guard phase == .notStarted else { return [] }
        self.extant = extant
        self.loopbackBound = extant && loopbackBound
        config = clusterConfig.map { .addresses(DBBindAddress.list($0)) } ?? .unreadable(configError)
        phase = .idle
        if extant {
            return startExisting(then: .initialHandle)
        }
        var out = handleClusterConfigChange(fatal: false)
        out += drainPending()
        return out
    }

    /// The charm rewrote controller.conf (the `controlleragentconfig` watcher fired).
    public mutating func onClusterConfigChanged(_ addresses: [MachineID: String]) -> [DBAccessorDirective] {
        configChanged(.addresses(DBBindAddress.list(addresses)))
    }

    /// A change notification arrived but the file could not be read: fatal after start-up.
    public mutating func onClusterConfigUnreadable(_ reason: String) -> [DBAccessorDirective] {
        configChanged(.unreadable(reason))
    }

    /// `Ready` returned: the node serves as `nodeID` on `address` (`host:port`).
    public mutating func onNodeReady(nodeID: UInt64, address: String, attempt: Int) -> [DBAccessorDirective] {
        guard phase == .starting(attempt: attempt) else { return [] }
        phase = .running(nodeID: nodeID, address: address)
        let host = JujuNet.host(of: address) ?? address
        var out: [DBAccessorDirective] = [
            .log(.info, "serving Dqlite application (ID: \(nodeID))"),
            .upsertControllerNode(controllerID: controllerID.description, nodeID: nodeID, bindAddress: host,
                                  statement: JujuDqlite.upsertControllerNode(controllerID: controllerID.description,
                                                                            nodeID: nodeID, bindAddress: host)),
        ]
        if !dbReadySignalled {
            dbReadySignalled = true
            out.append(.dbReady)
        }
        out += continueAfterStart()
        return out
    }

    /// `Ready` hit its one-minute deadline: the app is closed and `dbApp` is nil again; the
    /// worker then waits for topology (config) updates.
    public mutating func onReadyTimeout(attempt: Int) -> [DBAccessorDirective] {
        guard phase == .starting(attempt: attempt) else { return [] }
        phase = .idle
        // Juju returns this as `errNotReady`, which `initialiseDqlite` swallows without logging;
        // it is logged at DEBUG here so traces show why the node is not serving.
        var out: [DBAccessorDirective] = [
            .closeNode,
            .log(.debug, "started DB app, but it failed to become ready; waiting for topology updates"),
        ]
        out += continueAfterStart()
        return out
    }

    /// `app.New` or `Ready` failed with anything but the deadline: the worker exits with it.
    public mutating func onNodeFailed(_ reason: String, attempt: Int) -> [DBAccessorDirective] {
        guard phase == .starting(attempt: attempt) else { return [] }
        return exit(.fail("ensuring Dqlite is ready to process changes: \(reason)"))
    }

    /// The agent stops the worker (catacomb dying): the deferred shutdown runs, with a handover
    /// unless the node is the loopback-bound single node.
    public mutating func onStop() -> [DBAccessorDirective] {
        guard phase != .stopped else { return [] }
        if phase == .notStarted {
            phase = .stopped
            return []
        }
        return exit(nil)
    }

    // MARK: - The Go loop, step by step

    private mutating func configChanged(_ new: Config) -> [DBAccessorDirective] {
        config = new
        switch phase {
        case .notStarted, .stopped:
            return []
        case .starting:
            changePending = true
            return []
        case .idle, .running:
            var out: [DBAccessorDirective] = [.log(.info, "controller configuration changed on disk")]
            out += handleClusterConfigChange(fatal: true)
            return out
        }
    }

    /// After a start completes: the start-up check if it was due, then one coalesced change.
    private mutating func continueAfterStart() -> [DBAccessorDirective] {
        var out: [DBAccessorDirective] = []
        if afterStart == .initialHandle {
            afterStart = .loop
            out += handleClusterConfigChange(fatal: false)
        }
        out += drainPending()
        return out
    }

    private mutating func drainPending() -> [DBAccessorDirective] {
        guard changePending, phase == .idle || isRunning else { return [] }
        changePending = false
        var out: [DBAccessorDirective] = [.log(.info, "controller configuration changed on disk")]
        out += handleClusterConfigChange(fatal: true)
        return out
    }

    /// `startExistingDqliteNode`.
    private mutating func startExisting(then next: AfterStart) -> [DBAccessorDirective] {
        if settings.loopbackPreferred {
            return [.log(.info, "Dqlite node is configured to bind to the loopback address")]
                + startNode(bindAddress: nil, join: [], tls: false, then: next)
        }
        return [.log(.info, "Dqlite node is configured to bind to a cloud-local address")]
            + startNode(bindAddress: nil, join: [], tls: !loopbackBound, then: next)
    }

    /// `startDqliteNode` up to the `Ready` wait.
    private mutating func startNode(bindAddress: String?, join: [String], tls: Bool, then next: AfterStart) -> [DBAccessorDirective] {
        attempt += 1
        afterStart = next
        phase = .starting(attempt: attempt)
        // `app.New` populates the data dir: from now on this is an existing node.
        extant = true
        return [
            .startNode(DqliteStart(bindAddress: bindAddress, joinAddresses: join, tls: tls, attempt: attempt)),
            .scheduleReadyTimeout(after: settings.readyTimeout, attempt: attempt),
        ]
    }

    /// `handleClusterConfigChange(noConfigIsFatal)`.
    private mutating func handleClusterConfigChange(fatal: Bool) -> [DBAccessorDirective] {
        let addresses: [DBBindAddress]
        switch config {
        case .unreadable(let reason):
            if fatal { return exit(.fail(reason)) }
            return [.log(.info, "unable to read cluster config at start-up; will await changes: \(reason)")]
        case .addresses(let list):
            addresses = list
        }
        var out: [DBAccessorDirective] = [.log(.info, "read cluster config: \(goMap(addresses))")]

        if settings.loopbackPreferred {
            if extant {
                if loopbackBound { return out }
                out.append(.log(.warning, "existing Dqlite node is not bound to loopback, but should be; restarting worker"))
            }
            return out + exit(.bounce)
        }

        let mine = addresses.first { $0.controllerID == controllerID }?.ip
        if extant {
            let serverCount = addresses.count
            if loopbackBound {
                if serverCount == 1 { return out }
                guard let ip = mine else {
                    return out + [.log(.info, "address for this Dqlite node to bind to not found")]
                }
                // rebindAddress: no handover — a single node has nobody to hand over to.
                out += shutdownNode(handover: false)
                out.append(.log(.info, "rebinding Dqlite node to \(ip)"))
                out.append(.rebind(to: ip))
                loopbackBound = false
                out.append(.log(.info, "successfully reconfigured Dqlite; restarting worker"))
                return out + exit(.bounce)
            }
            if isRunning { return out }
            if mine != nil && serverCount == 1 {
                out.append(.log(.warning, "reconfiguring Dqlite cluster with this node as the only member"))
                out.append(.reconfigureAsSoleVoter)
                out.append(.log(.info, "successfully reconfigured Dqlite; restarting worker"))
                return out + exit(.bounce)
            }
            out.append(.log(.info, "unable to reconcile current controller and Dqlite cluster status; reattempting node start-up"))
            return out + startExisting(then: .loop)
        }

        // joinNodeToCluster
        guard let ip = mine else {
            return out + [.log(.info, "address for this Dqlite node to bind to not found")]
        }
        let peers = addresses.filter { $0.controllerID != controllerID && !$0.ip.isEmpty }
            .map { JujuNet.joinHostPort($0.ip, settings.port) }
        guard !peers.isEmpty else {
            return out + [.log(.info, "no addresses available for this Dqlite node to join cluster")]
        }
        out.append(.log(.info, "joining Dqlite cluster"))
        return out + startNode(bindAddress: JujuNet.joinHostPort(ip, settings.port), join: peers, tls: true, then: .loop)
    }

    /// `shutdownDqlite(handover)`: the log line always, the rest only if an app exists.
    private mutating func shutdownNode(handover: Bool) -> [DBAccessorDirective] {
        var out: [DBAccessorDirective] = [.log(.info, "shutting down Dqlite node")]
        switch phase {
        case .starting, .running:
            if handover {
                out.append(.handover(timeout: settings.handoverTimeout))
            } else {
                out.append(.log(.info, "skipping Dqlite handover"))
            }
            out.append(.closeNode)
            phase = .idle
        case .notStarted, .idle, .stopped:
            break
        }
        return out
    }

    /// The loop returns: the deferred `shutdownDqlite(!IsLoopbackBound)`, then the exit itself
    /// (nil: a plain stop).
    private mutating func exit(_ how: DBAccessorDirective?) -> [DBAccessorDirective] {
        var out = shutdownNode(handover: !loopbackBound)
        if let how { out.append(how) }
        phase = .stopped
        changePending = false
        return out
    }

    /// Go's `%+v` of a `map[string]string`: `map[0:10.0.0.1 1:10.0.0.2]`, keys sorted as strings.
    private func goMap(_ addresses: [DBBindAddress]) -> String {
        let pairs = addresses.map { ($0.controllerID.description, $0.ip) }
            .sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        return "map[" + pairs.map { "\($0.0):\($0.1)" }.joined(separator: " ") + "]"
    }
}
