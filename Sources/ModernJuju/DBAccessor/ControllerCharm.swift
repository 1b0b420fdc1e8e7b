import HACore

/// An address a controller unit's machine has, with the space it belongs to.
public struct BindCandidate: Hashable, Codable, Sendable {
    public var ip: String
    public var space: String

    public init(_ ip: String, space: String = "alpha") {
        self.ip = ip
        self.space = space
    }
}

/// One unit of the controller application as the `dbcluster` peer relation sees it.
public struct ControllerUnit: Hashable, Codable, Sendable {
    /// `controller/0`.
    public var name: String
    /// The controller agent id the charm reads from the config-change socket (`GET /agent-id`).
    public var agentID: MachineID
    /// Every address of the unit's machine; the endpoint binding selects among them.
    public var candidates: [BindCandidate]

    public init(name: String, agentID: MachineID, candidates: [BindCandidate]) {
        self.name = name
        self.agentID = agentID
        self.candidates = candidates
    }

    /// The relation's `ingress-addresses`: all candidates when `dbcluster` is not bound to a
    /// space, otherwise only those in the bound space.
    public func ingressAddresses(binding: String?) -> [String] {
        var out: [String] = []
        for candidate in candidates where binding == nil || candidate.space == binding {
            if !out.contains(candidate.ip) { out.append(candidate.ip) }
        }
        return out
    }
}

/// A unit's databag on the `dbcluster` relation.
public struct UnitDatabag: Hashable, Codable, Sendable {
    /// `db-bind-address`.
    public var dbBindAddress: String
    /// `agent-id`.
    public var agentID: String

    public init(dbBindAddress: String, agentID: String) {
        self.dbBindAddress = dbBindAddress
        self.agentID = agentID
    }
}

/// The unit's workload status after collect-status.
public enum ControllerUnitStatus: Hashable, Codable, Sendable, CustomStringConvertible {
    case active
    case blocked(String)
    /// The hook raised; Juju shows `error` with `hook failed: "<hook>"` and retries it.
    case error(String)

    public static let multipleBindAddresses =
        "multiple possible DB bind addresses; set a suitable dbcluster network binding"

    public var description: String {
        switch self {
        case .active: return "active"
        case .blocked(let message): return "blocked: \(message)"
        case .error(let message): return "error: \(message)"
        }
    }
}

/// What one unit ends up with after a round of `dbcluster-relation-changed`.
public struct ControllerUnitOutcome: Hashable, Codable, Sendable {
    public var unit: String
    public var agentID: MachineID
    public var status: ControllerUnitStatus
    /// The charm's log lines for this unit.
    public var logs: [JujuLogLine]
    /// The `db-bind-addresses` this unit wrote into its controller.conf (then POST `/reload`);
    /// nil when the hook failed before writing.
    public var bindAddresses: [DBBindAddress]?
    /// The controller.conf YAML written, nil when nothing was written.
    public var controllerConf: String?

    /// The map as the dbaccessor's `onClusterConfigChanged` takes it.
    public var dbBindAddressMap: [MachineID: String]? {
        bindAddresses.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.controllerID, $0.ip) }) }
    }
}

/// The controller charm's `dbcluster` handling (juju-controller `src/charm.py`,
/// `_update_bind_addresses` / `_set_db_bind_address`, spec §3.7) as a value. Relation data
/// persists between rounds, as Juju keeps it: a unit that becomes blocked keeps whatever
/// it published before.
public struct ControllerCharm: Hashable, Codable, Sendable {
    public static let hookName = "dbcluster-relation-changed"

    /// Unit databags by unit name, in agent-id order.
    public private(set) var unitDatabags: [String: UnitDatabag] = [:]
    /// The leader's app databag `db-bind-addresses` (JSON, keys sorted), nil until written.
    public private(set) var appDatabag: String?

    public init() {}

