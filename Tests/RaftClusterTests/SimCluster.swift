import HACore
@testable import RaftCluster

/// A tiny deterministic host for `RaftNode`s: an event queue keyed (time, sequence), message
/// latency, partitions, crashes with restarts from the surviving disk, and the Raft safety
/// checks of DESIGN §6 run after every step.
final class SimCluster {
    enum EventKind {
        case deliver(from: UInt64, to: UInt64, RaftMessage)
        case timer(UInt64, RaftTimer, incarnation: Int)
    }

    struct Event {
        var time: Instant
        var seq: UInt64
        var kind: EventKind
    }

    struct Slot {
        var id: UInt64
        var address: String
        var node: RaftNode?
        var disk = RaftDurableState()
        var incarnation = 0
        /// Entries applied since the disk was last emptied (must be 1, 2, 3, … exactly once).
        var appliedCount: LogIndex = 0
        /// Every `.apply` directive of this disk lifetime, in order.
        var applied: [EntryPayload] = []
    }

    struct CommittedEntry {
        var term: RaftTerm
        var payload: EntryPayload
        /// The term of the first node seen with this entry committed.
        var commitTerm: RaftTerm
    }

    private(set) var now = Instant.zero
    let seed: Seed
    var settings: RaftSettings
    var latency: (low: Interval, high: Interval) = (.milliseconds(1), .milliseconds(10))
    /// Chances that a message is dropped, or delivered twice.
    var loss = 0.0
    var duplication = 0.0
    private(set) var slots: [Slot]
    private var queue = EventHeap()
    private var seq: UInt64 = 0
    private var netRandom: SplitMix64
    /// Cut links, as lower id << 32 | higher id.
    private(set) var cut: Set<UInt64> = []

    // Client side.
    private var nextRequest: UInt64 = 0
    private(set) var replies: [DqliteRequestID: DqliteReply] = [:]
    private(set) var queriesRun: [DqliteRequestID] = []
    private var execStatements: [DqliteRequestID: SQLStatement] = [:]

    // Checker state.
    private(set) var violations: [String] = []
    private(set) var committed: [CommittedEntry] = []
    private var leaderOfTerm: [RaftTerm: UInt64] = [:]
    private var seen: [UInt64: (term: RaftTerm, commit: LogIndex)] = [:]
    private var checkedCommit: [UInt64: LogIndex] = [:]
    private var leading: [UInt64: (term: RaftTerm, lastIndex: LogIndex)] = [:]
    private var globalApplied: [EntryPayload] = []
    private(set) var trace: [String] = []
    var keepTrace = 400
    private(set) var steps = 0

    init(seed: UInt64, ids: [UInt64], settings: RaftSettings = RaftSettings()) {
        self.seed = Seed(seed)
        self.settings = settings
        netRandom = Seed(seed).generator("network")
        slots = ids.sorted().map { Slot(id: $0, address: SimCluster.address($0)) }
        for (i, slot) in slots.enumerated() { slotIndexes[slot.id] = i }
    }

    static func address(_ id: UInt64) -> String { "127.0.0.\(id):17666" }

    // MARK: Nodes

    private var slotIndexes: [UInt64: Int] = [:]

    func slotIndex(_ id: UInt64) -> Int {
        guard let i = slotIndexes[id] else { preconditionFailure("no node \(id)") }
        return i
    }

    func node(_ id: UInt64) -> RaftNode {
        guard let node = slots[slotIndex(id)].node else { preconditionFailure("node \(id) is down") }
        return node
    }

    func isUp(_ id: UInt64) -> Bool { slots[slotIndex(id)].node != nil }
    var upIDs: [UInt64] { slots.filter { $0.node != nil }.map(\.id) }

    /// Writes the bootstrap configuration (this node alone, voter) to its disk and starts it.
    func bootstrap(_ id: UInt64) {
        slots[slotIndex(id)].disk = .bootstrap(id: id, address: SimCluster.address(id))
        start(id)
    }

