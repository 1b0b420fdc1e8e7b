#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HACore
import ModernJuju
import RaftCluster

/// Juju's dbaccessor worker run by a live agent: the pure `ModernJuju.DBAccessorWorker`, fed
/// from this machine's disk and real events, its directives carried out on the real libdqlite
/// node (spec §3.3–§3.5). It owns go-dqlite's `app` for the node: the libdqlite node plus the
/// role-management run loop (`RoleManager`), whose first pass is the app's `Ready`.
///
/// Every model input and the interpretation of the directives it returns happen under one
/// lock, so the worker sees its events one at a time, as the Go loop does.
final class LiveDBAccessor: @unchecked Sendable {
    /// go-dqlite's `app` of one `.startNode` attempt.
    final class App {
        let attempt: Int
        let node: DqliteNodeHost
        let roles: RoleManager
        /// Set (under the worker lock) once `Close` ran: its threads wind down.
        var closed = false

        init(attempt: Int, node: DqliteNodeHost, roles: RoleManager) {
            self.attempt = attempt
            self.node = node
            self.roles = roles
        }
    }

    /// The dependency engine's restart delays (`engine.DependencyEngineConfig`): after a bounce
    /// and after an error.
    static let bounceDelay = 0.01
    static let errorDelay = 3.0

    let options: AgentOptions
    let files: AgentFiles
    private let log: (String) -> Void
    private let lock = NSLock()
    /// Held for the length of a role pass, so closing or handing over never interleaves with one.
    private let passLock = NSLock()
    private var worker: DBAccessorWorker
    private var app: App?
    /// The agent is shutting down: no restart after the worker exits.
    private var stopping = false

    init(options: AgentOptions, files: AgentFiles, log: @escaping (String) -> Void) {
        self.options = options
        self.files = files
        self.log = log
        worker = Self.newWorker(options)
    }

    private static func newWorker(_ options: AgentOptions) -> DBAccessorWorker {
        var settings = DBAccessorSettings()
        settings.port = options.port
        if let seconds = options.readyTimeout { settings.readyTimeout = .milliseconds(Int64(seconds * 1000)) }
        return DBAccessorWorker(controllerID: MachineID(options.machine), settings: settings)
    }

    // MARK: - What the agent sees

    /// The app's `Ready` has been reached (its first role pass is done).
    var isReady: Bool { withLock { app?.roles.ready ?? false } }

    /// The cluster's addresses as the app's store last saw them; before any app, the ones the
    /// agent was started with.
    var knownAddresses: [String] {
        withLock { app?.roles.knownAddresses } ?? (options.cluster.isEmpty ? [options.address] : options.cluster)
    }

    /// A role pass now (the control API's `adjust`); false without a serving app.
    @discardableResult
    func rolePass() -> Bool {
        guard let app = withLock({ app }) else { return false }
        return pass(app)
    }

    // MARK: - Inputs

    /// The worker starts: disk facts and controller.conf go to `onStart`.
    func start() {
        withLock {
            let extant = isExistingNode
            interpret(worker.onStart(extant: extant, loopbackBound: isLoopbackBound,
                                     clusterConfig: readClusterConfig(), configError: clusterConfigError))
        }
    }

    /// The charm rewrote controller.conf and POSTed `/reload` (the control API's `reload`).
    func reload() {
        withLock {
            if let config = readClusterConfig() {
                interpret(worker.onClusterConfigChanged(config))
            } else {
                interpret(worker.onClusterConfigUnreadable(clusterConfigError))
            }
        }
    }

    /// SIGTERM: the deferred `shutdownDqlite`; `skipHandover` when the whole environment goes.
    func stop(skipHandover: Bool) {
        withLock {
            stopping = true
            interpret(worker.onStop(), skipHandover: skipHandover)
            // A worker already exited (bounced or failed) left no app; one still starting has
            // been closed by `onStop`. Anything left is closed here all the same.
            if let app { close(app) }
        }
    }

    // MARK: - Disk

    /// `IsExistingNode`: the Dqlite data directory holds anything.
    private var isExistingNode: Bool {
        !((try? FileManager.default.contentsOfDirectory(atPath: files.dqlite)) ?? []).isEmpty
    }

