/// A failure of `enable-ha`, `remove-machine`, `controllers` or `show-controller`, carrying Juju's
/// message verbatim so the CLI can print `error: <message>` without rewording it.
public struct EnableHAError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `--format` of `enable-ha`; `simple` is Juju's default.
public enum EnableHAFormat: String, Sendable, Equatable, CaseIterable {
    case simple, yaml, json
}

/// The client-side view of `juju enable-ha` after `Init` (3.x `cmd/juju/commands/enableha.go`).
public struct EnableHAArguments: Equatable, Sendable {
    /// `-n`; 0 means "let the controller pick" (3 from a single controller).
    public var numControllers: Int = 0
    /// `--to`, each element trimmed; machine-scoped ones in canonical `machine:N` form,
    /// unscoped ones (a host name, `zone=…`) verbatim for the server to interpret.
    public var placement: [String] = []
    /// `--constraints`, all occurrences joined with a space as Juju's ConstraintsFlag does.
    public var constraints: String = ""
    public var format: EnableHAFormat = .simple

    public init(numControllers: Int = 0, placement: [String] = [], constraints: String = "",
                format: EnableHAFormat = .simple) {
        self.numControllers = numControllers
        self.placement = placement
        self.constraints = constraints
        self.format = format
    }

    /// Parses the words after `enable-ha` the way gnuflag and `Init` do, failing with Juju's
    /// exact message on the first problem.
    public static func parse(_ words: [String]) throws -> EnableHAArguments {
        var args = EnableHAArguments()
        var constraintWords: [String] = []
        var placementSpec = ""
        var positional: [String] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if word == "--" {
                positional.append(contentsOf: words[index...])
                break
            }
            guard word.hasPrefix("-"), word != "-" else {
                positional.append(word)
                continue
            }
            let (flag, inlineValue) = splitFlag(word)
            guard knownFlags.contains(flag) else {
                throw EnableHAError("option provided but not defined: \(flagSpelling(flag))")
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else if index < words.count {
                value = words[index]
                index += 1
            } else {
                throw EnableHAError("flag needs an argument: \(flagSpelling(flag))")
            }
            switch flag {
            case "n": args.numControllers = try parseCount(value)
            case "to": placementSpec = value
            case "constraints": constraintWords.append(value)
            default: args.format = try parseFormat(value)
            }
        }
        // Init's order: the count, then each placement, then constraints, then leftovers.
        try validateCount(args.numControllers)
        args.placement = try parsePlacementSpec(placementSpec)
        args.constraints = constraintWords.joined(separator: " ")
        try validateConstraints(args.constraints)
        try checkEmpty(positional)
        return args
    }

    static let knownFlags: Set<String> = ["n", "to", "constraints", "format"]

    /// gnuflag accepts `-x`, `--x`, `-x=v` and `--x=v` for every flag.
    static func splitFlag(_ word: String) -> (String, String?) {
        let body = word.drop(while: { $0 == "-" })
        guard let eq = body.firstIndex(of: "=") else { return (String(body), nil) }
        return (String(body[..<eq]), String(body[body.index(after: eq)...]))
    }

    /// gnuflag names one-letter flags with one dash and longer ones with two.
    static func flagSpelling(_ name: String) -> String { name.count == 1 ? "-\(name)" : "--\(name)" }

    static func parseCount(_ value: String) throws -> Int {
        guard let n = Int(value) else {
            throw EnableHAError("invalid value \"\(value)\" for flag -n: strconv.ParseInt: parsing \"\(value)\": invalid syntax")
        }
        return n
    }

    static func parseFormat(_ value: String) throws -> EnableHAFormat {
        guard let format = EnableHAFormat(rawValue: value) else {
            throw EnableHAError("invalid value \"\(value)\" for flag --format: unknown format \"\(value)\"")
        }
        return format
    }

    /// `cmd.CheckEmpty`: Go's `%q` of a string slice, `["a" "b"]`.
    static func checkEmpty(_ positional: [String]) throws {
        guard !positional.isEmpty else { return }
        let quoted = positional.map { "\"\($0)\"" }.joined(separator: " ")
        throw EnableHAError("unrecognized args: [\(quoted)]")
    }