    /// Starts a node process from what its disk holds.
    func start(_ id: UInt64) {
        let i = slotIndex(id)
        precondition(slots[i].node == nil, "node \(id) is already running")
        slots[i].incarnation += 1
        var node = RaftNode(id: id, address: slots[i].address, durable: slots[i].disk, settings: settings)
        let directives = node.onStart(now: now, random: seed.generator("raft-\(id)-\(slots[i].incarnation)"))
        slots[i].node = node
        perform(directives, on: id)
        check(id)
    }

    /// Kills the process: volatile state and pending timers are gone, the disk stays.
    func crash(_ id: UInt64) {
        let i = slotIndex(id)
        slots[i].node = nil
        slots[i].incarnation += 1
        log(id, "crashed")
    }

    /// The disk is lost as well (the node must be started again to come back, empty).
    func wipeDisk(_ id: UInt64) {
        let i = slotIndex(id)
        precondition(slots[i].node == nil)
        slots[i].disk = RaftDurableState()
        slots[i].appliedCount = 0
        slots[i].applied = []
        seen[id] = nil
        checkedCommit[id] = nil
    }

    // MARK: Network

    func partition(_ side: [UInt64], from other: [UInt64]) {
        for a in side { for b in other where a != b { cut.insert(SimCluster.link(a, b)) } }
        log(0, "partition \(side) | \(other)")
    }

    func isolate(_ id: UInt64) { partition([id], from: slots.map(\.id).filter { $0 != id }) }

    func heal() {
        cut.removeAll()
        log(0, "heal")
    }

    func linked(_ a: UInt64, _ b: UInt64) -> Bool { cut.isEmpty || !cut.contains(SimCluster.link(a, b)) }

    private static func link(_ a: UInt64, _ b: UInt64) -> UInt64 { min(a, b) << 32 | max(a, b) }

    // MARK: Clients

    /// Sends `request` to node `id` now; the reply (if any) lands in `replies`.
    @discardableResult
    func request(_ request: DqliteRequest, to id: UInt64) -> DqliteRequestID {
        nextRequest += 1
        let requestID = DqliteRequestID(client: 1, sequence: nextRequest)
        if case .execSQL(let statement) = request { execStatements[requestID] = statement }
        let i = slotIndex(id)
        precondition(slots[i].node != nil, "node \(id) is down")
        let directives = slots[i].node!.onClientRequest(request, id: requestID, now: now)
        perform(directives, on: id)
        check(id)
        return requestID
    }

    func reply(_ id: DqliteRequestID) -> DqliteReply? { replies[id] }

    /// Sends `request` to `id` and runs until it is answered (nil if not within `timeout`).
    func call(_ request: DqliteRequest, to id: UInt64, within timeout: Interval = .seconds(30)) -> DqliteReply? {
        let requestID = self.request(request, to: id)
        run(atMost: timeout) { $0.replies[requestID] != nil }
        return replies[requestID]
    }

    /// Whether a QUERY_SQL was accepted and handed to the host.
    func queryRan(_ id: DqliteRequestID) -> Bool { queriesRun.contains(id) }

    // MARK: Running

    /// The up node that leads in the highest term.
    var leader: UInt64? {
        slots.compactMap(\.node).filter(\.isLeader).max { $0.term < $1.term }?.id
    }

    func run(for duration: Interval) { run(until: now + duration) }

    func run(until end: Instant) {
        while let next = queue.peek(), next.time <= end {
            step()
        }
        if end > now { now = end }
    }

    /// Runs until `condition` holds (checked after every step) or `timeout` passes.
    @discardableResult
    func run(atMost timeout: Interval, until condition: (SimCluster) -> Bool) -> Bool {
        let end = now + timeout
        if condition(self) { return true }
        while let next = queue.peek(), next.time <= end {
            step()
            if condition(self) { return true }
        }
        if end > now { now = end }
        return condition(self)
    }

