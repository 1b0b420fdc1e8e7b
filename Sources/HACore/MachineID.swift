/// A Juju machine id (`0`, `1`, …). Machines are only ever top-level here; containers are out of scope.
public struct MachineID: Hashable, Comparable, Codable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public var number: Int

    public init(_ number: Int) { self.number = number }
    public init(integerLiteral value: Int) { number = value }

    /// Parses the id as Juju prints it; rejects anything that is not a plain non-negative number.
    public init?(parsing text: String) {
        guard !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber),
              text == "0" || !text.hasPrefix("0"), let n = Int(text) else { return nil }
        number = n
    }

    public static func < (a: MachineID, b: MachineID) -> Bool { a.number < b.number }
    public var description: String { String(number) }
    /// Juju's tag form, used as user names and in logs: `machine-0`.
    public var tag: String { "machine-\(number)" }

    /// The loopback address a live machine listens on, and the address shown for it in sim.
    public var address: String { "127.0.0.\(10 + number)" }

    public init(from decoder: Decoder) throws { number = try decoder.singleValueContainer().decode(Int.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(number)
    }
}

/// The Juju job a machine runs. The raw values are the 1.20 BSON integers of `machines.jobs`.
public enum MachineJob: Int, Codable, Sendable, Comparable {
    case hostUnits = 1
    case manageEnviron = 2

    public static func < (a: MachineJob, b: MachineJob) -> Bool { a.rawValue < b.rawValue }
    /// The API spelling (`JobHostUnits`, `JobManageEnviron`).
    public var apiName: String { self == .hostUnits ? "JobHostUnits" : "JobManageEnviron" }
}
