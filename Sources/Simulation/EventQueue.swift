import HACore
import HeapModule

/// An event due at `time`; `seq` is the insertion order, so equal times pop first-in first-out
/// and the order never depends on anything but the sequence of insertions.
public struct Scheduled<Event>: Comparable {
    public var time: Instant
    public var seq: UInt64
    public var event: Event

    public static func < (a: Scheduled, b: Scheduled) -> Bool { (a.time, a.seq) < (b.time, b.seq) }
    public static func == (a: Scheduled, b: Scheduled) -> Bool { a.time == b.time && a.seq == b.seq }
}

extension Scheduled: Codable where Event: Codable {}
extension Scheduled: Sendable where Event: Sendable {}

/// The simulator's agenda: a binary min-heap keyed by (time, insertion sequence).
public struct EventQueue<Event: Codable>: Codable {
    private var heap = Heap<Scheduled<Event>>()
    private var nextSeq: UInt64 = 0

    public init() {}

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }
    public var nextTime: Instant? { heap.min?.time }

    public mutating func schedule(_ event: Event, at time: Instant) {
        heap.insert(Scheduled(time: time, seq: nextSeq, event: event))
        nextSeq += 1
    }

    /// Removes and returns the earliest event if it is due at or before `deadline`.
    public mutating func popDue(by deadline: Instant) -> Scheduled<Event>? {
        guard let first = heap.min, first.time <= deadline else { return nil }
        return heap.removeMin()
    }

    /// Every pending event in firing order (for inspection and snapshots).
    public var ordered: [Scheduled<Event>] { heap.unordered.sorted() }

    enum CodingKeys: String, CodingKey { case events, nextSeq }

    // Saved in firing order so a snapshot's bytes depend only on the queue's contents.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        heap = Heap(try c.decode([Scheduled<Event>].self, forKey: .events))
        nextSeq = try c.decode(UInt64.self, forKey: .nextSeq)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ordered, forKey: .events)
        try c.encode(nextSeq, forKey: .nextSeq)
    }
}

extension EventQueue: Sendable where Event: Sendable {}
