#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ModernJuju

/// How one machine's agent process is started (`quorum agent …`).
public struct AgentOptions: Sendable {
    public var machine: Int
    /// The machine's directory: pid file, log, control port, Dqlite data.
    public var directory: String
    public var ip: String
    public var port: Int
    public var nodeID: UInt64
    /// Addresses of existing nodes a new node joins through (empty: bootstrap node).
    public var cluster: [String]
    /// go-dqlite's roles adjustment frequency (30 s by default).
    public var rolesInterval: Double
    /// The controller model and controller: the singular-controller lease's key.
    public var modelUUID: String?
    public var controllerUUID: String?
    /// How long the dbaccessor gives a starting node to become ready (nil: Juju's one minute).
    public var readyTimeout: Double?

    public init(machine: Int, directory: String, ip: String, port: Int, nodeID: UInt64, cluster: [String], rolesInterval: Double,
                modelUUID: String? = nil, controllerUUID: String? = nil, readyTimeout: Double? = nil) {
        self.readyTimeout = readyTimeout
        self.modelUUID = modelUUID
        self.controllerUUID = controllerUUID
        self.machine = machine
        self.directory = directory
        self.ip = ip
        self.port = port
        self.nodeID = nodeID
        self.cluster = cluster
        self.rolesInterval = rolesInterval
    }

    public var address: String { "\(ip):\(port)" }

    public var arguments: [String] {
        var arguments = ["agent", "--machine", String(machine), "--dir", directory, "--ip", ip, "--port", String(port),
                         "--node-id", String(nodeID), "--roles-interval", String(rolesInterval)]
        if !cluster.isEmpty { arguments += ["--cluster", cluster.joined(separator: ",")] }
        if let modelUUID { arguments += ["--model-uuid", modelUUID] }
        if let controllerUUID { arguments += ["--controller-uuid", controllerUUID] }
        if let readyTimeout { arguments += ["--ready-timeout", String(readyTimeout)] }
        return arguments
    }
}

/// The files of one machine directory.
public struct AgentFiles: Sendable {
    public let directory: String
    public init(directory: String) { self.directory = directory }
    public var pid: String { directory + "/agent.pid" }
    public var log: String { directory + "/agent.log" }
    public var controlPort: String { directory + "/control.port" }
    public var dqlite: String { directory + "/dqlite" }
    /// Juju's controller.conf: `db-bind-addresses`, written by the CLI as the controller charm
    /// writes it (spec §3.1, §3.7).
    public var controllerConf: String { directory + "/controller.conf" }
    /// Present when the agent should stop without handing its role over.
    public var skipHandover: String { directory + "/skip-handover" }
}

/// A machine agent: runs Juju's dbaccessor worker, which hosts the machine's libdqlite node
/// and go-dqlite's role management for it, the singular-controller lease worker, and a
/// line-delimited JSON control API on its own IP. SIGTERM stops it cleanly (the dbaccessor
/// hands the node's role over); SIGKILL is a crash.
public final class Agent {
    let options: AgentOptions
    let files: AgentFiles
    private let stopLock = NSLock()
    private var stopping = false
    private var dbAccessor: LiveDBAccessor!
    private var leases: LeaseRunner?

    public init(options: AgentOptions) {
        self.options = options
        files = AgentFiles(directory: options.directory)
    }

    func log(_ message: String) { Supervisor.agentLog(machine: options.machine, message) }

    /// Runs until SIGTERM/SIGINT; returns the exit status.
    public func run() -> Int32 {
        Supervisor.closeInheritedDescriptors()
        // Block the stop signals in every thread (libdqlite's included) and take them with sigwait.
        var stopSignals = Supervisor.blockStopSignals()
        DqliteNodeHost.ignoreSIGPIPE()
        do {
            try startWorkers()
        } catch {
            log("agent failed to start: \(error)")
            try? FileManager.default.removeItem(atPath: files.pid)
            return 1
        }
        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        log("received signal \(received); shutting down")
        stopWorkers()
        try? FileManager.default.removeItem(atPath: files.controlPort)
        try? FileManager.default.removeItem(atPath: files.pid)
        log("stopped")
        return 0
    }

