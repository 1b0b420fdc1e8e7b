/// Juju's placement directives (`instance.ParsePlacement`) and machine-id syntax (`names`), as
/// `--to` and the state layer read them.
enum PlacementDirective: Equatable {
    /// The empty directive, which Juju parses to "no placement" (and then, in 1.x, dereferences).
    case empty
    /// `scope:directive`, or a bare machine id (scope `#`), or a bare container type (no directive).
    case scoped(scope: String, directive: String)
    /// No scope could be inferred (`zone=us-east-1a`, a MAAS node name): passed on verbatim.
    case scopeMissing
    /// A machine or container scope whose value is not a machine id.
    case invalid

    /// The scope Juju gives plain machine ids.
    static let machineScope = "#"

    static func parse(_ text: String) -> PlacementDirective {
        if text.isEmpty { return .empty }
        if let colon = text.firstIndex(of: ":") {
            let scope = String(text[..<colon])
            let directive = String(text[text.index(after: colon)...])
            if scope.isEmpty { return .scopeMissing }
            if scope == machineScope || isContainerType(scope), !isValidMachine(directive) { return .invalid }
            return .scoped(scope: scope, directive: directive)
        }
        if isValidMachine(text) { return .scoped(scope: machineScope, directive: text) }
        if isContainerType(text) { return .scoped(scope: text, directive: "") }
        return .scopeMissing
    }

    /// A directive naming a machine: its id, if this is one.
    var machineID: String? {
        guard case let .scoped(scope, directive) = self, scope == Self.machineScope else { return nil }
        return directive
    }

    /// `PlacementDirective.String()`: `scope:directive`, so `--to 1` travels to the server as `#:1`.
    var normalized: String? {
        guard case let .scoped(scope, directive) = self else { return nil }
        return "\(scope):\(directive)"
    }

    /// The container types of 1.20 – 1.25.
    static func isContainerType(_ text: String) -> Bool { text == "lxc" || text == "kvm" }

    /// `names.IsValidMachine`: a number, then any number of `/<container type>/<number>`.
    static func isValidMachine(_ id: String) -> Bool {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count % 2 == 1, isMachineNumber(parts[0]) else { return false }
        return stride(from: 1, to: parts.count, by: 2).allSatisfy { index in
            isContainerTypeSnippet(parts[index]) && isMachineNumber(parts[index + 1])
        }
    }

    /// `names.IsContainerMachine`: a valid machine id with a container part.
    static func isContainerMachine(_ id: String) -> Bool { isValidMachine(id) && id.contains("/") }

    private static func isMachineNumber(_ text: Substring) -> Bool {
        guard let first = text.first, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return first != "0" || text.count == 1
    }

    private static func isContainerTypeSnippet(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isLowercase }
    }
}
