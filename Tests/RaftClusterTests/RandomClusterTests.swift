import HACore
import XCTest
@testable import RaftCluster

/// Seeded swarm runs (spec testing §A.6, §A.8): five nodes, a client writing, reading and
/// reconfiguring, crashes with restarts, partitions, lost and duplicated messages, and every Raft safety check after
/// every step. Then a liveness phase: heal everything and require one leader whose committed
/// log reaches every node that replicates it.
final class RandomClusterTests: XCTestCase {
    static let ids: [UInt64] = [1, 2, 3, 4, 5]

    struct Outcome {
        var violations: [String]
        var converged: Bool
        /// Not converged, and stuck in C-raft's voting hole (see `votingHole`).
        var votingHole: Bool
        var steps: Int
        var committed: Int
        var leaders: Int
        var trace: String
    }

    /// One seeded run of `duration` simulated time.
    static func run(seed: UInt64, duration: Interval, settings: RaftSettings = RaftSettings(), loss: Double = 0.02,
                    dump: Bool = false) -> Outcome {
        var random = Seed(seed).generator("scenario")
        let c = SimCluster(seed: seed, ids: ids, settings: settings)
        c.keepTrace = dump ? 100_000 : 200
        c.loss = loss
        c.duplication = 0.01
        c.bootstrap(1)
        for id in ids where id != 1 { c.start(id) }
        var restartAt: [(UInt64, Instant)] = []
        var healAt: Instant?
        var statement = 0
        let end = c.now + duration

        func pick<T>(_ items: [T]) -> T? {
            items.isEmpty ? nil : items[Int(random.next() % UInt64(items.count))]
        }

        /// Any role, but voter only for a reachable node.
        func randomRole(_ id: UInt64, from target: UInt64) -> DqliteRole {
            let reachable = c.isUp(id) && c.linked(id, target)
            return pick(reachable ? DqliteRole.allCases : [.standBy, .spare])!
        }

        /// What go-dqlite's role management would ask for next: every node in, three voters,
        /// the rest stand-bys.
        func towardsTargetRoles(_ config: RaftConfiguration, from target: UInt64) -> DqliteRequest? {
            if let outsider = pick(ids.filter { !config.contains($0) }) {
                return .add(id: outsider, address: SimCluster.address(outsider))
            }
            // Only reachable nodes are promoted (go-dqlite probes them first with DESCRIBE).
            let nonVoters = config.servers.filter { $0.role != .voter && c.isUp($0.id) && c.linked($0.id, target) }.map(\.id)
            if config.voterCount < 3, let id = pick(nonVoters) { return .assign(id: id, role: .voter) }
            if let spare = pick(config.servers.filter { $0.role == .spare }.map(\.id)) { return .assign(id: spare, role: .standBy) }
            return nil
        }

        while c.now < end && c.violations.isEmpty {
            c.run(for: random.interval(in: .milliseconds(50), .milliseconds(900)))
            for (id, at) in restartAt where at <= c.now { c.start(id) }
            restartAt.removeAll { $0.1 <= c.now }
            if let at = healAt, at <= c.now {
                c.heal()
                healAt = nil
            }
            let up = c.upIDs
            guard let target = random.chance(0.85) ? (c.leader ?? pick(up)) : pick(up) else { continue }
            let roll = random.unit()
            if roll < 0.50 {
                statement += 1
                c.request(.execSQL(SQLStatement("INSERT INTO t VALUES (?)", [.integer(Int64(statement))])), to: target)
            } else if roll < 0.55 {
                c.request(.querySQL(SQLStatement("SELECT * FROM t")), to: target)
            } else if roll < 0.72 {
                // Like go-dqlite's role management, never demote or remove the leader itself (it
                // hands leadership over first): a leader that leaves the voters and crashes before
                // the change commits can leave no node able to win an election, in C-raft as here.
                let config = c.node(target).configuration
                let member = pick(config.servers.map(\.id).filter { $0 != target }) ?? target
                let change: DqliteRequest
                switch random.next() % 10 {
                case 0...6: change = towardsTargetRoles(config, from: target) ?? .assign(id: member, role: randomRole(member, from: target))
                case 7: change = .assign(id: member, role: randomRole(member, from: target))
                case 8: change = .remove(id: member)
                default: change = .transfer(id: random.chance(0.5) ? 0 : member)
                }
                c.request(change, to: target)
            } else if roll < 0.78 {
                c.request(pick([.leader, .cluster(format: 1)])!, to: target)
            } else if roll < 0.83 {
                // Crash one node (often the leader) for 1–20 s, at most two at a time.
                if up.count > ids.count - 2, let victim = random.chance(0.5) ? (c.leader ?? pick(up)) : pick(up) {
                    c.crash(victim)
                    restartAt.append((victim, c.now + random.interval(in: .seconds(1), .seconds(20))))
                }
            } else if roll < 0.92, healAt == nil {
                // Isolate one node, or split the cluster in two, for 2–20 s.
                var shuffled = ids
                shuffled.shuffle(using: &random)
                let size = random.chance(0.5) ? 1 : 2
                c.partition(Array(shuffled.prefix(size)), from: Array(shuffled.dropFirst(size)))
                healAt = c.now + random.interval(in: .seconds(2), .seconds(20))
            }
        }

        // Liveness: heal, restart, converge.
        c.heal()
        for (id, _) in restartAt where !c.isUp(id) { c.start(id) }
        let converged = c.run(atMost: .seconds(60)) { c in
            guard let leader = c.leader else { return false }
            let node = c.node(leader)
            guard node.commitIndex == node.lastLogIndex else { return false }
            return node.configuration.servers.allSatisfy { server in
                server.role == .spare || c.node(server.id).commitIndex == node.commitIndex
            }
        }
        c.checkAppliedPrefixes()
        let leaders = Set(c.slots.compactMap { $0.node }.filter(\.isLeader).map(\.id)).count
        var trace = c.recentTrace
        if dump {
            trace = c.trace.joined(separator: "\n") + "\n" + c.slots.compactMap(\.node).map {
                "node \($0.id) \($0.state) term \($0.term) commit \($0.commitIndex) last \($0.lastLogIndex) config \($0.configuration) at \($0.configurationIndex)"
            }.joined(separator: "\n")
        }
        return Outcome(violations: c.violations, converged: converged, votingHole: !converged && votingHole(c),
                       steps: c.steps, committed: c.committed.count, leaders: leaders, trace: trace)
    }

