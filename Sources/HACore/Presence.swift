/// The presence table the controllers keep: when each agent last pinged.
/// An agent is alive while it has pinged in the current slot or the previous one (Juju's presence
/// package works in 30 s slots), so silence is noticed 30–60 s after the last ping.
public struct Presence: Codable, Sendable, Equatable {
    /// Last ping time per machine number; an array indexed by machine number keeps it ordered.
    private var lastPing: [Instant?] = []

    public init() {}

    public mutating func recordPing(from machine: MachineID, at time: Instant) {
        while lastPing.count <= machine.number { lastPing.append(nil) }
        lastPing[machine.number] = time
    }

    public func lastPing(of machine: MachineID) -> Instant? {
        machine.number < lastPing.count ? lastPing[machine.number] : nil
    }

    public func isAlive(_ machine: MachineID, at now: Instant, slot: Interval) -> Bool {
        guard let last = lastPing(of: machine), slot.microseconds > 0 else { return false }
        let nowSlot = now.microseconds / slot.microseconds
        let pingSlot = last.microseconds / slot.microseconds
        return nowSlot - pingSlot <= 1
    }
}
