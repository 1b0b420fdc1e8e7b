import HACore

/// What `ensure-availability` changed, as machine ids, in the field order of the CLI's result
/// (`maintained`, `removed`, `added`, `promoted`, `demoted`, `converted`).
public struct StateServersChanges: Equatable, Sendable {
    public var maintained: [String]
    public var removed: [String]
    public var added: [String]
    public var promoted: [String]
    public var demoted: [String]
    public var converted: [String]

    public init(
        maintained: [String] = [], removed: [String] = [], added: [String] = [], promoted: [String] = [],
        demoted: [String] = [], converted: [String] = []
    ) {
        self.maintained = maintained
        self.removed = removed
        self.added = added
        self.promoted = promoted
        self.demoted = demoted
        self.converted = converted
    }

    public var isEmpty: Bool { self == StateServersChanges() }

    /// The lists under their yaml/json names, in the CLI struct's field order.
    var namedLists: [(name: String, ids: [String])] {
        [("maintained", maintained), ("removed", removed), ("added", added), ("promoted", promoted),
         ("demoted", demoted), ("converted", converted)]
    }

    /// The bytes the command writes to stdout (or to `-o`'s file) in `format`.
    ///
    /// juju/cmd 1.x writes a formatter's output followed by one extra newline, and nothing when
    /// the output is empty. The simple formatter's lines already end in newlines, so its output
    /// ends with a blank line and a no-op prints nothing; the yaml formatter trims yaml's final
    /// newline and json has none, so both end in exactly one, and a no-op prints `{}`.
    public func formatted(as format: OutputFormat, version: JujuVersion) -> String {
        let body: String
        switch format {
        case .simple: body = simpleText(version: version)
        case .yaml: body = yamlText()
        case .json: body = jsonText()
        }
        return body.isEmpty ? "" : body + "\n"
    }

    /// One `<verb> machines: a, b` line per non-empty list; 1.20 – 1.22 print the removing,
    /// promoting and demoting lines without the colon.
    func simpleText(version: JujuVersion) -> String {
        let colon = version.simpleOutputHasColonsOnAllLines ? ":" : ""
        let lines: [(String, [String])] = [
            ("maintaining machines:", maintained), ("adding machines:", added),
            ("removing machines" + colon, removed), ("promoting machines" + colon, promoted),
            ("demoting machines" + colon, demoted), ("converting machines:", converted),
        ]
        return lines.filter { !$0.1.isEmpty }.map { "\($0.0) \($0.1.joined(separator: ", "))\n" }.joined()
    }

    /// The CLI's result struct: every list `yaml:",flow,omitempty"` and `json:",omitempty"`.
    var goValue: GoValue {
        .object(namedLists.filter { !$0.ids.isEmpty }.map { ($0.name, .flowStrings($0.ids)) })
    }

    /// go-yaml's rendering of the result, without the trailing newline juju/cmd trims.
    func yamlText() -> String { String(formatYAML(goValue).dropLast()) }

    /// `json.Marshal` of the result; juju/cmd adds the newline itself.
    func jsonText() -> String { String(formatJSON(goValue).dropLast()) }
}