    /// No leader; some node is a voter in another's configuration without knowing it; and no
    /// node that stands for election can gather a quorum of voters that would grant it their
    /// vote (they see themselves as voters and its log is at least as up to date as theirs).
    /// That is what a leader leaves behind when a configuration making a node a voter commits
    /// (or is appended and the leader crashes) before that node receives it, while non-voters
    /// refuse to vote: C-raft's rule, `RaftSettings.nonVotersGrantVotes` off.
    static func votingHole(_ c: SimCluster) -> Bool {
        guard c.leader == nil else { return false }
        let nodes = c.slots.compactMap(\.node)
        let standing = nodes.filter(\.isVoter)
        let unaware = standing.contains { node in node.configuration.voterIDs.contains { c.isUp($0) && !c.node($0).isVoter } }
        return unaware && !standing.isEmpty && standing.allSatisfy { node in
            let willing = node.configuration.voterIDs.filter { id in
                guard c.isUp(id) else { return false }
                let voter = c.node(id)
                return voter.isVoter && voter.log.isAtMostAsUpToDate(asLastIndex: node.lastLogIndex, lastTerm: node.log.lastTerm)
            }
            return willing.count < node.configuration.quorum
        }
    }

    func test_randomFaultsAndReconfigurationsKeepRaftSafe() {
        var steps = 0
        var committed = 0
        var holes: [UInt64] = []
        for seed in 0..<200 as Range<UInt64> {
            let outcome = Self.run(seed: seed, duration: .minutes(3))
            steps += outcome.steps
            committed += outcome.committed
            XCTAssertEqual(outcome.violations, [], "seed \(seed)\n\(outcome.trace)")
            if outcome.votingHole {
                holes.append(seed)
                continue
            }
            XCTAssertTrue(outcome.converged, "seed \(seed) did not converge\n\(outcome.trace)")
            XCTAssertEqual(outcome.leaders, 1, "seed \(seed)")
            if !outcome.violations.isEmpty || !outcome.converged { break }
        }
        // C-raft's voting hole needs a leader crash within milliseconds of a promotion; with
        // these fault rates it shows up about once in a thousand runs.
        XCTAssertLessThanOrEqual(holes.count, 2, "seeds stuck in the voting hole: \(holes)")
        // The runs do real work: many steps, and entries committed.
        XCTAssertGreaterThan(steps, 200 * 1_000)
        XCTAssertGreaterThan(committed, 200 * 20)
    }

    func test_withNonVotersGrantingVotesEveryHealedClusterConverges() {
        var settings = RaftSettings()
        settings.nonVotersGrantVotes = true
        for seed in 1_000..<1_100 as Range<UInt64> {
            let outcome = Self.run(seed: seed, duration: .minutes(2), settings: settings)
            XCTAssertEqual(outcome.violations, [], "seed \(seed)\n\(outcome.trace)")
            XCTAssertTrue(outcome.converged, "seed \(seed) did not converge\n\(outcome.trace)")
            XCTAssertEqual(outcome.leaders, 1, "seed \(seed)")
            if !outcome.violations.isEmpty || !outcome.converged { break }
        }
    }

    func test_sameSeedReplaysIdentically() {
        let a = Self.run(seed: 42, duration: .seconds(60))
        let b = Self.run(seed: 42, duration: .seconds(60))
        XCTAssertEqual(a.steps, b.steps)
        XCTAssertEqual(a.committed, b.committed)
        XCTAssertEqual(a.trace, b.trace)
    }
}