    private func step() {
        guard let event = queue.pop() else { return }
        steps += 1
        now = event.time
        switch event.kind {
        case .deliver(let from, let to, let message):
            let i = slotIndex(to)
            guard slots[i].node != nil, linked(from, to) else { return }
            let directives = slots[i].node!.onMessage(from: from, message, now: now)
            perform(directives, on: to)
            check(to)
        case .timer(let id, let timer, let incarnation):
            let i = slotIndex(id)
            guard slots[i].incarnation == incarnation, slots[i].node != nil else { return }
            let directives = slots[i].node!.onTimer(timer, now: now)
            perform(directives, on: id)
            check(id)
        }
    }

    private func schedule(_ kind: EventKind, at time: Instant) {
        seq += 1
        queue.push(Event(time: time, seq: seq, kind: kind))
    }

    private func perform(_ directives: [RaftDirective], on id: UInt64) {
        let i = slotIndex(id)
        for directive in directives {
            switch directive {
            case .persist:
                if let node = slots[i].node { slots[i].disk = node.durable }
            case .send(let to, let message):
                guard slotIndexes[to] != nil, linked(id, to), !netRandom.chance(loss) else { continue }
                let delay = netRandom.interval(in: latency.low, latency.high)
                schedule(.deliver(from: id, to: to, message), at: now + delay)
                if netRandom.chance(duplication) {
                    schedule(.deliver(from: id, to: to, message), at: now + delay + netRandom.interval(in: .zero, latency.high * 5))
                }
            case .schedule(let timer, let after):
                schedule(.timer(id, timer, incarnation: slots[i].incarnation), at: now + after)
            case .apply(let index, let payload):
                checkApply(slot: i, index: index, payload: payload)
            case .reply(let request, let reply):
                if replies[request] != nil || queriesRun.contains(request) { violation("request \(request) answered twice") }
                replies[request] = reply
                if case .result(let index) = reply { pendingAcks.append((request, index)) }
            case .query(let request, _):
                if replies[request] != nil || queriesRun.contains(request) { violation("request \(request) answered twice") }
                queriesRun.append(request)
            case .trace(let line):
                log(id, line)
            }
        }
    }

    private func log(_ id: UInt64, _ line: String) {
        guard keepTrace > 0 else { return }
        trace.append("\(now) \(id == 0 ? "-" : String(id)): \(line)")
        if trace.count > keepTrace * 2 { trace.removeFirst(trace.count - keepTrace) }
    }

    // MARK: Checks (DESIGN §6, spec testing §A.8)

    func violation(_ message: String) {
        violations.append("seed \(seed) at \(now): \(message)")
    }

    private func checkApply(slot i: Int, index: LogIndex, payload: EntryPayload) {
        let id = slots[i].id
        if index != slots[i].appliedCount + 1 {
            violation("node \(id) applied \(index) after \(slots[i].appliedCount)")
        }
        slots[i].appliedCount = index
        slots[i].applied.append(payload)
        let position = Int(index - 1)
        if position < globalApplied.count {
            if globalApplied[position] != payload { violation("node \(id) applied a different entry at \(index)") }
        } else if position == globalApplied.count {
            globalApplied.append(payload)
        }
    }