    /// `IsLoopbackBound`: an existing node still alone on the bootstrap loopback address, to
    /// be rebound when HA is entered. Never so here: the live runtime bootstraps node 0 on its
    /// machine's own IP, which stands in for the cloud-local address newer Juju's
    /// `BootstrapDqlite` binds (spec §3.2), so there is nothing to rebind — even when that IP
    /// is 127.0.0.1 (`--live-address-base 1`), or begins with it as 127.0.0.10… does.
    private var isLoopbackBound: Bool { false }

    private var clusterConfigError: String { "reading config file from \(files.controllerConf): no db-bind-addresses" }

    /// controller.conf's `db-bind-addresses`, nil when it cannot be read.
    private func readClusterConfig() -> [MachineID: String]? {
        guard let text = try? String(contentsOfFile: files.controllerConf, encoding: .utf8) else { return nil }
        return ControllerCharm.dbBindAddresses(fromControllerConf: text)
    }

    // MARK: - Directives

    private func interpret(_ directives: [DBAccessorDirective], skipHandover: Bool = false) {
        var pending = directives[...]
        while let directive = pending.popFirst() {
            pending += execute(directive, skipHandover: skipHandover)
        }
    }

    /// Carries out one directive; returns what the worker answered to any input it caused.
    private func execute(_ directive: DBAccessorDirective, skipHandover: Bool) -> [DBAccessorDirective] {
        switch directive {
        case .log(let level, let message):
            log("\(level.rawValue) juju.worker.dbaccessor \(message)")
        case .startNode(let start):
            return startApp(start)
        case .scheduleReadyTimeout(let after, let attempt):
            DispatchQueue.global().asyncAfter(deadline: .now() + after.seconds) { [self] in
                withLock { interpret(worker.onReadyTimeout(attempt: attempt)) }
            }
        case .handover(let timeout):
            if skipHandover {
                // destroy-environment: every node is going away, nobody to hand over to.
                log("skipping Dqlite handover: the environment is being destroyed")
            } else if let app {
                passLock.lock()
                app.roles.handover(timeout: timeout.seconds)
                passLock.unlock()
            }
        case .closeNode:
            if let app { close(app) }
        case .rebind(let ip):
            // Never asked for while `isLoopbackBound` is false; said out loud should that change.
            log("dbaccessor: rebinding the Dqlite node to \(ip) is not carried out on the live runtime: every node keeps its machine address (\(options.address))")
        case .reconfigureAsSoleVoter:
            reconfigureAsSoleVoter()
        case .upsertControllerNode(let controllerID, let nodeID, let address, let statement):
            if let app { recordControllerNode(statement, what: "\(controllerID) (node \(nodeID), \(address))", app: app) }
        case .dbReady:
            // No GetDB clients wait on the live agent: its other workers dial the leader themselves.
            break
        case .bounce:
            restartWorker(after: Self.bounceDelay)
        case .fail(let reason):
            log("dbaccessor worker exited: \(reason); restarting in \(Int(Self.errorDelay))s")
            restartWorker(after: Self.errorDelay)
        }
        return []
    }

    /// `app.New(dataDir, options…)`: the libdqlite node on the bind address, joining through
    /// the given peers when it is new; then the run loop, whose first pass is `Ready`.
    private func startApp(_ start: DqliteStart) -> [DBAccessorDirective] {
        if start.tls {
            log("dbaccessor: WithTLS is not applied: the live runtime's Dqlite nodes serve without TLS")
        }
        let address = start.bindAddress ?? options.address
        let joining = start.bindAddress != nil && !start.joinAddresses.isEmpty
        if joining { RoleManager.markJoining(directory: options.directory) }
        let roles = RoleManager(nodeID: options.nodeID, address: address, directory: options.directory,
                                initialCluster: start.joinAddresses.isEmpty ? options.cluster : start.joinAddresses)
        roles.log = log
        let node: DqliteNodeHost
        do {
            node = try DqliteNodeHost(id: options.nodeID, address: address, dataDirectory: files.dqlite)
            try node.start()
        } catch {
            return worker.onNodeFailed("\(error)", attempt: start.attempt)
        }
        log("serving Dqlite node \(options.nodeID) on \(address)")
        let app = App(attempt: start.attempt, node: node, roles: roles)
        self.app = app
        Thread.detachNewThread { [self] in runLoop(app) }
        return []
    }