    /// 0 is allowed (server default); otherwise only odd positive counts.
    static func validateCount(_ n: Int) throws {
        if n < 0 || (n % 2 != 1 && n != 0) {
            throw EnableHAError("must specify a number of controllers odd and non-negative")
        }
    }

    static func parsePlacementSpec(_ spec: String) throws -> [String] {
        guard !spec.isEmpty else { return [] }
        return try spec.split(separator: ",", omittingEmptySubsequences: false).map {
            try parsePlacementElement(trimSpaces(String($0)))
        }
    }

    static func trimSpaces(_ text: String) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    static func parsePlacementElement(_ element: String) throws -> String {
        if element.isEmpty { throw EnableHAError("empty placement directive passed to enable-ha") }
        switch EnableHAPlacement.parse(element) {
        case .scopeMissing:
            return element
        case .parsed(let placement) where placement.scope == EnableHAPlacement.machineScope:
            if placement.directive.contains("/") {
                throw EnableHAError("enable-ha cannot be used with container placement directives")
            }
            return placement.description
        default:
            throw EnableHAError("unsupported enable-ha placement directive \"\(element)\"")
        }
    }
}

/// Juju's `instance.EnableHAPlacement`: `scope:directive`, a bare machine id (machine scope), or a bare
/// container type (a scope with no directive).
struct EnableHAPlacement: Equatable, CustomStringConvertible {
    static let machineScope = "machine"
    /// Juju 3.x knows only LXD containers (KVM went in 3.0).
    static let containerTypes: Set<String> = ["lxd"]

    var scope: String
    var directive: String
    var description: String { "\(scope):\(directive)" }

    enum Outcome: Equatable {
        case parsed(EnableHAPlacement)
        case scopeMissing
        case invalid
    }

    static func parse(_ text: String) -> Outcome {
        if let colon = text.firstIndex(of: ":") {
            let scope = String(text[..<colon]), value = String(text[text.index(after: colon)...])
            if scope == machineScope && !isValidMachineID(value) { return .invalid }
            return .parsed(EnableHAPlacement(scope: scope, directive: value))
        }
        if isValidMachineID(text) { return .parsed(EnableHAPlacement(scope: machineScope, directive: text)) }
        if containerTypes.contains(text) { return .parsed(EnableHAPlacement(scope: text, directive: "")) }
        return .scopeMissing
    }

    /// `names.IsValidMachine`: `N` or `N/type/M…` with no leading zeros.
    static func isValidMachineID(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count % 2 == 1, isMachineNumber(parts[0]) else { return false }
        var i = 1
        while i < parts.count {
            guard !parts[i].isEmpty, parts[i].allSatisfy({ $0.isASCII && $0.isLowercase }),
                  isMachineNumber(parts[i + 1]) else { return false }
            i += 2
        }
        return true
    }

    static func isMachineNumber(_ part: Substring) -> Bool {
        !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } && (part == "0" || part.first != "0")
    }
}

/// The constraint keys Juju 3.x accepts (`core/constraints`); values are not interpreted here.
let knownConstraintKeys: [String] = [
    "allocate-public-ip", "arch", "container", "cores", "cpu-power", "image", "instance-role",
    "instance-type", "mem", "root-disk", "root-disk-source", "spaces", "tags", "virt-type", "zones",
]

/// `constraints.Parse`: space-separated `key=value` items, each key known and at most once.
func validateConstraints(_ text: String) throws {
    var seen: [String] = []
    for item in text.split(separator: " ") {
        guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
            throw EnableHAError("malformed constraint \"\(item)\"")
        }
        let key = String(item[..<eq])
        guard knownConstraintKeys.contains(key) else { throw EnableHAError("unknown constraint \"\(key)\"") }
        if seen.contains(key) { throw EnableHAError("bad \"\(key)\" constraint: already set") }
        seen.append(key)
    }
}