    private func startWorkers() throws {
        try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
        try "\(getpid())\n".write(toFile: files.pid, atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: files.skipHandover)
        LinkFilter.shared.sourceAddress = options.ip
        try LiveDBAccessor.bootstrapDqliteIfNew(options: options, files: files, log: log)
        dbAccessor = LiveDBAccessor(options: options, files: files) { [weak self] in self?.log($0) }
        let (fd, port) = try listenSocket(host: options.ip, port: 0)
        try "\(port)\n".write(toFile: files.controlPort, atomically: true, encoding: .utf8)
        Thread.detachNewThread { [self] in serveControl(fd) }
        dbAccessor.start()
        startLeaseWorker()
    }

    private func startLeaseWorker() {
        guard let modelUUID = options.modelUUID, let controllerUUID = options.controllerUUID else { return }
        let lease = LeaseRunner(holder: String(options.machine), modelUUID: modelUUID, controllerUUID: controllerUUID,
                                nodeID: options.nodeID) { [self] in
            DqliteClient(addresses: dbAccessor.knownAddresses, dialTimeout: 1, clientID: options.nodeID)
        }
        lease.log = { [weak self] in self?.log($0) }
        leases = lease
        Thread.detachNewThread { [self] in leaseLoop() }
    }

    /// The lease worker ends, then the dbaccessor's deferred shutdown: handover (unless the
    /// whole environment is going away: destroy-environment) and close.
    private func stopWorkers() {
        stopLock.lock()
        stopping = true
        stopLock.unlock()
        dbAccessor.stop(skipHandover: FileManager.default.fileExists(atPath: files.skipHandover))
    }

    /// The singular-controller lease worker ticks once a second.
    private func leaseLoop() {
        while true {
            stopLock.lock()
            let stop = stopping
            stopLock.unlock()
            if stop { return }
            leases?.tick()
            usleep(1_000_000)
        }
    }

    private func serveControl(_ listener: Int32) {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                usleep(10_000)
                continue
            }
            let stream = TCPStream(fd: fd, timeout: 30)
            while let line = try? stream.receiveLine() {
                let reply = handle(line)
                let data = (try? JSONSerialization.data(withJSONObject: reply, options: [.sortedKeys])) ?? Data("{}".utf8)
                guard (try? stream.send(Array(data) + [0x0A])) != nil else { break }
            }
            stream.close()
        }
    }

    private func handle(_ line: String) -> [String: Any] {
        guard let request = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
              let op = request["op"] as? String else { return ["ok": false, "error": "malformed request"] }
        switch op {
        case "ping":
            return ["ok": true, "singular": leases?.holdsLease ?? false, "machine": options.machine, "node-id": String(options.nodeID), "address": options.address,
                    "pid": Int(getpid()), "ready": dbAccessor.isReady, "partitioned-from": LinkFilter.shared.blockedHosts]
        case "partition":
            let hosts = request["hosts"] as? [String] ?? []
            LinkFilter.shared.block(hosts)
            log("links to \(hosts.joined(separator: ", ")) cut")
            return ["ok": true]
        case "heal":
            let hosts = request["hosts"] as? [String]
            LinkFilter.shared.unblock(hosts)
            log("links healed")
            return ["ok": true]
        case "adjust":
            return ["ok": dbAccessor.rolePass()]
        case "reload":
            // The charm's POST /reload on the config-change socket: controller.conf changed.
            dbAccessor.reload()
            return ["ok": true]
        default:
            return ["ok": false, "error": "unknown op \(op)"]
        }
    }
}

/// The CLI's side of an agent's control API.
public enum AgentControl {
    /// Sends one request to the agent of `files`, nil when it does not answer within `timeout`.
    public static func call(_ files: AgentFiles, ip: String, _ request: [String: Any], timeout: Double = 5) -> [String: Any]? {
        guard let text = try? String(contentsOfFile: files.controlPort, encoding: .utf8),
              let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let stream = try? TCPStream.connect(to: "\(ip):\(port)", timeout: min(timeout, 2)) else { return nil }
        stream.timeout = timeout
        defer { stream.close() }
        guard let data = try? JSONSerialization.data(withJSONObject: request),
              (try? stream.send(Array(data) + [0x0A])) != nil,
              let line = try? stream.receiveLine() else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }
}
