import HACore

/// How a directed link behaves: latency drawn uniformly from [min, max], plus loss, duplication
/// and reordering (a delivery held back by an extra delay so later messages overtake it).
public struct LinkProfile: Codable, Sendable, Equatable {
    public var latencyMin: Interval
    public var latencyMax: Interval
    public var loss: Double
    public var duplication: Double
    public var reordering: Double
    public var reorderDelay: Interval

    public init(latencyMin: Interval = .microseconds(500), latencyMax: Interval = .milliseconds(2),
                loss: Double = 0, duplication: Double = 0, reordering: Double = 0,
                reorderDelay: Interval = .milliseconds(20)) {
        self.latencyMin = latencyMin
        self.latencyMax = latencyMax
        self.loss = loss
        self.duplication = duplication
        self.reordering = reordering
        self.reorderDelay = reorderDelay
    }

    /// A machine talking to itself: fast and never lost.
    public static let loopback = LinkProfile(latencyMin: .microseconds(50), latencyMax: .microseconds(100))
}

/// A directed link between two machines.
public struct Link: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var from: MachineID
    public var to: MachineID

    public init(from: MachineID, to: MachineID) {
        self.from = from
        self.to = to
    }

    public static func < (a: Link, b: Link) -> Bool { (a.from, a.to) < (b.from, b.to) }
    public var description: String { "\(from.tag) → \(to.tag)" }
}

/// The simulated network: per-link behaviour and the set of cut links. A value without IO; the
/// caller supplies the generator so every decision comes from the run's seed.
public struct SimNetwork: Codable, Sendable, Equatable {
    public var defaultProfile = LinkProfile()
    /// Per-link overrides, kept sorted by link so snapshots are stable.
    public private(set) var overrides: [LinkOverride] = []
    /// Cut directed links, kept sorted.
    public private(set) var cut: [Link] = []

    public struct LinkOverride: Codable, Sendable, Equatable {
        public var link: Link
        public var profile: LinkProfile
    }

    public init() {}

    public func profile(of link: Link) -> LinkProfile {
        if link.from == link.to { return .loopback }
        return overrides.first { $0.link == link }?.profile ?? defaultProfile
    }

    public mutating func setProfile(_ profile: LinkProfile, for link: Link) {
        overrides.removeAll { $0.link == link }
        overrides.append(LinkOverride(link: link, profile: profile))
        overrides.sort { $0.link < $1.link }
    }

    public func isCut(_ link: Link) -> Bool { link.from != link.to && cut.contains(link) }

    /// Cuts traffic between `group` and `others`; with `oneWay`, only `group` → `others`.
    public mutating func partition(_ group: [MachineID], from others: [MachineID], oneWay: Bool) {
        var links = Set(cut)
        for a in group {
            for b in others where a != b {
                links.insert(Link(from: a, to: b))
                if !oneWay { links.insert(Link(from: b, to: a)) }
            }
        }
        cut = links.sorted()
    }

    /// Restores every link touching one of `machines`.
    public mutating func heal(_ machines: [MachineID]) {
        cut.removeAll { machines.contains($0.from) || machines.contains($0.to) }
    }

    public mutating func healAll() { cut.removeAll() }

    /// Decides the fate of one message: the delays after which copies arrive
    /// (empty when it is lost, two when it is duplicated).
    public func transmit(over link: Link, using rng: inout SplitMix64) -> Transmission {
        if isCut(link) { return .cut }
        let p = profile(of: link)
        if rng.chance(p.loss) { return .lost }
        var delays = [delay(p, &rng)]
        if rng.chance(p.duplication) { delays.append(delay(p, &rng)) }
        return .delivered(after: delays)
    }

    private func delay(_ p: LinkProfile, _ rng: inout SplitMix64) -> Interval {
        var d = rng.interval(in: p.latencyMin, p.latencyMax)
        if rng.chance(p.reordering) { d = d + rng.interval(in: .zero, p.reorderDelay) }
        return d
    }
}

/// What happened to a message handed to the network.
public enum Transmission: Equatable, Sendable {
    case delivered(after: [Interval])
    case lost
    case cut
}
