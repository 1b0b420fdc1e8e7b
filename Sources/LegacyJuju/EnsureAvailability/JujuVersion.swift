/// A Juju agent version of the MongoDB era this flavor emulates (1.20 – 1.25), parsed the way
/// Juju's `version.Parse` reads it: `1.20.14`, `1.21-beta4`, `1.25.6.1`.
///
/// The version decides which CLI and server behaviour applies, so every rule that differs between
/// releases asks the version rather than comparing numbers itself.
public struct JujuVersion: Hashable, Sendable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    /// The pre-release tag of `1.21-beta4` (`beta`), empty for releases.
    public let tag: String
    public let patch: Int
    public let build: Int

    /// The default legacy agent version (DESIGN §4).
    public static let juju1_20 = JujuVersion(major: 1, minor: 20, tag: "", patch: 14, build: 0)
    /// The version `--agent-version 1.25.6` selects.
    public static let juju1_25 = JujuVersion(major: 1, minor: 25, tag: "", patch: 6, build: 0)

    private init(major: Int, minor: Int, tag: String, patch: Int, build: Int) {
        self.major = major
        self.minor = minor
        self.tag = tag
        self.patch = patch
        self.build = build
    }

    /// Parses `text`; refuses what Juju refuses (`invalid version "1.20"`) and versions outside
    /// 1.20 – 1.25, whose HA machinery this flavor does not model.
    public init(parsing text: String) throws(JujuVersionError) {
        guard let parts = JujuVersion.split(text) else { throw .invalid(text) }
        self.init(major: parts.major, minor: parts.minor, tag: parts.tag, patch: parts.patch, build: parts.build)
        guard major == 1, (20...25).contains(minor) else { throw .notLegacy(text) }
    }

    public var description: String {
        let core = tag.isEmpty ? "\(major).\(minor).\(patch)" : "\(major).\(minor)-\(tag)\(patch)"
        return build > 0 ? "\(core).\(build)" : core
    }

    /// How far `--to` goes in this release.
    public var placementSupport: PlacementSupport {
        switch minor {
        case 20: return .none
        case 21, 22: return .unscopedOnly
        default: return .machinesAndUnscoped
        }
    }

    /// 1.23 added `converting machines:` and put colons on the removing/promoting/demoting lines.
    public var simpleOutputHasColonsOnAllLines: Bool { minor >= 23 }

    /// Which document layout the `juju` database uses (§6): 1.20's bare ids, or 1.25's
    /// `"<env-uuid>:<id>"` ids with `env-uuid` fields. The project's version plan switches at
    /// 1.23, with the CLI changes; 1.21/1.22 are given 1.20's layout.
    public var documentLayout: DocumentLayout { minor >= 23 ? .environmentPrefixed : .bare }

    /// 1.21 replaced the `juju backup` shell plugin by `juju backups`, whose archives carry
    /// `metadata.json` and an oplog dump (spec §5.1–§5.2).
    public var writesBackupMetadata: Bool { minor >= 21 }

    /// `instance-type` became a constraint in 1.21.
    public var hasInstanceTypeConstraint: Bool { minor >= 21 }

    /// The architectures `constraints.Parse` accepts; 1.20 still called ppc64el `ppc64`.
    public var supportedArchitectures: [String] {
        minor == 20 ? ["amd64", "i386", "armhf", "arm64", "ppc64"] : ["amd64", "i386", "armhf", "arm64", "ppc64el"]
    }

    private struct Parts {
        var major = 0, minor = 0, patch = 0, build = 0
        var tag = ""
    }

    /// `major.minor(.patch | -tagPatch)(.build)?`, each number 1–9 digits, as Juju's regexp.
    private static func split(_ text: String) -> Parts? {
        var scanner = VersionScanner(Array(text.utf8))
        var parts = Parts()
        guard let major = scanner.number(), scanner.skip("."), let minor = scanner.number() else { return nil }
        parts.major = major
        parts.minor = minor
        if scanner.skip("-") {
            guard let tag = scanner.letters() else { return nil }
            parts.tag = tag
        } else if !scanner.skip(".") {
            return nil
        }
        guard let patch = scanner.number() else { return nil }
        parts.patch = patch
        if scanner.skip(".") {
            guard let build = scanner.number() else { return nil }
            parts.build = build
        }
        return scanner.atEnd ? parts : nil
    }
}

/// What `--to` may name in a release.
public enum PlacementSupport: Sendable, Equatable {
    /// 1.20: there is no `--to` flag.
    case none
    /// 1.21, 1.22: only directives without a scope (`zone=…`, a MAAS node name), for new machines.
    case unscopedOnly
    /// 1.23 – 1.25: also existing machine ids, which are converted into state servers.
    case machinesAndUnscoped
}

/// The shape of `juju` database documents.
public enum DocumentLayout: Sendable, Equatable {
    /// 1.20: `_id` is the bare key (`"0"`, `"e"`, `"m#0"`).
    case bare
    /// 1.25: environment-scoped documents get `"<env-uuid>:<key>"` ids and an `env-uuid` field.
    case environmentPrefixed
}

public enum JujuVersionError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case notLegacy(String)

    public var description: String {
        switch self {
        case let .invalid(text): return "invalid version \(GoSyntax.quote(text))"
        case let .notLegacy(text):
            return "Juju \(text) is not emulated by the legacy flavor (it models Juju 1.20 – 1.25)"
        }
    }
}

/// A byte cursor for version strings.
private struct VersionScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func skip(_ character: Character) -> Bool {
        guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
        index += 1
        return true
    }

    /// 1 to 9 decimal digits.
    mutating func number() -> Int? {
        let start = index
        while index < bytes.count, (0x30...0x39).contains(bytes[index]), index - start < 10 { index += 1 }
        let count = index - start
        guard (1...9).contains(count) else { return nil }
        return bytes[start..<index].reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// One or more lower-case ASCII letters.
    mutating func letters() -> String? {
        let start = index
        while index < bytes.count, (0x61...0x7A).contains(bytes[index]) { index += 1 }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }
}
