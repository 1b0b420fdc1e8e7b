import HACore
import RaftCluster
import ReplicaSet

/// What one machine's lane shows at a moment: its database member's state, or why it has none.
public enum LaneState: String, Codable, Sendable, CaseIterable {
    // Legacy replica-set members.
    case primary, secondary, catchingUp = "startup/recovering", rollback
    // Dqlite nodes: the leader, then followers by role.
    case leader, voter, standBy = "stand-by", spare, candidate
    // The process.
    case paused, down
    /// A machine with no member or node yet (provisioning, or a workload machine).
    case none
}

/// A stretch of time a lane spent in one state.
public struct LaneSegment: Codable, Sendable, Equatable {
    public var machine: MachineID
    public var state: LaneState
    public var start: Instant
    public var end: Instant
}

/// Something that happened at a moment, drawn as a mark on the timeline.
public struct TimelineMark: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case fault, restart, partition, heal, election, configuration
    }
    public var at: Instant
    public var kind: Kind
    /// The lane it belongs to; nil for marks about the whole cluster.
    public var machine: MachineID?
    public var label: String
}

/// Members over simulated time, recorded from the world after every event: the state of each
/// machine's lane, faults, elections (a new term's primary or leader) and configuration
/// changes. It only observes; recording never changes what the world does.
public struct Timeline: Codable, Sendable {
    public private(set) var segments: [LaneSegment] = []
    public private(set) var marks: [TimelineMark] = []
    public private(set) var lanes: [MachineID] = []
    public private(set) var end: Instant = .zero
    private var open: [MachineID: LaneSegment] = [:]
    private var highestTerm: Int64 = 0
    private var configurationStamp: Int64 = 0

    public init() {}

    /// Every segment, the open ones closed at the last observation, in lane then time order.
    public var closedSegments: [LaneSegment] {
        (segments + open.values.map { var s = $0; s.end = end; return s })
            .sorted { ($0.machine, $0.start) < ($1.machine, $1.start) }
    }

    mutating func mark(_ kind: TimelineMark.Kind, at time: Instant, machine: MachineID?, _ label: String) {
        marks.append(TimelineMark(at: time, kind: kind, machine: machine, label: label))
    }

    /// Looks at the world after an event.
    mutating func observe(_ world: World) {
        end = world.now
        for m in world.machines {
            if !lanes.contains(m.id) { lanes.append(m.id); lanes.sort() }
            let state = world.laneState(m)
            if let current = open[m.id], current.state == state { continue }
            if var finished = open[m.id] {
                finished.end = world.now
                if finished.end > finished.start { segments.append(finished) }
            }
            open[m.id] = LaneSegment(machine: m.id, state: state, start: world.now, end: world.now)
        }
        for id in open.keys.sorted() where world.machine(id) == nil {
            var finished = open.removeValue(forKey: id)!
            finished.end = world.now
            if finished.end > finished.start { segments.append(finished) }
        }
        observeElectionsAndConfigurations(world)
    }

    private mutating func observeElectionsAndConfigurations(_ world: World) {
        let leader: (MachineID, Int64)?
        let stamp: (Int64, String)?
        switch world.config.flavor {
        case .legacy:
            leader = world.members.compactMap { h in h.member.flatMap { $0.state == .primary ? (h.machine, $0.durable.term) : nil } }
                .max { $0.1 < $1.1 }
            stamp = world.members.compactMap { $0.member?.durable.config }.max { $0.version < $1.version }
                .map { (Int64($0.version), "config v\($0.version): \($0.members.filter(\.isVoter).count) voters") }
        case .modern:
            leader = world.dqliteLeaderHosted.flatMap { h in h.node.map { (h.machine, Int64($0.term)) } }
            stamp = world.dqliteLeaderHosted?.node.map { node in
                (Int64(node.configurationIndex),
                 "configuration @\(node.configurationIndex): \(node.configuration.voterCount) voters")
            }
        }
        if let (machine, term) = leader, term > highestTerm {
            highestTerm = term
            mark(.election, at: world.now, machine: machine, "term \(term)")
        }
        if let (value, label) = stamp, value > configurationStamp {
            if configurationStamp != 0 { mark(.configuration, at: world.now, machine: nil, label) }
            configurationStamp = value
        }
    }
}

extension World {
    /// The lane state of a machine right now.
    func laneState(_ m: Machine) -> LaneState {
        switch m.process {
        case .paused: return .paused
        case .stopped, .crashed: return .down
        case .none: return .none
        case .running: break
        }
        switch config.flavor {
        case .legacy:
            guard let member = members.first(where: { $0.machine == m.id })?.member else { return .none }
            switch member.state {
            case .primary: return .primary
            case .secondary: return .secondary
            case .rollback: return .rollback
            default: return .catchingUp
            }
        case .modern:
            guard let node = dqliteNode(on: m.id)?.node, let configuration = dqliteConfiguration,
                  configuration.contains(node.id) else { return .none }
            if dqliteLeaderMachine == m.id { return .leader }
            if node.state == .candidate || node.state == .preCandidate { return .candidate }
            switch configuration.role(of: node.id) {
            case .voter?: return .voter
            case .standBy?: return .standBy
            default: return .spare
            }
        }
    }

    /// Records a timeline from now on (a replay or a scenario asks for one).
    public mutating func startTimeline() {
        timeline = Timeline()
        timeline!.observe(self)
    }

    mutating func observeTimeline() {
        guard timeline != nil else { return }
        var recorder = timeline!
        timeline = nil
        recorder.observe(self)
        timeline = recorder
    }

    mutating func markTimeline(_ kind: TimelineMark.Kind, machine: MachineID?, _ label: String) {
        guard timeline != nil else { return }
        let time = now
        timeline!.mark(kind, at: time, machine: machine, label)
    }
}
