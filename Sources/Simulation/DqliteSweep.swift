import HACore
import RaftCluster

/// One seed of a modern (Dqlite) sweep, issue 5's Raft seed sweep: a controller bootstrapped
/// and grown to N controllers with `enable-ha -n N` (go-dqlite's role management picks the
/// voters and stand-bys), a write workload through the leader, a safety phase with the swarm
/// nemesis and the Raft checks after every event, then a liveness phase that heals everything
/// and requires convergence with no acknowledged write lost.
public enum DqliteSweep {
    /// How long bootstrap and enable-ha may take to settle (provisioning takes up to a minute
    /// per machine, role management acts every 30 s).
    static let setupBound: Interval = .minutes(10)

    public static func run(seed: UInt64, options: SweepOptions, trace: inout Trace) -> SeedOutcome {
        var world = World(config: WorldConfig(name: "sim-\(seed)", flavor: .modern, seed: Seed(seed)), trace: &trace)
        defer { NodeDatabaseCache.shared.forget(environment: world.environmentUUID) }
        world.raftChecker = DqliteChecker()
        if options.timeline { world.startTimeline() }
        var outcome = SeedOutcome(seed: seed, violations: [], acknowledged: 0, unknown: 0, refused: 0, events: 0, faults: [])
        if let failure = setUp(&world, controllers: options.members, trace: &trace) {
            outcome.violations = world.raftChecker!.violations + ["\(world.now) \(failure)"]
            outcome.events = world.eventCount
            outcome.timeline = world.timeline
            return outcome
        }
        if options.writes { world.startDqliteWorkload() }
        if options.faults == .swarm {
            var rng = Seed(seed).generator("nemesis")
            var nemesis = Nemesis(profile: SwarmProfile.draw(using: &rng), rng: rng)
            nemesis.drawSkew(seed: seed)
            world.startNemesis(nemesis)
        }
        let end = world.now + options.duration
        var operatorRNG = Seed(seed).generator("operator")
        // Half of the swarm seeds also have an operator changing membership and taking backups.
        let operatorActs = options.faults == .swarm && operatorRNG.chance(0.5)
        while world.now < end {
            world.run(until: operatorActs ? min(end, world.now + operatorRNG.interval(in: .seconds(30), .seconds(120))) : end, trace: &trace)
            if operatorActs && world.now < end { operatorAction(&world, rng: &operatorRNG, trace: &trace) }
        }
        world.stopDqliteWorkload()
        world.stopNemesisAndHeal(trace: &trace)
        let settled: (World) -> Bool = { w in w.dqliteConverged && w.dqliteWorkload?.isIdle != false }
        if !world.run(until: settled, limit: world.now + options.convergenceBound, trace: &trace) {
            world.raftChecker!.noteNoConvergence(at: world.now, bound: options.convergenceBound, world)
        }
        world.raftChecker!.checkNoAcknowledgedWriteLost(world)
        outcome.violations = world.raftChecker!.violations
        outcome.acknowledged = world.dqliteWorkload?.acknowledged.count ?? 0
        outcome.unknown = world.dqliteWorkload?.unknown.count ?? 0
        outcome.refused = world.dqliteWorkload?.refused.count ?? 0
        outcome.events = world.eventCount
        outcome.faults = world.nemesis?.injected ?? []
        outcome.timeline = world.timeline
        return outcome
    }

    /// One operator step between events: grow with `enable-ha`, remove a dead controller with
    /// `remove-machine --force`, or take a backup through the leader, which must hold every key
    /// acknowledged before it began. Refusals (no leader, nothing to remove) are part of the run.
    static func operatorAction(_ world: inout World, rng: inout SplitMix64, trace: inout Trace) {
        let controllers = world.controllers
        switch rng.next() % 3 {
        case 0:
            let target = controllers.count % 2 == 0 ? controllers.count + 1 : controllers.count + 2
            guard target <= 7 else { return }
            world.recordOperator("enable-ha -n \(target)", world.apply(.enableHA(["-n", String(target)]), trace: &trace))
        case 1:
            // Only a dead controller whose node the leader holds as a non-voter: a forced removal
            // of voters can cost the cluster its quorum for good, which is the operator's doing.
            guard controllers.count > 1, world.dqliteLeaderMachine != nil, let configuration = world.dqliteConfiguration,
                  let dead = controllers.first(where: { id in
                      guard world.machine(id)?.process != .running, let node = world.dqliteNode(on: id) else { return false }
                      return configuration.server(node.nodeID).map { $0.role != .voter } ?? true
                  }) else { return }
            world.recordOperator("remove-machine --force \(dead)", world.apply(.removeMachines([dead.description], force: true), trace: &trace))
        default:
            let before = Set(world.dqliteWorkload?.acknowledged.map { DqliteWorkload.key($0.key) } ?? [])
            let outcome = world.apply(.createBackup, trace: &trace)
            world.recordOperator("create-backup", outcome)
            guard case .controllerBackup(let dump) = outcome else { return }
            let missing = before.subtracting(backedUpKeys(dump)).sorted()
            if !missing.isEmpty {
                world.raftChecker?.note("a backup through the leader lacks acknowledged keys \(missing.prefix(5).joined(separator: ", "))", at: world.now)
            }
        }
    }

    static func backedUpKeys(_ dump: ControllerDump) -> Set<String> {
        guard let table = dump.tables.first(where: { $0.name == "controller_config" }),
              let column = table.columns.firstIndex(of: "key") else { return [] }
        return Set(table.rows.compactMap { row in if case .text(let key) = row[column] { return key } else { return nil } })
    }

    /// Bootstrap, `enable-ha -n N`, and wait until every controller's node is in the cluster
    /// with the roles go-dqlite's rules give N nodes. Returns what went wrong, if anything.
    static func setUp(_ world: inout World, controllers: Int, trace: inout Trace) -> String? {
        guard case .reached = world.apply(.wait(.settled, timeout: setupBound), trace: &trace) else {
            return "the bootstrap controller did not settle within \(setupBound): \(world.dqliteConvergenceReport)"
        }
        if controllers > 1 {
            if case let .failed(message, _) = world.apply(.enableHA(["-n", String(controllers)]), trace: &trace) {
                return "enable-ha -n \(controllers) failed: \(message)"
            }
        }
        let voters = min(controllers, 3), standBys = min(controllers - voters, 3)
        let ready: (World) -> Bool = { w in
            guard w.dqliteNodes.count == controllers, w.holds(.settled), w.dqliteConverged,
                  let configuration = w.dqliteConfiguration else { return false }
            return configuration.voterCount == voters && configuration.servers.filter { $0.role == .standBy }.count == standBys
        }
        guard world.run(until: ready, limit: world.now + setupBound, trace: &trace) else {
            return "enable-ha -n \(controllers) did not settle into \(voters) voters and \(standBys) stand-bys within \(setupBound): \(world.dqliteConvergenceReport)"
        }
        return nil
    }
}
