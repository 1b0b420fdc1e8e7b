/// SplitMix64: a tiny, fast, well-mixed generator whose whole state is one `UInt64`, so it is
/// trivially `Codable` and a simulated world can be saved and resumed mid-run.
public struct SplitMix64: RandomNumberGenerator, Codable, Hashable, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finaliser, also used to derive independent sub-seeds.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { p > 0 && unit() < p }

    /// A uniform interval in [low, high].
    public mutating func interval(in low: Interval, _ high: Interval) -> Interval {
        guard high > low else { return low }
        let span = UInt64(high.microseconds - low.microseconds) + 1
        return Interval(microseconds: low.microseconds + Int64(next() % span))
    }
}

/// One root seed for a run; every subsystem derives its own stream from it by name, so that
/// changing the workload, say, does not perturb the fault or network decisions.
public struct Seed: Hashable, Codable, Sendable, CustomStringConvertible {
    public var value: UInt64

    public init(_ value: UInt64) { self.value = value }

    /// An independent sub-seed named by `label` (a stable FNV-1a hash of the label, mixed in).
    public func derive(_ label: String) -> Seed {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in label.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return Seed(SplitMix64.mix(value ^ SplitMix64.mix(hash)))
    }

    public func generator(_ label: String) -> SplitMix64 { SplitMix64(seed: derive(label).value) }

    public var description: String { String(value) }
}