    /// go-dqlite's run loop: a role pass every `rolesInterval` once ready, every second before.
    /// The first successful pass is `Ready`, reported to the worker once.
    private func runLoop(_ app: App) {
        var reported = false
        while withLock({ !app.closed }) {
            let ok = pass(app)
            if ok, app.roles.ready, !reported {
                reported = true
                withLock {
                    guard !app.closed else { return }
                    interpret(worker.onNodeReady(nodeID: app.node.id, address: app.node.address, attempt: app.attempt))
                }
            }
            let delay = ok && app.roles.ready ? options.rolesInterval : 1
            usleep(UInt32(max(0.05, delay) * 1_000_000))
        }
    }

    /// Lock order is worker lock, then pass lock (closing and handing over take both), so a
    /// pass checks `closed` before it takes the pass lock, never while holding it.
    private func pass(_ app: App) -> Bool {
        guard withLock({ !app.closed }) else { return false }
        passLock.lock(); defer { passLock.unlock() }
        do {
            try app.roles.pass()
            return true
        } catch {
            log("roles pass: \(error)")
            return false
        }
    }

    /// `app.Close()`: after any pass in flight, the node stops.
    private func close(_ app: App) {
        app.closed = true
        if self.app === app { self.app = nil }
        passLock.lock()
        app.node.stop()
        app.node.destroy()
        passLock.unlock()
    }

    /// `AddDqliteNode` through the Dqlite leader, on its own thread. Until the controller
    /// schema exists (the bootstrap command applies it once node 0 leads; Juju's
    /// `BootstrapDqlite` applies it first) the insert fails; it is retried while the app
    /// serves instead of failing the worker, which would close the very node the bootstrap
    /// is waiting for.
    private func recordControllerNode(_ statement: SQLStatement, what: String, app: App) {
        Thread.detachNewThread { [self] in
            var failures = 0
            while withLock({ !app.closed }) {
                let client = DqliteClient(addresses: app.roles.knownAddresses, dialTimeout: 1, clientID: options.nodeID)
                do {
                    try client.withLeader(timeout: 10, database: JujuDqlite.controllerNamespace) { try $0.exec(statement) }
                    if failures > 0 { log("recorded controller node \(what) after \(failures) failed attempts") }
                    return
                } catch {
                    if failures == 0 { log("recording controller node \(what): \(error); retrying") }
                    failures += 1
                    usleep(500_000)
                }
            }
        }
    }

    /// The back-stop's `SetClusterToLocalNode`: recover the stopped node's raft configuration
    /// with itself as the only voter (`dqlite_node_recover_ext`) and rewrite the cluster store.
    private func reconfigureAsSoleVoter() {
        do {
            try DqliteNodeHost.recover(id: options.nodeID, address: options.address, dataDirectory: files.dqlite,
                                       voters: [(options.nodeID, options.address)])
            try JSONEncoder().encode([options.address]).write(to: URL(fileURLWithPath: options.directory + "/cluster.json"), options: .atomic)
        } catch {
            log("dbaccessor: reconfiguring Dqlite with this node as the only member failed: \(error)")
        }
    }

    /// The dependency engine starts a fresh worker after `delay` unless the agent is stopping.
    private func restartWorker(after delay: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [self] in
            let restart = withLock { () -> Bool in
                guard !stopping else { return false }
                worker = Self.newWorker(options)
                return true
            }
            if restart { start() }
        }
    }

    private func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }
}

extension LiveDBAccessor {
    /// `BootstrapDqlite` for the first controller: a brand-new node that joins nobody starts
    /// once, so libdqlite writes the single-voter configuration of the bootstrap id, and stops;
    /// the dbaccessor then finds an existing node and starts it as Juju's does after bootstrap.
    /// The controller schema and the bootstrap rows are the bootstrap command's part.
    static func bootstrapDqliteIfNew(options: AgentOptions, files: AgentFiles, log: (String) -> Void) throws {
        let existing = !((try? FileManager.default.contentsOfDirectory(atPath: files.dqlite)) ?? []).isEmpty
        guard !existing, options.cluster.isEmpty else { return }
        log("bootstrapping Dqlite node \(options.nodeID) on \(options.address)")
        let node = try DqliteNodeHost(id: options.nodeID, address: options.address, dataDirectory: files.dqlite)
        try node.start()
        node.stop()
        node.destroy()
    }
}
