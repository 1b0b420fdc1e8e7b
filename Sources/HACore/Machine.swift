/// A machine and its agent: instance provisioning, the agent process and its presence pings.
/// A value type without IO; events go in through `on…` methods, directives come out.
public struct Machine: Codable, Sendable, Equatable {
    public let id: MachineID
    public var jobs: [MachineJob]
    /// Set while the instance is being provisioned and after; `nil` before the provisioner acts.
    public var instanceID: String?
    public var instanceRunning: Bool
    public var process: ProcessState
    /// The agent's own reported status (`pending` until the agent first starts).
    public var agentStatus: AgentStatus
    /// Bumped on every (re)start, so timers and messages of an earlier life are ignored.
    public var incarnation: Int
    /// Controllers this agent may report to, in the order it tries them.
    public var apiServers: [MachineID]
    /// Index into `apiServers` of the controller the agent currently talks to.
    public var apiServerIndex: Int
    /// Whether the last presence ping was acknowledged; if not the agent fails over.
    public var lastPingAcked: Bool
    /// Clock skew of this machine's local clock against simulated true time.
    public var skew: Interval
    /// Juju's vote flags: the machine should be a voter (`!novote`) / is one in the database cluster.
    public var wantsVote: Bool
    public var hasVote: Bool
    public var series: String
    public var hardware: Hardware

    public init(id: MachineID, jobs: [MachineJob], series: String, hardware: Hardware = .standard) {
        self.id = id
        self.jobs = jobs
        instanceID = nil
        instanceRunning = false
        process = .none
        agentStatus = .pending
        incarnation = 0
        apiServers = []
        apiServerIndex = 0
        lastPingAcked = true
        skew = .zero
        wantsVote = false
        hasVote = false
        self.series = series
        self.hardware = hardware
    }

    public var isController: Bool { jobs.contains(.manageEnviron) }
    public var isRunning: Bool { process == .running }
    /// The controller this agent sends its pings to, if it knows any.
    public var currentAPIServer: MachineID? {
        apiServers.isEmpty ? nil : apiServers[apiServerIndex % apiServers.count]
    }
}

public enum AgentStatus: String, Codable, Sendable {
    case pending, started, stopped, error
}

/// Hardware characteristics as Juju prints them in `status`.
public struct Hardware: Codable, Sendable, Equatable, CustomStringConvertible {
    public var arch: String
    public var cpuCores: Int
    public var cpuPower: Int
    public var memoryMiB: Int
    public var rootDiskMiB: Int

    public static let standard = Hardware(arch: "amd64", cpuCores: 1, cpuPower: 100, memoryMiB: 1740, rootDiskMiB: 8192)

    public init(arch: String, cpuCores: Int, cpuPower: Int, memoryMiB: Int, rootDiskMiB: Int) {
        self.arch = arch
        self.cpuCores = cpuCores
        self.cpuPower = cpuPower
        self.memoryMiB = memoryMiB
        self.rootDiskMiB = rootDiskMiB
    }

    /// Juju's `hardware` line: `arch=amd64 cpu-cores=1 cpu-power=100 mem=1740M root-disk=8192M`.
    public var description: String {
        "arch=\(arch) cpu-cores=\(cpuCores) cpu-power=\(cpuPower) mem=\(memoryMiB)M root-disk=\(rootDiskMiB)M"
    }
}

/// Timers a machine asks its runtime to schedule.
public enum MachineTimer: String, Codable, Sendable {
    /// The cloud finished starting the instance; the agent boots.
    case instanceReady = "instance-ready"
    /// Time for the agent's next presence ping.
    case presencePing = "presence-ping"
}

/// What a machine asks its runtime to do.
public enum MachineDirective: Equatable, Sendable {
    case schedule(MachineTimer, after: Interval)
    /// Send a presence ping to a controller (over the network, so partitions matter).
    case sendPresencePing(to: MachineID)
    /// A line for the machine's log (and the trace).
    case log(String)
    /// The agent gave up on its controller and now talks to this one.
    case apiServerChanged(to: MachineID)
}

