import HACore

/// The `(Active, Total)` pair Juju caches per controller and shows in the HA column.
public struct ControllerMachineCounts: Equatable, Sendable, Codable {
    public var active: Int
    public var total: Int
    public init(active: Int, total: Int) {
        self.active = active
        self.total = total
    }
}

/// `--format` of `juju controllers`.
public enum ControllersFormat: String, Sendable, CaseIterable {
    case tabular, yaml, json
}

/// One controller as the client store knows it (`ControllerItem`); optional fields are the
/// ones Juju leaves out when unknown or zero.
public struct ControllerItem: Equatable, Sendable {
    public var name: String
    public var currentModel: String?
    public var user: String?
    public var access: String?
    public var controllerUUID: String
    /// Most recently used first, so the first one is `recent-server`.
    public var apiEndpoints: [String]
    public var caCert: String
    public var cloud: String
    public var region: String?
    public var agentVersion: String?
    public var modelCount: Int?
    public var machineCount: Int?
    public var controllerMachines: ControllerMachineCounts?

    public init(name: String, currentModel: String? = nil, user: String? = nil, access: String? = nil,
                controllerUUID: String, apiEndpoints: [String], caCert: String, cloud: String,
                region: String? = nil, agentVersion: String? = nil, modelCount: Int? = nil,
                machineCount: Int? = nil, controllerMachines: ControllerMachineCounts? = nil) {
        self.name = name
        self.currentModel = currentModel
        self.user = user
        self.access = access
        self.controllerUUID = controllerUUID
        self.apiEndpoints = apiEndpoints
        self.caCert = caCert
        self.cloud = cloud
        self.region = region
        self.agentVersion = agentVersion
        self.modelCount = modelCount
        self.machineCount = machineCount
        self.controllerMachines = controllerMachines
    }
}

/// `modelcmd.ErrNoControllersDefined`, returned by the tabular format when nothing is registered.
public let noControllersDefinedMessage = """
    No controllers registered.

    Please either create a new controller using "juju bootstrap" or connect to
    another controller that you have been given access to using "juju register".

    """

/// `controllerMachineStatus`: `-` when unknown, `none` for a single controller, the total when
/// every voter is active, else `active/total`.
public func haColumn(_ counts: ControllerMachineCounts?) -> String {
    guard let counts, counts.total > 0 else { return "-" }
    if counts.total == 1 { return "none" }
    return counts.active == counts.total ? "\(counts.total)" : "\(counts.active)/\(counts.total)"
}

/// `juju controllers [--refresh] [--format …]`. Without `--refresh` the cached values are shown
/// behind a hint; the hint is printed for tabular output only.
public func formatControllers(_ controllers: [ControllerItem], current: String?, refreshed: Bool,
                              format: ControllersFormat) throws -> String {
    switch format {
    case .tabular: return try formatControllersTabular(controllers, current: current, refreshed: refreshed)
    case .yaml: return formatYAML(controllerSet(controllers, current: current))
    case .json: return formatJSON(controllerSet(controllers, current: current))
    }
}

public func formatControllersTabular(_ controllers: [ControllerItem], current: String?, refreshed: Bool) throws -> String {
    guard !controllers.isEmpty else { throw EnableHAError(noControllersDefinedMessage) }
    let header = ["Controller", "Model", "User", "Access", "Cloud/Region", "Models", "Nodes", "HA", "Version"]
    let rows = controllers.sorted { $0.name < $1.name }.map { controllerRow($0, isCurrent: $0.name == current) }
    let hint = refreshed ? "" : "Use --refresh option with this command to see the latest information.\n\n"
    return hint + GoTable([header] + rows, rightAligned: [5, 6, 7]).render()
}

func controllerRow(_ item: ControllerItem, isCurrent: Bool) -> [String] {
    let access = item.user == nil ? "-" : (item.access ?? "(unknown)")
    let cloudRegion = item.region.map { "\(item.cloud)/\($0)" } ?? item.cloud
    return [
        item.name + (isCurrent ? "*" : ""), item.currentModel ?? "-", item.user ?? "-", access, cloudRegion,
        positiveCount(item.modelCount), positiveCount(item.machineCount),
        haColumn(item.controllerMachines), item.agentVersion ?? "(unknown)",
    ]
}

func positiveCount(_ n: Int?) -> String {
    guard let n, n > 0 else { return "-" }
    return String(n)
}

/// `ControllerSet`: `controllers` (a Go map, sorted on output) and `current-controller`.
func controllerSet(_ controllers: [ControllerItem], current: String?) -> GoValue {
    .fields([
        GoField("controllers", .map(controllers.map { ($0.name, controllerItemValue($0)) })),
        GoField("current-controller", .string(current ?? "")),
    ])
}

func controllerItemValue(_ item: ControllerItem) -> GoValue {
    var fields: [GoField] = []
    func optional(_ name: String, _ value: String?) {
        if let value, !value.isEmpty { fields.append(GoField(name, .string(value))) }
    }
    optional("current-model", item.currentModel)
    optional("user", item.user)
    optional("access", item.access)
    optional("recent-server", item.apiEndpoints.first)
    fields.append(GoField(yaml: "controller-uuid", json: "uuid", .string(item.controllerUUID)))
    fields.append(GoField("api-endpoints", .flowStrings(item.apiEndpoints)))
    fields.append(GoField("ca-cert", .string(item.caCert)))
    fields.append(GoField("cloud", .string(item.cloud)))
    optional("region", item.region)
    optional("agent-version", item.agentVersion)
    if let n = item.modelCount, n > 0 { fields.append(GoField("model-count", .int(n))) }
    if let n = item.machineCount, n > 0 { fields.append(GoField("machine-count", .int(n))) }
    if let counts = item.controllerMachines, counts.total > 0 {
        // The Go struct has yaml tags only, so JSON uses the field names Active/Total.
        fields.append(GoField("controller-machines", .fields([
            GoField(yaml: "active", json: "Active", .int(counts.active)),
            GoField(yaml: "total", json: "Total", .int(counts.total)),
        ])))
    }
    return .fields(fields)
}