    /// One settled round of the hook on every unit in `units` (the current membership; departed
    /// units' databags go): each unit publishes its own address, then the leader aggregates its
    /// own address and its peers' databags into the app databag and its controller.conf, then
    /// every other unit copies the app databag into its controller.conf. `binding` is the space
    /// `dbcluster` is bound to, nil when unbound.
    public mutating func onDBClusterRelationChanged(units: [ControllerUnit], leader: MachineID,
                                                    binding: String? = nil) -> [ControllerUnitOutcome] {
        let ordered = units.sorted { $0.agentID < $1.agentID }
        let present = ordered.map(\.name)
        for name in unitDatabags.keys where !present.contains(name) { unitDatabags[name] = nil }

        var outcomes: [ControllerUnitOutcome] = []
        var ownIP: [MachineID: String] = [:]
        // 1. `_set_db_bind_address` on every unit.
        for unit in ordered {
            let ips = unit.ingressAddresses(binding: binding)
            var outcome = ControllerUnitOutcome(unit: unit.name, agentID: unit.agentID, status: .active, logs: [],
                                                bindAddresses: nil, controllerConf: nil)
            if ips.isEmpty {
                // `ip = ips[0]` raises IndexError before anything is written.
                outcome.status = .error("hook failed: \"\(ControllerCharm.hookName)\"")
                outcome.logs.append(JujuLogLine(.error, "IndexError: list index out of range"))
            } else if ips.count > 1 {
                outcome.logs.append(JujuLogLine(.error,
                    "multiple possible DB bind addresses;set a suitable cluster network binding"))
                outcome.status = .blocked(ControllerUnitStatus.multipleBindAddresses)
            } else {
                outcome.logs.append(JujuLogLine(.info, "setting DB bind address: \(ips[0])"))
                unitDatabags[unit.name] = UnitDatabag(dbBindAddress: ips[0], agentID: unit.agentID.description)
                ownIP[unit.agentID] = ips[0]
            }
            outcomes.append(outcome)
        }

        // 2. The leader aggregates: its own address only if it set one this time, then every
        //    peer databag that has a `db-bind-address`, stale ones included.
        var aggregate: [DBBindAddress] = []
        if let leaderIndex = outcomes.firstIndex(where: { $0.agentID == leader }),
           !isError(outcomes[leaderIndex].status) {
            var map: [String: String] = [:]
            if let ip = ownIP[leader] { map[leader.description] = ip }
            for unit in ordered where unit.agentID != leader {
                if let bag = unitDatabags[unit.name] { map[bag.agentID] = bag.dbBindAddress }
            }
            aggregate = ControllerCharm.bindAddressList(map)
            appDatabag = ControllerCharm.appDatabagJSON(aggregate)
            write(aggregate, into: &outcomes[leaderIndex])
        }

        // 3. Non-leaders read the app databag (empty until the leader has written it).
        let shared = appDatabag.map { ControllerCharm.parseAppDatabag($0) } ?? []
        for index in outcomes.indices where outcomes[index].agentID != leader && !isError(outcomes[index].status) {
            write(shared, into: &outcomes[index])
        }
        return outcomes
    }

    private func isError(_ status: ControllerUnitStatus) -> Bool {
        if case .error = status { return true }
        return false
    }

    private func write(_ addresses: [DBBindAddress], into outcome: inout ControllerUnitOutcome) {
        outcome.logs.append(JujuLogLine(.info, "writing new DB cluster to config file: " + ControllerCharm.pythonDict(addresses)))
        outcome.bindAddresses = addresses
        outcome.controllerConf = ControllerCharm.controllerConfYAML(addresses)
    }

    // MARK: - Formats

    /// Agent ids are controller ids; a non-numeric key cannot name a controller and is skipped.
    static func bindAddressList(_ map: [String: String]) -> [DBBindAddress] {
        map.compactMap { key, ip in MachineID(parsing: key).map { DBBindAddress($0, ip) } }
            .sorted { $0.controllerID < $1.controllerID }
    }