    private func check(_ id: UInt64) {
        guard let node = slots[slotIndex(id)].node else { return }
        // Monotonicity: terms and commit indexes never go backwards (restarts included).
        if let previous = seen[id] {
            if node.term < previous.term { violation("node \(id) term went back \(previous.term) -> \(node.term)") }
            if node.commitIndex < previous.commit { violation("node \(id) commit index went back \(previous.commit) -> \(node.commitIndex)") }
        }
        seen[id] = (node.term, node.commitIndex)
        if node.appliedIndex > node.commitIndex { violation("node \(id) applied beyond its commit index") }

        // Election safety and leader append-only.
        if node.isLeader {
            if let other = leaderOfTerm[node.term], other != id {
                violation("two leaders in term \(node.term): \(other) and \(id)")
            }
            leaderOfTerm[node.term] = id
            let before = leading[id]
            if let before, before.term == node.term, node.lastLogIndex < before.lastIndex {
                violation("leader \(id) log shrank in term \(node.term)")
            }
            leading[id] = (node.term, node.lastLogIndex)
            if before?.term != node.term {
                // Leader completeness: everything committed in earlier terms is in the new leader's log.
                for (offset, entry) in committed.enumerated() where entry.commitTerm < node.term {
                    let local = node.log.entry(at: LogIndex(offset + 1))
                    if local?.term != entry.term || local?.payload != entry.payload {
                        violation("leader \(id) of term \(node.term) lacks committed entry \(offset + 1)")
                        break
                    }
                }
            }
        } else {
            leading[id] = nil
        }

        // Committed prefixes agree across nodes.
        let from = (checkedCommit[id] ?? 0) + 1
        if node.commitIndex >= from {
            for index in from...node.commitIndex {
                guard let entry = node.log.entry(at: index) else {
                    violation("node \(id) committed \(index) beyond its log")
                    break
                }
                let position = Int(index - 1)
                if position < committed.count {
                    if committed[position].term != entry.term || committed[position].payload != entry.payload {
                        violation("node \(id) committed a different entry at \(index)")
                    }
                } else {
                    committed.append(CommittedEntry(term: entry.term, payload: entry.payload, commitTerm: node.term))
                    checkLeadersHold(index: index)
                }
            }
            checkedCommit[id] = node.commitIndex
        }
        checkAcknowledgements()
    }

    /// A newly committed entry is in the log of every current leader of a later term.
    private func checkLeadersHold(index: LogIndex) {
        let entry = committed[Int(index - 1)]
        for slot in slots {
            guard let node = slot.node, node.isLeader, node.term > entry.commitTerm else { continue }
            let local = node.log.entry(at: index)
            if local?.term != entry.term || local?.payload != entry.payload {
                violation("leader \(node.id) of term \(node.term) lacks entry \(index) committed in term \(entry.commitTerm)")
            }
        }
    }

    private var pendingAcks: [(DqliteRequestID, LogIndex)] = []

    /// An EXEC acknowledged as committed at an index is that statement, committed there.
    private func checkAcknowledgements() {
        guard !pendingAcks.isEmpty else { return }
        let acks = pendingAcks
        pendingAcks.removeAll()
        for (request, index) in acks {
            let position = Int(index - 1)
            guard position < committed.count, let statement = execStatements[request],
                  committed[position].payload == .command(statement) else {
                violation("EXEC \(request) acknowledged at \(index) but not committed there")
                continue
            }
        }
    }

    /// Each node's applied payloads are a prefix of the global applied sequence.
    func checkAppliedPrefixes() {
        for slot in slots {
            for (offset, payload) in slot.applied.enumerated() where offset < globalApplied.count {
                if globalApplied[offset] != payload { violation("node \(slot.id) applied a different entry at \(offset + 1)") }
            }
        }
    }

    var recentTrace: String { trace.suffix(60).joined(separator: "\n") }
}

/// A binary min-heap of events ordered by (time, seq).
struct EventHeap {
    private var items: [SimCluster.Event] = []

    var isEmpty: Bool { items.isEmpty }
    func peek() -> SimCluster.Event? { items.first }

    private static func less(_ a: SimCluster.Event, _ b: SimCluster.Event) -> Bool {
        a.time != b.time ? a.time < b.time : a.seq < b.seq
    }

    mutating func push(_ event: SimCluster.Event) {
        items.append(event)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.less(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> SimCluster.Event? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, Self.less(items[left], items[smallest]) { smallest = left }
            if right < items.count, Self.less(items[right], items[smallest]) { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
