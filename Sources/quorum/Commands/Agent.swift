import ArgumentParser
import Foundation
import HACore
import Live

/// `quorum agent …` (hidden): one live machine's agent process, started detached by the
/// CLI; it hosts the machine's libdqlite node and answers the CLI's control API.
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "Run a live machine agent (started by quorum itself).",
                                                    shouldDisplay: false)

    /// `modern` hosts a libdqlite node; `legacy` hosts a replica-set member behind a MongoDB wire server.
    @Option var kind: String = "modern"
    @Option var machine: Int
    @Option var dir: String
    @Option var ip: String
    @Option var port: Int
    @Option(name: .customLong("node-id")) var nodeID: UInt64 = 0
    @Option var cluster: String?
    @Option(name: .customLong("roles-interval")) var rolesInterval: Double = 30
    @Option(name: .customLong("model-uuid")) var modelUUID: String?
    @Option(name: .customLong("controller-uuid")) var controllerUUID: String?
    /// Legacy: the peergrouper's poll interval as a duration (Juju's 1m when not given).
    @Option(name: .customLong("peergrouper-interval")) var peergrouperInterval: String?
    @Option(name: .customLong("ready-timeout")) var readyTimeout: Double?

    func run() throws {
        if kind == "legacy" {
            var interval: Int?
            if let text = peergrouperInterval {
                guard let parsed = Interval(parsing: text), parsed.microseconds >= 1_000 else {
                    throw ValidationError("invalid --peergrouper-interval \"\(text)\": expected a duration such as 1s")
                }
                interval = Int(parsed.microseconds / 1_000)
            }
            let options = LegacyAgentOptions(machine: machine, directory: dir, ip: ip, port: port, peergrouperIntervalMillis: interval)
            Foundation.exit(LegacyAgent(options: options).run())
        }
        let options = AgentOptions(machine: machine, directory: dir, ip: ip, port: port, nodeID: nodeID,
                                   cluster: cluster?.split(separator: ",").map(String.init) ?? [], rolesInterval: rolesInterval,
                                   modelUUID: modelUUID, controllerUUID: controllerUUID, readyTimeout: readyTimeout)
        Foundation.exit(Agent(options: options).run())
    }
}
