import BSON

/// Juju's `constraints.Value`: every field optional, `nil` meaning "not specified" (which is
/// different from an explicit empty value such as `mem=`).
public struct ConstraintsValue: Equatable, Sendable {
    public var arch: String?
    public var container: String?
    public var cpuCores: UInt64?
    public var cpuPower: UInt64?
    /// Megabytes.
    public var mem: UInt64?
    /// Megabytes.
    public var rootDisk: UInt64?
    public var instanceType: String?
    public var tags: [String]?
    public var networks: [String]?

    public init() {}

    /// `constraints.Parse`: space-separated `key=value` pairs, each key at most once.
    public init(parsing text: String, version: JujuVersion) throws(ConstraintsError) {
        self.init()
        for raw in text.split(separator: " ", omittingEmptySubsequences: true) {
            try set(raw: String(raw), version: version)
        }
    }

    public var isEmpty: Bool { self == ConstraintsValue() }

    /// The machine's effective constraints: these, with anything unspecified taken from the
    /// environment's (Juju's `WithFallbacks`).
    public func withFallbacks(_ fallbacks: ConstraintsValue) -> ConstraintsValue {
        var result = self
        result.arch = arch ?? fallbacks.arch
        result.container = container ?? fallbacks.container
        result.cpuCores = cpuCores ?? fallbacks.cpuCores
        result.cpuPower = cpuPower ?? fallbacks.cpuPower
        result.mem = mem ?? fallbacks.mem
        result.rootDisk = rootDisk ?? fallbacks.rootDisk
        result.instanceType = instanceType ?? fallbacks.instanceType
        result.tags = tags ?? fallbacks.tags
        result.networks = networks ?? fallbacks.networks
        return result
    }

    private mutating func set(raw: String, version: JujuVersion) throws(ConstraintsError) {
        guard let equals = raw.firstIndex(of: "="), equals != raw.startIndex else { throw .malformed(raw) }
        let name = String(raw[..<equals])
        let value = String(raw[raw.index(after: equals)...])
        let known: Bool
        do {
            known = try assign(name: name, value: value, version: version)
        } catch {
            throw .bad(name: name, reason: error.text)
        }
        guard known else { throw .unknown(name) }
    }

    /// Sets the named field; false when the name is not a constraint of this release.
    private mutating func assign(name: String, value: String, version: JujuVersion) throws(ConstraintReason) -> Bool {
        switch name {
        case "arch": arch = try fresh(arch, try Self.architecture(value, version: version))
        case "container": container = try fresh(container, try Self.containerType(value))
        case "cpu-cores": cpuCores = try fresh(cpuCores, try Self.count(value))
        case "cpu-power": cpuPower = try fresh(cpuPower, try Self.count(value))
        case "mem": mem = try fresh(mem, try Self.size(value))
        case "root-disk": rootDisk = try fresh(rootDisk, try Self.size(value))
        case "tags": tags = try fresh(tags, Self.list(value))
        case "networks": networks = try fresh(networks, Self.list(value))
        case "instance-type" where version.hasInstanceTypeConstraint:
            instanceType = try fresh(instanceType, value)
        default: return false
        }
        return true
    }

    /// A key given twice is refused rather than silently overwritten.
    private func fresh<T>(_ current: T?, _ new: T) throws(ConstraintReason) -> T {
        if current != nil { throw ConstraintReason(text: "already set") }
        return new
    }

    private static func architecture(_ value: String, version: JujuVersion) throws(ConstraintReason) -> String {
        guard value.isEmpty || version.supportedArchitectures.contains(value) else {
            throw ConstraintReason(text: "\(GoSyntax.quote(value)) not recognized")
        }
        return value
    }

    private static func containerType(_ value: String) throws(ConstraintReason) -> String {
        guard ["", "none", "lxc", "kvm"].contains(value) else {
            throw ConstraintReason(text: "invalid container type \(GoSyntax.quote(value))")
        }
        return value
    }

    private static func count(_ value: String) throws(ConstraintReason) -> UInt64 {
        if value.isEmpty { return 0 }
        guard value.allSatisfy({ $0.isASCII && $0.isNumber }), let number = UInt64(value) else {
            throw ConstraintReason(text: "must be a non-negative integer")
        }
        return number
    }

    /// Megabytes from `512M`, `2G`, `1.5T`, `1P` or a bare number of megabytes, rounded up.
    private static func size(_ value: String) throws(ConstraintReason) -> UInt64 {
        if value.isEmpty { return 0 }
        let multipliers: [Character: Double] = ["M": 1, "G": 1024, "T": 1024 * 1024, "P": 1024 * 1024 * 1024]
        var number = Substring(value)
        var multiplier = 1.0
        if let last = number.last, let factor = multipliers[last] {
            multiplier = factor
            number = number.dropLast()
        }
        guard let parsed = Double(number), parsed.isFinite, parsed >= 0,
              number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-") })
        else {
            throw ConstraintReason(text: "must be a non-negative float with optional M/G/T/P suffix")
        }
        return UInt64((parsed * multiplier).rounded(.up))
    }

    private static func list(_ value: String) -> [String] {
        value.isEmpty ? [] : value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
}

extension ConstraintsValue {
    /// The `constraints` document stored under `key` (`e` for the environment, `m#<id>` for a
    /// machine): unset fields are stored as null, except `tags` and `networks`, which are omitted.
    public func document(key: String, environUUID: String, version: JujuVersion) -> Document {
        var doc = Document()
        doc.append("_id", .string(DocumentID.scoped(key, environUUID: environUUID, layout: version.documentLayout)))
        if version.documentLayout == .environmentPrefixed { doc.append("env-uuid", .string(environUUID)) }
        doc.append("arch", arch.map(Value.string) ?? .null)
        doc.append("cpucores", Self.bson(cpuCores))
        doc.append("cpupower", Self.bson(cpuPower))
        doc.append("mem", Self.bson(mem))
        doc.append("rootdisk", Self.bson(rootDisk))
        if version.hasInstanceTypeConstraint { doc.append("instancetype", instanceType.map(Value.string) ?? .null) }
        doc.append("container", container.map(Value.string) ?? .null)
        if let tags { doc.append("tags", .array(tags.map(Value.string))) }
        if let networks { doc.append("networks", .array(networks.map(Value.string))) }
        return doc
    }

    /// mgo stores a Go `uint64` as a BSON int64.
    private static func bson(_ number: UInt64?) -> Value {
        guard let number else { return .null }
        return .int64(Int64(bitPattern: number))
    }
}

/// Why `--constraints` was refused, worded as Juju's `constraints.Parse`.
public enum ConstraintsError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case unknown(String)
    case bad(name: String, reason: String)

    public var description: String {
        switch self {
        case let .malformed(raw): return "malformed constraint \(GoSyntax.quote(raw))"
        case let .unknown(name): return "unknown constraint \(GoSyntax.quote(name))"
        case let .bad(name, reason): return "bad \(GoSyntax.quote(name)) constraint: \(reason)"
        }
    }
}

/// The reason one value was refused, before it is wrapped with the constraint's name.
private struct ConstraintReason: Error {
    let text: String
}
