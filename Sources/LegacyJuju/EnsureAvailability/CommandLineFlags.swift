/// gnuflag as Juju 1.x used it, for `ensure-availability`'s flag set: the command's own flags,
/// the environment flag, and the logging flags juju/cmd parses alongside every subcommand.
struct CommandLineFlags {
    private(set) var numStateServers = 0
    private(set) var placementSpec = ""
    private(set) var series = ""
    private(set) var constraints = ConstraintsValue()
    private(set) var format: OutputFormat = .simple
    private(set) var outputPath = ""
    private(set) var environment = ""
    /// Arguments that are not flags, in order.
    private(set) var positional: [String] = []

    private let version: JujuVersion
    private var pending: ArraySlice<String>
    /// The unread rest of a `-abc` cluster, or `=value` after a long flag.
    private var rest = Substring()

    init(arguments: [String], version: JujuVersion) {
        self.version = version
        pending = arguments[...]
    }

    private enum Kind {
        case int, string, bool, constraints, format
    }

    /// The flags defined for this release: `--to` arrived in 1.21.
    private func kind(of name: String) -> Kind? {
        switch name {
        case "n": return .int
        case "series", "o", "output", "e", "environment", "log-file", "logging-config": return .string
        case "to": return version.placementSupport == .none ? nil : .string
        case "constraints": return .constraints
        case "format": return .format
        case "v", "verbose", "q", "quiet", "debug", "show-log": return .bool
        default: return nil
        }
    }

    mutating func parse() throws(EnsureAvailabilityError) {
        while let flag = try nextFlag() {
            try handle(flag.name, long: flag.long)
        }
    }

    /// The next flag name, collecting positional arguments on the way; nil once all are read.
    private mutating func nextFlag() throws(EnsureAvailabilityError) -> (name: String, long: Bool)? {
        while true {
            if let first = rest.first {
                rest = rest.dropFirst()
                return (String(first), false)
            }
            guard let argument = pending.popFirst() else { return nil }
            if argument == "--" {
                positional += pending
                pending = []
                return nil
            }
            guard argument.count > 1, argument.hasPrefix("-") else {
                positional.append(argument)
                continue
            }
            return argument.hasPrefix("--") ? try longFlag(argument) : shortFlag(argument)
        }
    }

    private mutating func longFlag(_ argument: String) throws(EnsureAvailabilityError) -> (name: String, long: Bool) {
        let body = argument.dropFirst(2)
        guard let equals = body.firstIndex(of: "=") else { return (String(body), true) }
        guard equals != body.startIndex else { throw .emptyFlag(argument) }
        rest = body[equals...]
        return (String(body[..<equals]), true)
    }

    private mutating func shortFlag(_ argument: String) -> (name: String, long: Bool) {
        let body = argument.dropFirst()
        rest = body.dropFirst()
        return (String(body.prefix(1)), false)
    }

    private static func withMinus(_ name: String) -> String { name.count > 1 ? "--" + name : "-" + name }

    private mutating func handle(_ name: String, long: Bool) throws(EnsureAvailabilityError) {
        guard let kind = kind(of: name) else {
            if name == "help" || name == "h" { throw .helpRequested }
            throw .flagNotDefined(Self.withMinus(name))
        }
        // A boolean flag takes no argument unless it is written `--flag=value`.
        if kind == .bool, !rest.hasPrefix("=") { return }
        let value = try argument(for: name, long: long)
        do {
            try set(name, kind: kind, value)
        } catch {
            throw .invalidFlagValue(flag: Self.withMinus(name), value: value, reason: error.reason)
        }
    }

    /// The flag's value: the rest of the word (`-n3`, `--to=1`) or the next argument.
    private mutating func argument(for name: String, long: Bool) throws(EnsureAvailabilityError) -> String {
        if !rest.isEmpty {
            let value = long ? String(rest.dropFirst()) : String(rest)
            rest = Substring()
            return value
        }
        guard let next = pending.popFirst() else { throw .flagNeedsArgument(Self.withMinus(name)) }
        return next
    }

    private mutating func set(_ name: String, kind: Kind, _ value: String) throws(FlagValueError) {
        switch kind {
        case .int: numStateServers = try Self.int(value)
        case .bool: _ = try Self.bool(value)
        case .constraints: constraints = try Self.constraints(value, version: version)
        case .format:
            guard let chosen = OutputFormat(rawValue: value) else {
                throw FlagValueError(reason: "unknown format \(GoSyntax.quote(value))")
            }
            format = chosen
        case .string: setString(name, value)
        }
    }

    private mutating func setString(_ name: String, _ value: String) {
        switch name {
        case "series": series = value
        case "to": placementSpec = value
        case "o", "output": outputPath = value
        case "e", "environment": environment = value
        default: break // logging flags: accepted, and irrelevant to the emulation
        }
    }

    private static func int(_ value: String) throws(FlagValueError) -> Int {
        switch GoSyntax.parseInt(value) {
        case let .success(number): return Int(number)
        case let .failure(failure): throw FlagValueError(reason: failure.message(for: value))
        }
    }

    /// `strconv.ParseBool`.
    private static func bool(_ value: String) throws(FlagValueError) -> Bool {
        if ["1", "t", "T", "TRUE", "true", "True"].contains(value) { return true }
        if ["0", "f", "F", "FALSE", "false", "False"].contains(value) { return false }
        throw FlagValueError(reason: "strconv.ParseBool: parsing \(GoSyntax.quote(value)): invalid syntax")
    }

    private static func constraints(_ value: String, version: JujuVersion) throws(FlagValueError) -> ConstraintsValue {
        do {
            return try ConstraintsValue(parsing: value, version: version)
        } catch {
            throw FlagValueError(reason: error.description)
        }
    }
}

/// A flag's `Set` refusing a value; gnuflag wraps the reason with the flag and the value.
private struct FlagValueError: Error {
    let reason: String
}
