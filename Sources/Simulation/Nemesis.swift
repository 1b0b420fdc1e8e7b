import HACore

/// Swarm testing: each seed first draws which faults are likely (TigerBeetle's VOPR does the
/// same), then the nemesis injects them at random moments among the state servers.
public struct SwarmProfile: Codable, Sendable, Equatable {
    public var meanInterval: Interval
    public var crash: Double
    public var stop: Double
    public var pause: Double
    public var partition: Double
    public var oneWayFraction: Double
    public var diskLoss: Double
    public var restart: Double
    public var heal: Double
    /// Clock skew of one machine's wall clock (never drawn from the fault stream, so seeds
    /// without skew keep the faults they always had).
    public var skew: Double = 0
    public var link: LinkProfile

    /// No faults at all (`--faults none`).
    public static let none = SwarmProfile(meanInterval: .seconds(5), crash: 0, stop: 0, pause: 0, partition: 0,
                                          oneWayFraction: 0, diskLoss: 0, restart: 1, heal: 1, link: LinkProfile())

    /// Draws fault weights and network quality from the seed's fault stream.
    public static func draw(using rng: inout SplitMix64) -> SwarmProfile {
        func weight(_ rng: inout SplitMix64) -> Double { rng.chance(0.8) ? rng.unit() : 0 }
        let latencyMax = rng.interval(in: .milliseconds(1), .milliseconds(50))
        let link = LinkProfile(latencyMin: .microseconds(200), latencyMax: latencyMax, loss: rng.unit() * 0.05,
                               duplication: rng.unit() * 0.05, reordering: rng.unit() * 0.1, reorderDelay: .milliseconds(100))
        return SwarmProfile(meanInterval: rng.interval(in: .seconds(2), .seconds(20)), crash: weight(&rng), stop: weight(&rng),
                            pause: weight(&rng), partition: weight(&rng), oneWayFraction: rng.unit(),
                            diskLoss: rng.chance(0.5) ? rng.unit() * 0.2 : 0, restart: 0.5 + rng.unit(), heal: 0.5 + rng.unit(),
                            link: link)
    }
}

/// The fault injector: a world-level driver with its own random stream.
public struct Nemesis: Codable, Sendable {
    public var profile: SwarmProfile
    var rng: SplitMix64
    var running = true
    public internal(set) var injected: [String] = []

    public init(profile: SwarmProfile, rng: SplitMix64) {
        self.profile = profile
        self.rng = rng
    }

    enum Action: CaseIterable { case crash, stop, pause, partition, diskLoss, restart, heal, skew }

    /// Draws the skew weight from its own stream: half the seeds skew clocks.
    public mutating func drawSkew(seed: UInt64) {
        var rng = Seed(seed).generator("nemesis-skew")
        profile.skew = rng.chance(0.5) ? rng.unit() * 0.3 : 0
    }

    /// Skews stay within ±5 s: wall clocks disagree, but by less than a lease lasts.
    static let maxSkew: Interval = .seconds(5)

    mutating func choose() -> Action? {
        let weights: [(Action, Double)] = [
            (.crash, profile.crash), (.stop, profile.stop), (.pause, profile.pause), (.partition, profile.partition),
            (.diskLoss, profile.diskLoss), (.restart, profile.restart), (.heal, profile.heal), (.skew, profile.skew),
        ]
        let total = weights.reduce(0) { $0 + $1.1 }
        guard total > 0 else { return nil }
        var pick = rng.unit() * total
        for (action, w) in weights {
            if pick < w { return action }
            pick -= w
        }
        return weights.last?.0
    }
}

extension World {
    public mutating func startNemesis(_ nemesis: Nemesis) {
        self.nemesis = nemesis
        network.defaultProfile = nemesis.profile.link
        queue.schedule(.driver(.nemesisTick), at: now + nemesis.profile.meanInterval)
    }

    /// Ends the fault phase: heal everything and bring every process back (the liveness phase).
    public mutating func stopNemesisAndHeal(trace: inout Trace) {
        nemesis?.running = false
        network.defaultProfile = config.network
        heal(nil, trace: &trace)
        for m in machines where m.process != .running && m.process != .none { start(m.id, trace: &trace) }
    }

