/// The output formats of `ensure-availability` (`--format`).
public enum OutputFormat: String, Sendable, CaseIterable {
    case simple, yaml, json
}

/// `juju ensure-availability`'s command line after the client has read and validated it
/// (`EnsureAvailabilityCommand.Init` of 1.20 – 1.25).
public struct EnsureAvailabilityArguments: Equatable, Sendable {
    /// `-n`; 0 lets the server choose (§2.2 step 3).
    public var numStateServers = 0
    public var series = ""
    public var constraints = ConstraintsValue()
    /// `--to`, split on commas: unscoped directives verbatim, machine ids normalised to `#:<id>`.
    public var placement: [String] = []
    public var format: OutputFormat = .simple
    /// `-o`/`--output`: a file to write the result to instead of stdout; empty for stdout.
    public var outputPath = ""
    /// `-e`/`--environment`, empty for the current environment.
    public var environment = ""

    public init() {}

    /// Reads the words after `ensure-availability` as gnuflag does (interspersed flags,
    /// `--flag=value`, `-n3`, `--` ending the flags), then validates them as Init does.
    public init(parsing arguments: [String], version: JujuVersion) throws(EnsureAvailabilityError) {
        var reader = CommandLineFlags(arguments: arguments, version: version)
        try reader.parse()
        try self.init(
            numStateServers: reader.numStateServers, placementSpec: reader.placementSpec, series: reader.series,
            constraints: reader.constraints, format: reader.format, extraArguments: reader.positional,
            version: version)
        outputPath = reader.outputPath
        environment = reader.environment
    }

    /// Init alone, for a caller whose own flag parser already produced typed values.
    public init(
        numStateServers: Int, placementSpec: String = "", series: String = "",
        constraints: ConstraintsValue = ConstraintsValue(), format: OutputFormat = .simple,
        extraArguments: [String] = [], version: JujuVersion
    ) throws(EnsureAvailabilityError) {
        guard numStateServers >= 0, numStateServers % 2 == 1 || numStateServers == 0 else {
            throw .stateServerCountNotOddClient
        }
        self.numStateServers = numStateServers
        self.placement = try Self.placement(from: placementSpec, version: version)
        guard extraArguments.isEmpty else { throw .unrecognizedArgs(extraArguments) }
        self.series = series
        self.constraints = constraints
        self.format = format
    }

    /// `--to`, item by item (each trimmed for parsing, the untrimmed text kept in messages).
    static func placement(from spec: String, version: JujuVersion) throws(EnsureAvailabilityError) -> [String] {
        if spec.isEmpty { return [] }
        var result: [String] = []
        for item in spec.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            result.append(try placementItem(item, version: version))
        }
        return result
    }

    private static func placementItem(_ item: String, version: JujuVersion) throws(EnsureAvailabilityError) -> String {
        let parsed = PlacementDirective.parse(trimSpace(item))
        switch version.placementSupport {
        case .none:
            throw .flagNotDefined("--to")
        case .unscopedOnly:
            guard parsed == .scopeMissing else { throw .unsupportedPlacementOnClient(item) }
            return item
        case .machinesAndUnscoped:
            return try machineOrUnscoped(parsed, item: item)
        }
    }

    /// `strings.TrimSpace` for the ASCII white space a command line can carry.
    private static func trimSpace(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { " \t\n\r\u{0B}\u{0C}".contains($0) }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(text[first...last])
    }

    /// 1.23+: existing machines are fine (normalised), containers are refused, scope-less
    /// directives pass verbatim. An empty item, on which Juju 1.x dereferences a nil placement,
    /// is refused as unsupported, as 1.21 refused it.
    private static func machineOrUnscoped(_ parsed: PlacementDirective, item: String) throws(EnsureAvailabilityError) -> String {
        if case let .scoped(_, directive) = parsed, PlacementDirective.isContainerMachine(directive) {
            throw .containerPlacementOnClient
        }
        if parsed.machineID != nil, let normalized = parsed.normalized { return normalized }
        guard parsed == .scopeMissing else { throw .unsupportedPlacementOnClient(item) }
        return item
    }
}
