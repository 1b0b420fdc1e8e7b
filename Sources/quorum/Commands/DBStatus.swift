import ArgumentParser
import HACore
import ReplicaSet
import RaftCluster
import Simulation
import Live

/// `quorum db-status`: the database cluster as its members see it, and whether it has quorum.
struct DBStatus: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "db-status", abstract: "Show the database cluster: members, states and quorum.")

    @OptionGroup var env: EnvironmentOption

    @Option(help: "Output format: yaml or json.")
    var format: StatusFormat = .yaml

    func validate() throws {
        guard format != .tabular else { throw ValidationError("--format must be yaml or json") }
    }

    func run() throws {
        if let legacy = try LiveSupport.openLegacy(env.environment) {
            let node = legacyLiveView(legacy)
            print(format == .json ? formatJSON(node) : formatYAML(node), terminator: "")
            return
        }
        if let live = try LiveSupport.open(env.environment) {
            let node = LiveStatus(env: live).dbStatus()
            print(format == .json ? formatJSON(node) : formatYAML(node), terminator: "")
            return
        }
        let session = try Session(environment: env.environment, writing: false)
        let world = session.world
        let node = world.config.flavor == .legacy ? replicaSetView(world) : dqliteView(world)
        print(format == .json ? formatJSON(node) : formatYAML(node), terminator: "")
    }

    /// `replSetGetStatus` of a live legacy set, read over the wire: each member's state and health.
    private func legacyLiveView(_ env: LiveLegacyEnvironment) -> GoValue {
        guard let status = env.replSetGetStatus() else {
            return .object([("replica-set", .string("juju")), ("error", .string("no member answers"))])
        }
        let members: [GoValue] = (status["members"]?.arrayValue ?? []).compactMap(\.documentValue).map { m in
            .object([("name", .string(m["name"]?.stringValue ?? "")), ("state", .string(m["stateStr"]?.stringValue ?? "")),
                     ("health", .int(Int(m["health"]?.doubleValue ?? 0)))])
        }
        return .object([("replica-set", .string(status["set"]?.stringValue ?? "juju")), ("term", .int(Int(status["term"]?.int64Value ?? 0))),
                        ("members", .list(members))])
    }

    /// Each member's own view of itself (or that it is down), the config's voters, and quorum.
    private func replicaSetView(_ world: World) -> GoValue {
        let config = world.members.compactMap(\.durable.config).max { ($0.version, $0.term) < ($1.version, $1.term) }
        let members: [GoValue] = world.members.map { hosted in
            let configured = config?.members.first { $0.host == hosted.machine.mongoHost }
            var fields: [(String, GoValue)] = [("machine", .string(hosted.machine.description)),
                                               ("host", .string(hosted.machine.mongoHost))]
            if let configured {
                fields.append(("id", .int(configured.id)))
                fields.append(("votes", .int(configured.votes)))
            }
            if let m = hosted.member {
                fields.append(("state", .string(m.state.stateStr)))
                fields.append(("term", .int(Int(m.term))))
                fields.append(("optime", .string(m.lastApplied.description)))
            } else {
                fields.append(("state", .string(MemberState.down.stateStr)))
            }
            return .object(fields)
        }
        var doc: [(String, GoValue)] = [("set", .string(config?.setName ?? "juju"))]
        if let config { doc.append(("config-version", .int(config.version))) }
        if let primary = world.primaryMachine { doc.append(("primary", .string(primary.description))) }
        if let q = world.quorumSummary {
            doc.append(("quorum", .object([("voters", .int(q.voters)), ("voters-up", .int(q.votersUp)), ("needed", .int(q.needed)),
                                           ("has-quorum", .bool(q.hasQuorum))])))
        }
        doc.append(("members", .list(members)))
        return .object(doc)
    }

    /// Each Dqlite node's own view (role, Raft state, term, indexes), the configuration the
    /// leader holds, and quorum among its voters.
    private func dqliteView(_ world: World) -> GoValue {
        let configuration = world.dqliteConfiguration
        let nodes: [GoValue] = world.dqliteNodes.map { hosted in
            var fields: [(String, GoValue)] = [("machine", .string(hosted.machine.description)),
                                               ("id", .string(String(hosted.nodeID))), ("address", .string(hosted.bindAddress))]
            fields.append(("role", .string(configuration?.role(of: hosted.nodeID)?.description ?? "none")))
            if let node = hosted.node {
                fields.append(("state", .string(node.state.rawValue)))
                fields.append(("term", .int(Int(node.term))))
                fields.append(("commit-index", .int(Int(node.commitIndex))))
                fields.append(("applied-index", .int(Int(node.appliedIndex))))
            } else {
                fields.append(("state", .string("down")))
            }
            return .object(fields)
        }
        var doc: [(String, GoValue)] = [("cluster", .string("dqlite"))]
        if let leader = world.dqliteLeaderMachine, let hosted = world.dqliteNode(on: leader) {
            doc.append(("leader", .string(hosted.machine.description)))
            doc.append(("leader-id", .string(String(hosted.nodeID))))
        }
        if let q = world.dqliteQuorumSummary {
            doc.append(("quorum", .object([("voters", .int(q.voters)), ("voters-up", .int(q.votersUp)), ("needed", .int(q.needed)),
                                           ("has-quorum", .bool(q.hasQuorum))])))
        }
        doc.append(("nodes", .list(nodes)))
        return .object(doc)
    }
}