    mutating func nemesisTick(trace: inout Trace) {
        guard var n = nemesis, n.running else { return }
        let ids = nemesisTargets
        if let action = n.choose(), !ids.isEmpty {
            let target = ids[Int(n.rng.next() % UInt64(ids.count))]
            nemesis = n
            apply(action, target: target, among: ids, trace: &trace)
            n = nemesis!
        }
        let next = n.rng.interval(in: n.profile.meanInterval / 2, n.profile.meanInterval + n.profile.meanInterval / 2)
        nemesis = n
        queue.schedule(.driver(.nemesisTick), at: now + next)
    }

    private mutating func apply(_ action: Nemesis.Action, target: MachineID, among ids: [MachineID], trace: inout Trace) {
        let alive = machine(target)?.process == .running
        switch action {
        case .crash where alive: record("crash \(target.tag)"); inject(.crash, into: target, trace: &trace)
        case .stop where alive: record("stop \(target.tag)"); inject(.stop, into: target, trace: &trace)
        case .pause where alive: record("pause \(target.tag)"); inject(.pause, into: target, trace: &trace)
        case .diskLoss where alive && diskLossIsSafe(target):
            record("disk-loss \(target.tag)")
            inject(.diskLoss, into: target, trace: &trace)
        case .partition:
            var rng = nemesis!.rng
            let group = ids.filter { _ in rng.chance(0.5) }
            let oneWay = rng.chance(nemesis!.profile.oneWayFraction)
            nemesis!.rng = rng
            let others = ids.filter { !group.contains($0) }
            guard !group.isEmpty, !others.isEmpty else { return }
            record("partition \(group.map(\.description).joined(separator: ",")) from \(others.map(\.description).joined(separator: ","))\(oneWay ? " one-way" : "")")
            partition(group, from: others, oneWay: oneWay, trace: &trace)
        case .restart:
            guard let down = ids.first(where: { machine($0)?.process != .running }) else { return }
            record("start \(down.tag)")
            start(down, trace: &trace)
        case .skew:
            var rng = nemesis!.rng
            let offset = Interval(microseconds: Int64(rng.next() % UInt64(2 * Nemesis.maxSkew.microseconds + 1)) - Nemesis.maxSkew.microseconds)
            nemesis!.rng = rng
            record("skew \(target.tag) \(offset)")
            skew(target, by: offset, trace: &trace)
        case .heal:
            guard !network.cut.isEmpty else { return }
            record("heal")
            heal(nil, trace: &trace)
        default:
            return
        }
    }

    private mutating func record(_ text: String) { nemesis?.injected.append("\(now) \(text)") }

    /// An operator step of a sweep, listed with the faults (and refusals with their reason).
    mutating func recordOperator(_ command: String, _ outcome: InputOutcome) {
        if case .failed(let message, _) = outcome { record("\(command): \(message)") } else { record(command) }
    }

    /// The machines whose database processes the nemesis aims at: the state servers' mongods
    /// (legacy) or the controllers' Dqlite nodes (modern).
    var nemesisTargets: [MachineID] {
        config.flavor == .legacy ? members.map(\.machine) : dqliteNodes.map(\.machine)
    }

    /// A disk is wiped only while every other member is up and caught up with the primary, so the
    /// loss can never take an acknowledged write with it (that would be an operator's error, not
    /// the replica set's). A mongod with an empty dbpath resyncs by itself.
    ///
    /// A Dqlite node's is never wiped by the nemesis. Raft's fault model keeps a node's term,
    /// vote and log on stable storage, and C-raft has no repair for a node that comes back at
    /// the same id with none: its leader keeps the match index it had for it, and while it
    /// pipelines to it `progressMaybeDecrement` drops every refusal at or below that index as
    /// stale, so on an idle log the node is never sent anything again (`dqliteStaleProgress`
    /// names it; sweeps that wiped disks failed to converge in 2 to 8 seeds in 1,000). Nor does
    /// Juju recover one in place: with an empty data directory (`IsExistingNode()` false, spec
    /// modern §3.1) the controller joins as a new node, whose ADD its old address refuses.
    /// `fault disk-loss` still wipes one, for operators who want to see that.
    func diskLossIsSafe(_ target: MachineID) -> Bool {
        guard config.flavor == .legacy else { return false }
        guard let primary = members.compactMap(\.member).first(where: \.isWritablePrimary) else { return false }
        return members.allSatisfy { h in
            h.machine == target || (h.member != nil && machine(h.machine)?.process == .running
                                    && h.durable.lastApplied >= primary.lastApplied)
        }
    }
}
