import ArgumentParser
import Foundation
import HACore
import ModernJuju
import Simulation
import Live

extension ControllersFormat: ExpressibleByArgument {}
extension ShowControllerFormat: ExpressibleByArgument {}

/// What `controllers` knows about a controller without asking it: Juju's client store
/// (controllers.yaml), refreshed by `--refresh` and by bootstrap.
struct ControllerCache: Codable, Equatable {
    var machineCount: Int
    var modelCount: Int
    var active: Int
    var total: Int
    var agentVersion: String
    /// `api-endpoints`, the address that last worked first (`recent-server`).
    var apiEndpoints: [String]?

    static let fileName = "controllers.json"

    /// What bootstrap leaves: one machine, one controller.
    static let bootstrapped = { (version: String) in ControllerCache(machineCount: 1, modelCount: 1, active: 1, total: 1, agentVersion: version) }

    init(machineCount: Int, modelCount: Int, active: Int, total: Int, agentVersion: String) {
        self.machineCount = machineCount
        self.modelCount = modelCount
        self.active = active
        self.total = total
        self.agentVersion = agentVersion
    }

    /// A refresh: the client dials the cached endpoints in order, logs in to the first
    /// controller that answers, and caches what that login reports (spec §7).
    init(world: World, previous: ControllerCache?) throws {
        let counts = world.controllerMachineCounts
        self.init(machineCount: world.machines.count, modelCount: 1, active: counts.active, total: counts.total,
                  agentVersion: world.config.agentVersion)
        let hostPorts = world.controllers.map { [APIHostPort($0.address, port: 17070, scope: .cloudLocal)] }
        let cached = previous?.apiEndpoints ?? ["\(MachineID(0).address):17070"]
        let reachable = world.controllers.filter { world.machine($0)?.isRunning == true && world.agentAlive($0) }
            .map { "\($0.address):17070" }
        let dialOrder = cached + hostPorts.flatMap { $0.map(\.dialAddress) }.filter { !cached.contains($0) }
        guard let connected = dialOrder.first(where: reachable.contains) else {
            throw Failure("unable to connect to API: no controller at \(dialOrder.joined(separator: ", ")) answers")
        }
        let host = String(connected.prefix { $0 != ":" })
        let details = ClientControllerDetails(apiEndpoints: cached)
            .afterLogin(hostPorts: hostPorts, connectedTo: [APIHostPort(host, port: 17070, scope: .cloudLocal)])
        apiEndpoints = details.apiEndpoints
    }
}

/// The controller as the client sees it, from the world (modern flavor).
struct ControllerView {
    let world: World

    var apiEndpoints: [String] { world.controllers.map { "\($0.address):17070" } }

    func item(cache: ControllerCache) -> ControllerItem {
        ControllerItem(name: world.config.name, currentModel: "controller", user: "admin", access: "superuser",
                       controllerUUID: world.controllerUUID, apiEndpoints: cache.apiEndpoints ?? apiEndpoints, caCert: world.caCertificate,
                       cloud: "quorum", region: "sim", agentVersion: cache.agentVersion, modelCount: cache.modelCount,
                       machineCount: cache.machineCount,
                       controllerMachines: ControllerMachineCounts(active: cache.active, total: cache.total))
    }

    var details: ShowControllerDetails {
        let controllers = world.controllerMembership.controllers
        let model = ShowControllerModel(name: "controller", uuid: world.environmentUUID, machineCount: world.machines.count,
                                        coreCount: world.machines.count)
        return ShowControllerDetails(name: world.config.name, controllerUUID: world.controllerUUID, apiEndpoints: apiEndpoints,
                                     cloud: "quorum", region: "sim", agentVersion: world.config.agentVersion, caCert: world.caCertificate,
                                     controllerMachines: controllers, models: [model], currentModel: "admin/controller",
                                     user: "admin", access: "superuser")
    }
}

/// `quorum controllers [--refresh]`: Juju's controller list; the HA column is active/total.
struct Controllers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the controllers, with their HA level (modern flavor).")

    @Flag(help: "Ask the controllers for the latest information (otherwise the cached values are shown).")
    var refresh = false

    @Option(help: "Output format: tabular, yaml or json.")
    var format: ControllersFormat = .tabular

    func run() throws {
        let home = QuorumHome.resolve()
        var items: [ControllerItem] = []
        let current = try? home.select(nil)
        for name in try home.environmentNames() {
            if let live = try LiveSupport.open(name) {
                items.append(LiveStatus(env: live).controllerItem())
                continue
            }
            let session = try Session(environment: name, writing: false)
            guard session.world.config.flavor == .modern else { continue }
            let cachePath = session.files.directory + "/" + ControllerCache.fileName
            let stored = try? JSONDecoder().decode(ControllerCache.self, from: FileSystem.read(cachePath))
            var cache = stored ?? ControllerCache.bootstrapped(session.world.config.agentVersion)
            if refresh {
                cache = try ControllerCache(world: session.world, previous: stored)
                try FileSystem.writeAtomically(try EnvironmentFiles.encoder.encode(cache), to: cachePath)
            }
            items.append(ControllerView(world: session.world).item(cache: cache))
        }
        do {
            print(try formatControllers(items, current: current, refreshed: refresh, format: format), terminator: "")
        } catch {
            throw Failure("\(error)")
        }
    }
}

/// `quorum show-controller`: details, controller machines with their HA status, models.
struct ShowController: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show-controller", abstract: "Show a controller's details and HA status (modern flavor).")

    @OptionGroup var env: EnvironmentOption

    @Option(help: "Output format: yaml or json.")
    var format: ShowControllerFormat = .yaml

    func run() throws {
        if let live = try LiveSupport.open(env.environment) {
            print(formatShowController([LiveStatus(env: live).showController()], format: format), terminator: "")
            return
        }
        let session = try Session(environment: env.environment, writing: false)
        guard session.world.config.flavor == .modern else {
            throw Failure("show-controller is a Dqlite-era command; a legacy environment has state servers, see status")
        }
        print(formatShowController([ControllerView(world: session.world).details], format: format), terminator: "")
    }
}
