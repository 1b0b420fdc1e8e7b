#if canImport(Glibc)
import Glibc
#endif
import BSON
import Foundation
import NIOCore
import NIOPosix
import LegacyJuju
import ReplicaSet

/// How a legacy machine's agent is started (`quorum agent --kind legacy …`).
public struct LegacyAgentOptions: Sendable {
    public var machine: Int
    public var directory: String
    public var ip: String
    public var port: Int
    /// The peergrouper's poll interval in milliseconds; nil is Juju's minute.
    public var peergrouperIntervalMillis: Int?

    public init(machine: Int, directory: String, ip: String, port: Int, peergrouperIntervalMillis: Int? = nil) {
        self.machine = machine
        self.directory = directory
        self.ip = ip
        self.port = port
        self.peergrouperIntervalMillis = peergrouperIntervalMillis
    }

    public var address: String { "\(ip):\(port)" }

    public var arguments: [String] {
        ["agent", "--kind", "legacy", "--machine", String(machine), "--dir", directory, "--ip", ip, "--port", String(port)]
            + (peergrouperIntervalMillis.map { ["--peergrouper-interval", "\($0)ms"] } ?? [])
    }

    var peergrouperInterval: Double {
        peergrouperIntervalMillis.map { Double($0) / 1_000 } ?? Peergrouper.Schedule.pollInterval.seconds
    }
}

extension AgentFiles {
    /// A legacy member's durable state (config, term, vote, oplog, data).
    public var memberState: String { directory + "/member.json" }
}

/// A state server's agent: one replica-set member behind a MongoDB wire server on the
/// machine's address, and the peergrouper worker every state server runs. SIGTERM shuts it down cleanly; SIGKILL is a crash (its state file keeps
/// whatever was last fsynced).
public final class LegacyAgent {
    let options: LegacyAgentOptions
    let files: AgentFiles

    public init(options: LegacyAgentOptions) {
        self.options = options
        files = AgentFiles(directory: options.directory)
    }

    /// Cleared at shutdown, so the workers stop starting new passes.
    private let running = RunningFlag()

    func log(_ message: String) { Supervisor.agentLog(machine: options.machine, message) }

    /// The peergrouper runs on its own thread: it is a client of the member, over the wire.
    private func startPeergrouper(log: @escaping (String) -> Void) {
        let worker = LegacyPeergrouper(localAddress: options.address, statePort: options.port, pollInterval: options.peergrouperInterval,
                                       log: log)
        let running = running
        Thread.detachNewThread { worker.run(while: running.isSet) }
    }

    public func run() -> Int32 {
        Supervisor.closeInheritedDescriptors()
        var stopSignals = Supervisor.blockStopSignals()
        signal(SIGPIPE, SIG_IGN)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let host: LegacyMemberHost
        let server: Channel
        do {
            try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
            let logger: @Sendable (String) -> Void = { [weak self] in self?.log($0) }
            host = try LegacyMemberHost(loop: loop, host: options.address, stateFile: files.memberState, log: logger)
            let connections = ConnectionCounter()
            server = try ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 128)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    let id = connections.next()
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MongoFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(MongoConnectionHandler(host: host, connectionID: id))
                    }
                }
                .bind(host: options.ip, port: options.port).wait()
            host.start()
            try "\(getpid())\n".write(toFile: files.pid, atomically: true, encoding: .utf8)
            log("serving the MongoDB wire protocol on \(options.address)")
            startPeergrouper(log: logger)
        } catch {
            let text = "\(error)"
            log("agent failed to start: " + (text.contains("Address already in use") ? "address \(options.address) is in use" : text))
            try? FileManager.default.removeItem(atPath: files.pid)
            try? group.syncShutdownGracefully()
            return 1
        }
        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        log("received signal \(received); shutting down")
        running.clear()
        try? host.shutdown().wait()
        // Give the interrupted operations' replies a moment to leave.
        usleep(100_000)
        try? server.close().wait()
        try? FileManager.default.removeItem(atPath: files.pid)
        log("stopped")
        return 0
    }
}

/// Quorum's own blocking MongoDB client (OP_MSG over one connection): how the CLI, the
/// bench and the legacy Juju layer talk to a live replica set.
public final class MongoConnection {
    let stream: TCPStream
    public let address: String
    private var nextID: Int32 = 1

    public init(address: String, timeout: Double = 5) throws {
        self.address = address
        stream = try TCPStream.connect(to: address, timeout: min(timeout, 2))
        stream.timeout = timeout
    }

    deinit { stream.close() }

    public func close() { stream.close() }

    /// Runs `command` on `database` and returns the reply document (ok 0 included).
    public func command(_ command: Document, database: String = "admin", timeout: Double? = nil) throws -> Document {
        if let timeout { stream.timeout = timeout }
        var body = command
        body.append("$db", .string(database))
        nextID &+= 1
        try stream.send(try MongoWire.encodeMessage(requestID: nextID, responseTo: 0, body: body))
        let head = try stream.receive(exactly: MongoWire.headerSize)
        let header = try MongoWire.header(head)
        let rest = try stream.receive(exactly: Int(header.length) - MongoWire.headerSize)
        return try MongoWire.decodeReply(head + rest).document
    }

    /// One command on a fresh connection; nil when the member does not answer.
    public static func run(_ command: Document, at address: String, database: String = "admin", timeout: Double = 5) -> Document? {
        guard let c = try? MongoConnection(address: address, timeout: timeout) else { return nil }
        defer { c.close() }
        return try? c.command(command, database: database)
    }
}

/// A flag one thread clears and others read.
final class RunningFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = true
    func isSet() -> Bool {
        lock.lock(); defer { lock.unlock() }
        return value
    }
    func clear() {
        lock.lock(); defer { lock.unlock() }
        value = false
    }
}

/// Numbers the wire server's connections (they are accepted on one event loop).
final class ConnectionCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var last = 0
    func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        last += 1
        return last
    }
}