    /// Python's key order for `sort_keys`: code-point order of the string keys (`"10"` < `"2"`).
    static func pythonKeyOrder(_ addresses: [DBBindAddress]) -> [DBBindAddress] {
        addresses.sorted { $0.controllerID.description.utf8.lexicographicallyPrecedes($1.controllerID.description.utf8) }
    }

    /// `json.dumps(all_bind_addresses, sort_keys=True)`: `{"0": "10.0.0.1", "1": "10.0.0.2"}`.
    public static func appDatabagJSON(_ addresses: [DBBindAddress]) -> String {
        "{" + pythonKeyOrder(addresses).map { "\(jsonString($0.controllerID.description)): \(jsonString($0.ip))" }
            .joined(separator: ", ") + "}"
    }

    /// `json.loads` of the app databag, for the flat string map the leader writes.
    public static func parseAppDatabag(_ json: String) -> [DBBindAddress] {
        var map: [String: String] = [:]
        let chars = Array(json.unicodeScalars)
        var i = 0
        func skipSpace() { while i < chars.count, chars[i] == " " || chars[i] == "\n" || chars[i] == "\t" { i += 1 } }
        func string() -> String? {
            guard i < chars.count, chars[i] == "\"" else { return nil }
            i += 1
            var out = String.UnicodeScalarView()
            while i < chars.count, chars[i] != "\"" {
                if chars[i] == "\\", i + 1 < chars.count {
                    i += 1
                    switch chars[i] {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "u":
                        guard i + 4 < chars.count, let v = UInt32(String(String.UnicodeScalarView(chars[(i + 1)...(i + 4)])), radix: 16),
                              let scalar = Unicode.Scalar(v) else { return nil }
                        out.append(scalar)
                        i += 4
                    default: out.append(chars[i])
                    }
                } else {
                    out.append(chars[i])
                }
                i += 1
            }
            guard i < chars.count else { return nil }
            i += 1
            return String(out)
        }
        skipSpace()
        guard i < chars.count, chars[i] == "{" else { return [] }
        i += 1
        while true {
            skipSpace()
            if i < chars.count, chars[i] == "}" { break }
            guard let key = string() else { return [] }
            skipSpace()
            guard i < chars.count, chars[i] == ":" else { return [] }
            i += 1
            skipSpace()
            guard let value = string() else { return [] }
            map[key] = value
            skipSpace()
            if i < chars.count, chars[i] == "," { i += 1; continue }
            if i < chars.count, chars[i] == "}" { break }
            return []
        }
        return bindAddressList(map)
    }

    /// The controller.conf the charm writes with PyYAML's `yaml.dump` (block style, keys
    /// sorted, ids quoted because they would read back as integers):
    /// ```
    /// db-bind-addresses:
    ///   '0': 10.0.0.1
    /// ```
    public static func controllerConfYAML(_ addresses: [DBBindAddress]) -> String {
        if addresses.isEmpty { return "db-bind-addresses: {}\n" }
        var text = "db-bind-addresses:\n"
        for entry in pythonKeyOrder(addresses) {
            text += "  \(pyYAMLScalar(entry.controllerID.description)): \(pyYAMLScalar(entry.ip))\n"
        }
        return text
    }