/// Time constants of machines and presence (DESIGN §4), overridable per environment.
public struct MachineSettings: Codable, Sendable, Equatable {
    public var provisioningDelayMin: Interval = .seconds(20)
    public var provisioningDelayMax: Interval = .seconds(60)
    /// How often an agent pings presence.
    public var presencePingInterval: Interval = .seconds(23)
    /// Presence slot length: an agent is alive while it pinged in this slot or the previous one,
    /// so it reads as down 30–60 s after its last ping, as Juju's presence package does.
    public var presenceSlot: Interval = .seconds(30)

    public init() {}
}

extension Machine {
    /// The provisioner asked the cloud for an instance; it will be ready after `delay`.
    public mutating func onProvisioningStarted(instanceID: String, delay: Interval) -> [MachineDirective] {
        precondition(self.instanceID == nil, "machine \(id) provisioned twice")
        self.instanceID = instanceID
        return [.log("provisioning instance \(instanceID)"), .schedule(.instanceReady, after: delay)]
    }

    /// The instance is up: the agent starts and begins pinging presence.
    public mutating func onInstanceReady(settings: MachineSettings) -> [MachineDirective] {
        instanceRunning = true
        return start(settings: settings, reason: "instance \(instanceID ?? "?") running")
    }

    /// A presence timer fired in this incarnation.
    public mutating func onPresencePingTimer(settings: MachineSettings) -> [MachineDirective] {
        guard isRunning else { return [] }
        var directives: [MachineDirective] = []
        if !lastPingAcked, apiServers.count > 1 {
            apiServerIndex = (apiServerIndex + 1) % apiServers.count
            directives.append(.log("no answer from controller; trying machine \(currentAPIServer!)"))
            directives.append(.apiServerChanged(to: currentAPIServer!))
        }
        directives.append(contentsOf: ping(settings: settings))
        return directives
    }

    /// A controller acknowledged a ping of this incarnation.
    public mutating func onPresenceAck() { lastPingAcked = true }

    /// The controllers changed (HA grew or shrank): keep talking to the same one if still listed.
    public mutating func onAPIServersChanged(_ servers: [MachineID]) {
        let current = currentAPIServer
        apiServers = servers
        apiServerIndex = current.flatMap { servers.firstIndex(of: $0) } ?? 0
    }

    /// A fault hits the machine.
    public mutating func onFault(_ mode: FaultMode) -> [MachineDirective] {
        switch mode {
        case .crash, .diskLoss:
            guard process == .running || process == .paused else { return [] }
            process = .crashed
            return [.log(mode == .crash ? "agent killed" : "agent killed and disk lost")]
        case .stop:
            guard process == .running || process == .paused else { return [] }
            process = .stopped
            return [.log("agent stopped")]
        case .pause:
            guard process == .running else { return [] }
            process = .paused
            return [.log("agent paused")]
        }
    }

    /// `quorum start`: resume a paused agent or restart a stopped or crashed one.
    public mutating func onStart(settings: MachineSettings) -> [MachineDirective] {
        switch process {
        case .paused:
            process = .running
            return [.log("agent resumed")]
        case .stopped, .crashed:
            return start(settings: settings, reason: "agent restarted")
        case .none, .running:
            return []
        }
    }

    private mutating func start(settings: MachineSettings, reason: String) -> [MachineDirective] {
        process = .running
        incarnation += 1
        agentStatus = .started
        lastPingAcked = true
        return [.log(reason + "; agent started")] + ping(settings: settings)
    }

    private mutating func ping(settings: MachineSettings) -> [MachineDirective] {
        var directives: [MachineDirective] = [.schedule(.presencePing, after: settings.presencePingInterval)]
        if let server = currentAPIServer {
            lastPingAcked = false
            directives.insert(.sendPresencePing(to: server), at: 0)
        }
        return directives
    }
}
