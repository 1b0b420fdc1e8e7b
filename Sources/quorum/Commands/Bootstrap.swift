import ArgumentParser
import Foundation
import HACore
import Simulation
import Live

extension Flavor: ExpressibleByArgument {}
extension ClockMode: ExpressibleByArgument {}
extension RuntimeKind: ExpressibleByArgument {}

/// `quorum bootstrap NAME`: creates an environment whose machine 0 is the first state server
/// (legacy) or controller (modern), started through the simulator.
struct Bootstrap: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create an environment with its first controller machine.")

    @Argument(help: "Name of the new environment.")
    var name: String

    @Option(help: "Which Juju HA era to emulate: legacy (1.20 state servers) or modern (Dqlite controllers).")
    var flavor: Flavor = .legacy

    @Option(help: "Where the machines run.")
    var runtime: RuntimeKind = .sim

    @Option(help: "Juju agent version (legacy: 1.20.x–1.25.x, default 1.20.14; modern: 3.x or 4.x, default 4.0.0).")
    var agentVersion: String?

    @Option(help: "Root seed of every random decision (default: drawn at random and printed).")
    var seed: UInt64?

    @Option(help: "wall: simulated time follows the wall clock between commands; virtual: only wait/advance move it.")
    var clock: ClockMode = .wall

    @Option(help: "With --clock wall, how many simulated seconds pass per wall second.")
    var speed: Double = 1

    @Option(help: "Modern: the spaces every machine has an address in, comma-separated (default: alpha).")
    var spaces: String?
    @Option(name: .customLong("live-port"), help: .hidden)
    var livePort: Int?

    @Option(name: .customLong("election-timeout"), help: "Legacy live: the replica set's electionTimeoutMillis as a duration (default 10s).")
    var electionTimeout: String?

    @Option(help: "Legacy live: the replica set's heartbeatIntervalMillis as a duration (default 2s).")
    var heartbeat: String?

    /// Legacy live: the agents' peergrouper poll interval (Juju's 1m by default); tests shorten it.
    @Option(name: .customLong("peergrouper-interval"), help: .hidden)
    var peergrouperInterval: String?

    @Option(name: .customLong("live-address-base"), help: .hidden)
    var liveAddressBase: Int = 10

    @Option(name: .customLong("roles-interval"), help: .hidden)
    var rolesInterval: Double = 30

    /// The dbaccessor's wait for a starting node to become ready, in seconds (Juju: one minute).
    @Option(name: .customLong("ready-timeout"), help: .hidden)
    var readyTimeout: Double?

    func validate() throws {
        guard (1...65535).contains(livePort ?? 1) else { throw ValidationError("--live-port must be a TCP port") }
        guard (1...200).contains(liveAddressBase) else { throw ValidationError("--live-address-base must be within 1…200") }
        guard rolesInterval > 0 else { throw ValidationError("--roles-interval must be positive") }
        guard (readyTimeout ?? 1) > 0 else { throw ValidationError("--ready-timeout must be positive") }
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be a positive number") }
    }

    /// Milliseconds of a Go-style duration option (`1s`, `200ms`), nil when not given.
    private func millis(_ text: String?, _ option: String) throws -> Int? {
        guard let text else { return nil }
        guard let interval = Interval(parsing: text), interval.microseconds >= 1_000, interval.microseconds <= 3_600_000_000 else {
            throw Failure("invalid \(option) \"\(text)\": expected a duration such as 1s or 200ms")
        }
        return Int(interval.microseconds / 1_000)
    }

    /// Legacy on the live runtime: machine 0 is a `quorum agent` process serving the MongoDB
    /// wire protocol; the `juju` replica set is initiated there and Juju's documents written.
    private func bootstrapLegacyLive(home: QuorumHome, directory: String, version: String, lock: FileLock) throws {
        guard spaces == nil else { throw Failure("--spaces applies to modern environments; legacy machines have one address") }
        let election = try millis(electionTimeout, "--election-timeout"), beat = try millis(heartbeat, "--heartbeat")
        let poll = try millis(peergrouperInterval, "--peergrouper-interval")
        let env = try LiveSupport.run {
            try LiveLegacyEnvironment.bootstrap(directory: directory, name: name, agentVersion: version, port: livePort ?? 37017,
                                                addressBase: liveAddressBase, electionTimeoutMillis: election, heartbeatIntervalMillis: beat,
                                                peergrouperIntervalMillis: poll)
        }
        try home.setCurrent(name)
        withExtendedLifetime(lock) {}
        StandardError.write("""
        Launching instance
         - juju-\(env.state.environmentUUID.prefix(6))-machine-0
        Bootstrapping Juju machine agent
        Starting Juju machine agent (jujud-machine-0)
        Bootstrap complete: state server at \(env.address(of: 0))

        """)
    }

    /// `--spaces a,b`: distinct, non-empty names, modern environments only.
    private func spaceList() throws -> [String]? {
        guard let spaces else { return nil }
        guard flavor == .modern else { throw Failure("--spaces applies to modern environments; legacy machines have one address") }
        let names = spaces.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.contains(where: \.isEmpty), Set(names).count == names.count, names.count <= 200 else {
            throw Failure("invalid --spaces \"\(spaces)\": expected distinct, comma-separated space names")
        }
        return names
    }

    func run() throws {
        try QuorumHome.validate(name: name)
        let version = try AgentVersion.check(agentVersion, for: flavor)
        let home = QuorumHome.resolve()
        try FileSystem.createDirectory(home.path)
        let lock = try FileLock(home.lockFile, what: "quorum home \(home.path)")
        let directory = home.directory(of: name)
        guard !FileSystem.exists(directory) else { throw Failure("environment \"\(name)\" already exists") }
        if runtime == .live {
            if flavor == .legacy { return try bootstrapLegacyLive(home: home, directory: directory, version: version, lock: lock) }
            guard spaces == nil else { throw Failure("--spaces is emulated on the sim runtime only; live machines have one address") }
            let env = try LiveSupport.run {
                try LiveEnvironment.bootstrap(directory: directory, name: name, agentVersion: version, port: livePort ?? 17666,
                                              addressBase: liveAddressBase, rolesInterval: rolesInterval, readyTimeout: readyTimeout)
            }
            try home.setCurrent(name)
            withExtendedLifetime(lock) {}
            StandardError.write("""
            Creating Juju controller "\(name)" on quorum/live
            Launching controller instance(s) on quorum/live...
             - \(env.instanceID(of: 0)) (arch=amd64)
            Bootstrap complete, controller "\(name)" is now available

            """)
            return
        }

        let rootSeed = seed ?? UInt64.random(in: 0...UInt64(Int64.max))
        let config = WorldConfig(name: name, flavor: flavor, seed: Seed(rootSeed), agentVersion: version, agentLogging: true,
                                 spaces: try spaceList())
        var trace = Trace()
        var world = World(config: config, trace: &trace)
        var inputs = [WorldInput.wait(.settled, timeout: .minutes(10))]
        guard case .reached = world.apply(inputs[0], trace: &trace) else { throw Failure("bootstrap did not settle within 10m0s") }
        if flavor == .modern {
            // The controller serves once its Dqlite node leads (dbaccessor's readiness).
            inputs.append(.wait(.primary, timeout: .minutes(2)))
            guard case .reached = world.apply(inputs[1], trace: &trace) else { throw Failure("the Dqlite node elected no leader within 2m0s") }
            inputs.append(.bootstrapController)
            if case let .failed(message, _) = world.apply(.bootstrapController, trace: &trace) { throw Failure(message) }
        }
        if flavor == .legacy {
            // Juju's bootstrap agent writes the juju database once its replica set has a primary.
            inputs.append(.wait(.primary, timeout: .minutes(2)))
            guard case .reached = world.apply(inputs[1], trace: &trace) else { throw Failure("the replica set elected no primary within 2m0s") }
            inputs.append(.bootstrapJuju)
            if case let .failed(message, _) = world.apply(.bootstrapJuju, trace: &trace) { throw Failure(message) }
        }

        try NewEnvironment(name: name, runtime: runtime, clock: clock, speed: speed)
            .create(directory: directory, world: world, trace: trace, config: config, inputs: inputs)
        try home.setCurrent(name)
        withExtendedLifetime(lock) {}
        report(world: world, seed: rootSeed)
    }

    /// Progress as Juju prints it during bootstrap (on stderr, like Juju), then Quorum's seed line.
    private func report(world: World, seed: UInt64) {
        let instance = world.machine(0)?.instanceID ?? "?"
        switch flavor {
        case .legacy:
            StandardError.write("""
            Bootstrapping environment "\(name)"
            Starting new instance for initial state server
            Launching instance
             - \(instance)
            Bootstrap complete

            """)
        case .modern:
            StandardError.write("""
            Creating Juju controller "\(name)" on quorum/sim
            Launching controller instance(s) on quorum/sim...
             - \(instance) (arch=amd64)
            Bootstrap complete, controller "\(name)" is now available

            """)
        }
        StandardError.write("seed \(seed) (replay with --seed \(seed))\n")
    }
}

/// Agent versions each flavor accepts.
enum AgentVersion {
    static func check(_ requested: String?, for flavor: Flavor) throws -> String {
        guard let requested else { return WorldConfig.defaultAgentVersion(flavor) }
        let parts = requested.split(separator: ".").map { Int($0) }
        guard parts.count >= 2, parts.count <= 3, parts.allSatisfy({ $0 != nil }) else {
            throw Failure("invalid version \"\(requested)\"")
        }
        let (major, minor) = (parts[0]!, parts[1]!)
        switch flavor {
        case .legacy where major == 1 && (20...25).contains(minor): return requested
        case .modern where major == 3 || major == 4: return requested
        case .legacy: throw Failure("agent version \(requested) is not a legacy Juju version (1.20.x–1.25.x)")
        case .modern: throw Failure("agent version \(requested) is not a Dqlite-era Juju version (3.x or 4.x)")
        }
    }
}
