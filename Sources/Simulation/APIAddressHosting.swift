import HACore
import LegacyJuju
import ModernJuju

/// Agents' API addresses (modern flavor, spec §7): controllers publish every address of their
/// machines; workload agents get them filtered by `juju-mgmt-space`, cloud-local first, in
/// agent.conf, and dial them in a random order, so a dead controller only means trying the
/// next one. Controller agents dial their own API server.
extension World {
    public static let apiPort = 17070

    /// `apiHostPorts`: each provisioned controller's addresses, one group per controller.
    var controllerAPIHostPorts: [[APIHostPort]] {
        machines.filter { $0.isController && $0.instanceID != nil }.map { m in
            machineAddresses(m.id).map { APIHostPort($0.ip, port: World.apiPort, scope: .cloudLocal, space: $0.space) }
        }
    }

    /// `apiHostPortsForAgents` as the api-address-updater receives it.
    var agentAPIHostPorts: [[APIHostPort]] {
        APIHostPorts.forAgents(controllerAPIHostPorts, managementSpace: config.managementSpace)
    }

    /// A workload agent's agent.conf `apiaddresses` (empty before any controller has an instance).
    public var workloadAgentAPIAddresses: [String] {
        (try? APIHostPorts.agentAPIAddresses(agentAPIHostPorts).get()) ?? []
    }

    /// The controllers a workload agent tries, in its (seeded, random) dial order.
    func workloadAgentAPIServers(_ id: MachineID) -> [MachineID] {
        var generator = config.seed.generator("api-dial-order/\(id.tag)")
        var servers: [MachineID] = []
        for address in APIHostPorts.dialOrder(workloadAgentAPIAddresses, using: &generator) {
            guard let host = JujuNet.host(of: address), let server = controllerOwning(host), !servers.contains(server) else { continue }
            servers.append(server)
        }
        return servers
    }

    private func controllerOwning(_ ip: String) -> MachineID? {
        machines.first { m in m.isController && machineAddresses(m.id).contains { $0.ip == ip } }?.id
    }

    /// The api-address-updater's debug line: `updating API hostPorts to [[a:17070 b:17070] …]`.
    mutating func logAPIHostPortsUpdate(_ id: MachineID, trace: inout Trace) {
        let groups = agentAPIHostPorts.map { "[" + $0.map(\.dialAddress).joined(separator: " ") + "]" }
        agentLog(id, module: "juju.worker.apiaddressupdater", location: "apiaddressupdater.go:93", level: .debug,
                 "updating API hostPorts to [\(groups.joined(separator: " "))]", trace: &trace)
    }

    /// A modern workload agent reconnected after its controller stopped answering: it logs the
    /// address it reached, the first of that controller's in its agent.conf.
    mutating func agentConnected(_ id: MachineID, to server: MachineID, trace: inout Trace) {
        guard config.flavor == .modern, machine(id)?.isController == false else { return }
        let own = Set(machineAddresses(server).map(\.ip))
        guard let address = workloadAgentAPIAddresses.first(where: { JujuNet.host(of: $0).map(own.contains) ?? false }) else { return }
        agentLog(id, module: "juju.api", location: "apiclient.go:1123",
                 "connection established to \"wss://\(address)/model/\(environmentUUID)/api\"", trace: &trace)
    }

    /// `juju controller-config juju-mgmt-space=SPACE`: agents' address lists are filtered anew.
    mutating func setManagementSpace(_ space: String, trace: inout Trace) -> InputOutcome {
        config.managementSpace = space.isEmpty ? nil : space
        refreshAPIServers()
        for m in machines where !m.isController && m.isRunning { logAPIHostPortsUpdate(m.id, trace: &trace) }
        return .done
    }

    /// `juju add-machine -n K`: new machines for workloads, started by the provisioner.
    mutating func addWorkloadMachines(_ count: Int, trace: inout Trace) -> InputOutcome {
        guard count > 0 else { return .failed("--num-machines must be a positive integer", hints: []) }
        guard let leader = dqliteLeaderMachine else {
            return .failed("no Dqlite leader: the controller database cannot be written", hints: dqliteQuorumHints)
        }
        var lines: [String] = []
        for _ in 0..<count {
            let id = addMachine(jobs: [.hostUnits])
            lines.append("created machine \(id)")
        }
        let master = singularHolder ?? leader
        queue.schedule(.provisioner(master, incarnation: machine(master)?.incarnation ?? 0), at: now + .seconds(1))
        return .output(lines.map { $0 + "\n" }.joined())
    }
}
