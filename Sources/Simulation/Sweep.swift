import BSON
import HACore
import ReplicaSet

/// Which faults a sweep injects.
public enum FaultSelection: String, Codable, Sendable, CaseIterable {
    /// Each seed draws its own mix of crashes, stops, pauses, partitions, disk loss and link quality.
    case swarm
    case none
}

public struct SweepOptions: Sendable {
    public var members: Int
    public var faults: FaultSelection
    public var duration: Interval
    public var writes: Bool
    /// How long the healed cluster may take to converge.
    public var convergenceBound: Interval = .minutes(5)
    /// Record a timeline of the run (a replay asks for one).
    public var timeline = false

    public init(members: Int, faults: FaultSelection, duration: Interval, writes: Bool) {
        self.members = members
        self.faults = faults
        self.duration = duration
        self.writes = writes
    }
}

/// What one seed of a sweep found.
public struct SeedOutcome: Sendable {
    public var seed: UInt64
    public var violations: [String]
    public var acknowledged: Int
    public var unknown: Int
    public var refused: Int
    public var events: UInt64
    public var faults: [String]
    /// The run's timeline, when the options asked for one.
    public var timeline: Timeline?

    public var passed: Bool { violations.isEmpty }
}

/// One seed of a legacy replica-set sweep: N state servers initiated as one set, a write workload,
/// a safety phase with faults and per-step checks, then a liveness phase that heals everything
/// and requires convergence with no acknowledged write lost.
public enum ReplicaSetSweep {
    public static func run(seed: UInt64, options: SweepOptions, trace: inout Trace) -> SeedOutcome {
        var checker = ReplicaSetChecker()
        var world = World(config: WorldConfig(name: "sim-\(seed)", flavor: .legacy, seed: Seed(seed), initiateReplicaSet: false),
                          trace: &trace)
        if options.timeline { world.startTimeline() }
        for _ in 1..<options.members {
            let id = world.addMachine(jobs: [.hostUnits, .manageEnviron])
            world.provision(id, trace: &trace)
        }
        _ = world.run(until: { $0.machines.allSatisfy(\.isRunning) }, limit: world.now + .minutes(5), trace: &trace)
        let initiate = initiateDocument(world.machines.map(\.id))
        world.sendRequest(from: 0, to: 0, database: "admin", command: ["replSetInitiate": .document(initiate)], trace: &trace)
        var outcome = SeedOutcome(seed: seed, violations: [], acknowledged: 0, unknown: 0, refused: 0, events: 0, faults: [])
        guard step(&world, &checker, until: { $0.replicaSetConverged }, limit: world.now + .minutes(3), trace: &trace) else {
            outcome.violations = checker.violations + ["\(world.now) the initiated set did not elect a primary within 3m0s"]
            outcome.timeline = world.timeline
            return outcome
        }
        if options.writes { world.startWorkload() }
        if options.faults == .swarm {
            var rng = Seed(seed).generator("nemesis")
            var nemesis = Nemesis(profile: SwarmProfile.draw(using: &rng), rng: rng)
            nemesis.drawSkew(seed: seed)
            world.startNemesis(nemesis)
        }
        let end = world.now + options.duration
        _ = step(&world, &checker, until: { _ in false }, limit: end, trace: &trace)
        world.stopWorkload()
        world.stopNemesisAndHeal(trace: &trace)
        let settledWorkload: (World) -> Bool = { w in w.replicaSetConverged && w.workload?.inFlight == nil }
        if !step(&world, &checker, until: settledWorkload, limit: world.now + options.convergenceBound, trace: &trace) {
            checker.noteNoConvergence(at: world.now, bound: options.convergenceBound)
        }
        checker.checkNoAcknowledgedWriteLost(world)
        outcome.violations = checker.violations
        outcome.acknowledged = world.workload?.acknowledged.count ?? 0
        outcome.unknown = world.workload?.unknown.count ?? 0
        outcome.refused = world.workload?.refused ?? 0
        outcome.events = world.eventCount
        outcome.faults = world.nemesis?.injected ?? []
        outcome.timeline = world.timeline
        return outcome
    }

    /// Steps event by event, checking invariants after each, until `condition` or `limit`.
    static func step(_ world: inout World, _ checker: inout ReplicaSetChecker, until condition: (World) -> Bool,
                     limit: Instant, trace: inout Trace) -> Bool {
        while !condition(world) {
            guard world.stepOnce(by: limit, trace: &trace) else {
                world.run(until: limit, trace: &trace)
                return condition(world)
            }
            checker.check(world)
        }
        return true
    }

    /// `replSetInitiate`'s config: every state server a voter, tagged with its Juju machine id.
    static func initiateDocument(_ machines: [MachineID]) -> Document {
        let members = machines.enumerated().map { index, id -> Value in
            .document(["_id": .int32(Int32(index + 1)), "host": .string(id.mongoHost),
                       "tags": .document(["juju-machine-id": .string(id.description)])])
        }
        return ["_id": .string("juju"), "version": .int32(1), "members": .array(members)]
    }
}

extension ReplicaSetChecker {
    mutating func noteNoConvergence(at now: Instant, bound: Interval) {
        violations.append("\(now) the healed set did not converge within \(bound)")
    }
}
