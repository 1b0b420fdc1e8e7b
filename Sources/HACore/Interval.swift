/// A span of time in microseconds, written and parsed the way Go and Juju write durations
/// (`500ms`, `30s`, `2m0s`, `1h30m0s`). Models only ever see `Interval`s and `Instant`s that the
/// runtime hands them; they never read a clock.
public struct Interval: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public static let zero = Interval(microseconds: 0)
    public static func microseconds(_ n: Int64) -> Interval { Interval(microseconds: n) }
    public static func milliseconds(_ n: Int64) -> Interval { Interval(microseconds: n * 1_000) }
    public static func seconds(_ n: Int64) -> Interval { Interval(microseconds: n * 1_000_000) }
    public static func minutes(_ n: Int64) -> Interval { .seconds(n * 60) }
    public static func hours(_ n: Int64) -> Interval { .seconds(n * 3_600) }

    public var seconds: Double { Double(microseconds) / 1_000_000 }

    public static func < (a: Interval, b: Interval) -> Bool { a.microseconds < b.microseconds }
    public static func + (a: Interval, b: Interval) -> Interval { Interval(microseconds: a.microseconds + b.microseconds) }
    public static func - (a: Interval, b: Interval) -> Interval { Interval(microseconds: a.microseconds - b.microseconds) }
    public static func * (a: Interval, k: Int64) -> Interval { Interval(microseconds: a.microseconds * k) }
    public static func / (a: Interval, k: Int64) -> Interval { Interval(microseconds: a.microseconds / k) }

    // Codable as a plain number of microseconds: compact snapshots, no float rounding.
    public init(from decoder: Decoder) throws {
        microseconds = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(microseconds)
    }

    /// Go's `time.Duration.String()`: `1h30m0s`, `2m0s`, `1.5s`, `500ms`, `0s`.
    public var description: String {
        var us = microseconds
        if us == 0 { return "0s" }
        let negative = us < 0
        if negative { us = -us }
        var text: String
        if us < 1_000_000 {
            text = us < 1_000 ? "\(us)µs" : Interval.fraction(us, unit: 1_000) + "ms"
        } else {
            let hours = us / 3_600_000_000
            let minutes = (us / 60_000_000) % 60
            let secondsPart = us % 60_000_000
            text = ""
            if hours > 0 { text += "\(hours)h" }
            if hours > 0 || minutes > 0 { text += "\(minutes)m" }
            text += Interval.fraction(secondsPart, unit: 1_000_000) + "s"
        }
        return negative ? "-" + text : text
    }

    /// `value / unit` with the fraction's trailing zeros dropped, as Go prints it.
    private static func fraction(_ value: Int64, unit: Int64) -> String {
        let whole = value / unit
        var rest = value % unit
        if rest == 0 { return "\(whole)" }
        var digits = String(rest)
        let width = String(unit).count - 1
        digits = String(repeating: "0", count: width - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast(); rest /= 10 }
        return "\(whole).\(digits)"
    }

    /// Parses Go's duration syntax: a sequence of decimal numbers with units
    /// `h`, `m`, `s`, `ms`, `us`/`µs`, `ns` (rounded down to microseconds), e.g. `1h30m`, `1.5s`.
    public init?(parsing text: String) {
        var rest = Substring(text)
        var sign: Int64 = 1
        if rest.first == "-" { sign = -1; rest.removeFirst() } else if rest.first == "+" { rest.removeFirst() }
        if rest == "0" { self.init(microseconds: 0); return }
        guard !rest.isEmpty else { return nil }
        var totalNanos: Double = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !$0.isNumber && $0 != "." }
            guard let nanos = Interval.nanosPerUnit[String(unitText)] else { return nil }
            rest = rest.dropFirst(unitText.count)
            totalNanos += value * nanos
        }
        guard totalNanos < Double(Int64.max) / 2 else { return nil }
        self.init(microseconds: sign * Int64(totalNanos / 1_000))
    }

    private static let nanosPerUnit: [String: Double] = [
        "ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000,
        "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000,
    ]
}

/// A point on a runtime's timeline, in microseconds since the environment was bootstrapped.
public struct Instant: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }
    public static let zero = Instant(microseconds: 0)

    public static func < (a: Instant, b: Instant) -> Bool { a.microseconds < b.microseconds }
    public static func + (a: Instant, d: Interval) -> Instant { Instant(microseconds: a.microseconds + d.microseconds) }
    public static func - (a: Instant, d: Interval) -> Instant { Instant(microseconds: a.microseconds - d.microseconds) }
    public static func - (a: Instant, b: Instant) -> Interval { Interval(microseconds: a.microseconds - b.microseconds) }

    public init(from decoder: Decoder) throws {
        microseconds = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(microseconds)
    }

    /// Fixed-width `HH:MM:SS.mmmmmm` since bootstrap, so traces sort and diff line by line.
    public var description: String {
        let us = max(microseconds, 0)
        let h = us / 3_600_000_000, m = (us / 60_000_000) % 60, s = (us / 1_000_000) % 60
        let frac = us % 1_000_000
        func pad(_ v: Int64, _ w: Int) -> String { let t = String(v); return String(repeating: "0", count: max(0, w - t.count)) + t }
        return "\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(frac, 6))"
    }
}
