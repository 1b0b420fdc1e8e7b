import ArgumentParser
import Foundation
import Live

/// `quorum agent …` (hidden): one live machine's agent process, started detached by the
/// CLI; it hosts the machine's libdqlite node and answers the CLI's control API.
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "Run a live machine agent (started by quorum itself).",
                                                    shouldDisplay: false)

    @Option var machine: Int
    @Option var dir: String
    @Option var ip: String
    @Option var port: Int
    @Option(name: .customLong("node-id")) var nodeID: UInt64
    @Option var cluster: String?
    @Option(name: .customLong("roles-interval")) var rolesInterval: Double = 30

    func run() throws {
        let options = AgentOptions(machine: machine, directory: dir, ip: ip, port: port, nodeID: nodeID,
                                   cluster: cluster?.split(separator: ",").map(String.init) ?? [], rolesInterval: rolesInterval)
        Foundation.exit(Agent(options: options).run())
    }
}