    /// `controllerConfigReader.DBBindAddresses()` over the block-style YAML above: the
    /// `db-bind-addresses` map of a controller.conf (other keys ignored), nil when the file has
    /// no such key. Keys that do not name a controller are skipped, as in `bindAddressList`.
    public static func dbBindAddresses(fromControllerConf text: String) -> [MachineID: String]? {
        let key = "db-bind-addresses:"
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)[...]
        while let line = lines.first, !line.hasPrefix(key) { lines = lines.dropFirst() }
        guard let header = lines.popFirst() else { return nil }
        if trimmed(header.dropFirst(key.count)) == "{}" { return [:] }
        var map: [String: String] = [:]
        // The entries are the indented lines that follow; the next top-level key ends the map.
        for line in lines {
            guard line.first == " " else { break }
            let entry = trimmed(line)
            // `: ` ends the key; an IPv6 value's `::` never has the space.
            guard let colon = entry.firstRange(of: ": ") else { continue }
            map[unquoteYAMLScalar(entry[..<colon.lowerBound])] = unquoteYAMLScalar(entry[colon.upperBound...])
        }
        // `00` and `0` name the same controller; the first in id order wins.
        return Dictionary(bindAddressList(map).map { ($0.controllerID, $0.ip) }, uniquingKeysWith: { first, _ in first })
    }

    private static func trimmed(_ s: Substring) -> Substring {
        var t = s
        while let c = t.first, c == " " || c == "\t" { t.removeFirst() }
        while let c = t.last, c == " " || c == "\t" { t.removeLast() }
        return t
    }

    /// A plain, single-quoted (`''` is one quote) or double-quoted YAML scalar's text.
    static func unquoteYAMLScalar(_ s: Substring) -> String {
        let t = trimmed(s)
        if t.count >= 2, t.first == "'", t.last == "'" {
            return t.dropFirst().dropLast().split(separator: "''", omittingEmptySubsequences: false).joined(separator: "'")
        }
        if t.count >= 2, t.first == "\"", t.last == "\"" { return String(t.dropFirst().dropLast()) }
        return String(t)
    }

    /// Python's `repr` of the dict, as the charm logs it: `{'0': '10.0.0.1'}` (insertion order:
    /// leader first, then peers; here in controller-id order).
    public static func pythonDict(_ addresses: [DBBindAddress]) -> String {
        "{" + addresses.map { "'\($0.controllerID)': '\($0.ip)'" }.joined(separator: ", ") + "}"
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value > 0x7e {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// PyYAML's choice for a plain string: plain unless the YAML 1.1 resolver would read it as
    /// something else (int, float, bool, null) or it holds characters that need quoting; then
    /// single quotes.
    static func pyYAMLScalar(_ s: String) -> String {
        let safe = !s.isEmpty && s.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "." || c == "-" || c == "_"
                || c == ":" || c == "/"
        } && !s.hasPrefix(":") && !s.hasPrefix("-") && !s.hasSuffix(":")
        if safe && !resolvesToNonString(s) { return s }
        return "'" + s.replacingSingleQuotes() + "'"
    }

    private static func resolvesToNonString(_ s: String) -> Bool {
        let lower = s.lowercased()
        if ["y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"].contains(lower) { return true }
        let body = s.hasPrefix("+") || s.hasPrefix("-") ? String(s.dropFirst()) : s
        let digitsOrUnderscore: (Substring) -> Bool = { !$0.isEmpty && $0.allSatisfy { $0 == "_" || ($0.isASCII && $0.isNumber) } }
        // int: decimal, octal, hex, binary, sexagesimal
        if digitsOrUnderscore(Substring(body)) { return true }
        if body.hasPrefix("0x"), body.count > 2, body.dropFirst(2).allSatisfy({ $0.isHexDigit || $0 == "_" }) { return true }
        if body.hasPrefix("0b"), body.count > 2, body.dropFirst(2).allSatisfy({ $0 == "0" || $0 == "1" || $0 == "_" }) { return true }
        let colonParts = body.split(separator: ":", omittingEmptySubsequences: false)
        if colonParts.count > 1, colonParts.allSatisfy(digitsOrUnderscore) {
            return true
        }
        // float: digits '.' digits-or-underscore, with at most one dot
        let dotParts = body.split(separator: ".", omittingEmptySubsequences: false)
        if dotParts.count == 2, (digitsOrUnderscore(dotParts[0]) || dotParts[0].isEmpty),
           dotParts[1].isEmpty || dotParts[1].allSatisfy({ $0 == "_" || ($0.isASCII && $0.isNumber) }),
           !(dotParts[0].isEmpty && dotParts[1].isEmpty) {
            return true
        }
        return false
    }
}

extension String {
    fileprivate func replacingSingleQuotes() -> String {
        split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''")
    }
}
