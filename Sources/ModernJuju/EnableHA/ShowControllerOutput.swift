import HACore

/// `--format` of `juju show-controller` (yaml is the default).
public enum ShowControllerFormat: String, Sendable, CaseIterable {
    case yaml, json
}

/// One entry of show-controller's `models` map.
public struct ShowControllerModel: Equatable, Sendable {
    public var name: String
    public var uuid: String
    public var machineCount: Int
    /// Total CPU cores of the model's machines.
    public var coreCount: Int

    public init(name: String, uuid: String, machineCount: Int, coreCount: Int) {
        self.name = name
        self.uuid = uuid
        self.machineCount = machineCount
        self.coreCount = coreCount
    }
}

/// Everything `juju show-controller` prints for one controller (3.x layout). Optional texts
/// left nil are omitted as Juju's `omitempty` does.
public struct ShowControllerDetails: Equatable, Sendable {
    public var name: String
    public var controllerUUID: String
    public var apiEndpoints: [String]
    public var cloud: String
    public var region: String?
    public var agentVersion: String?
    public var agentGitCommit: String?
    public var controllerModelVersion: String?
    public var mongoVersion: String?
    public var identityURL: String?
    public var caFingerprint: String?
    public var caCert: String
    public var controllerMachines: [ControllerMachine]
    public var models: [ShowControllerModel]
    public var currentModel: String?
    public var user: String?
    public var access: String?
    public var errors: [String]

    public init(name: String, controllerUUID: String, apiEndpoints: [String], cloud: String, region: String? = nil,
                agentVersion: String? = nil, agentGitCommit: String? = nil, controllerModelVersion: String? = nil,
                mongoVersion: String? = nil, identityURL: String? = nil, caFingerprint: String? = nil,
                caCert: String, controllerMachines: [ControllerMachine] = [], models: [ShowControllerModel] = [],
                currentModel: String? = nil, user: String? = nil, access: String? = nil, errors: [String] = []) {
        self.name = name
        self.controllerUUID = controllerUUID
        self.apiEndpoints = apiEndpoints
        self.cloud = cloud
        self.region = region
        self.agentVersion = agentVersion
        self.agentGitCommit = agentGitCommit
        self.controllerModelVersion = controllerModelVersion
        self.mongoVersion = mongoVersion
        self.identityURL = identityURL
        self.caFingerprint = caFingerprint
        self.caCert = caCert
        self.controllerMachines = controllerMachines
        self.models = models
        self.currentModel = currentModel
        self.user = user
        self.access = access
        self.errors = errors
    }
}

/// 3.x `haStatus`: a down agent wins over its vote flags; a machine not wanting the vote gets
/// no status at all.
public func haStatus(_ machine: ControllerMachine) -> String {
    if machine.agentDown { return "down, lost connection" }
    if !machine.wantsVote { return "" }
    return machine.hasVote ? "ha-enabled" : "ha-pending"
}

/// `juju show-controller [name…]`: a Go map from controller name to its details.
public func formatShowController(_ controllers: [ShowControllerDetails], format: ShowControllerFormat) -> String {
    let value = GoValue.map(controllers.map { ($0.name, showControllerValue($0)) })
    return format == .yaml ? formatYAML(value) : formatJSON(value)
}

func showControllerValue(_ details: ShowControllerDetails) -> GoValue {
    var fields = [GoField("details", controllerDetailsValue(details))]
    let machines = controllerMachinesValue(details.controllerMachines)
    if case .map(let entries) = machines, !entries.isEmpty { fields.append(GoField("controller-machines", machines)) }
    if !details.models.isEmpty {
        fields.append(GoField("models", .map(details.models.map { ($0.name, modelValue($0)) })))
    }
    if let model = details.currentModel, !model.isEmpty { fields.append(GoField("current-model", .string(model))) }
    if let user = details.user { fields.append(GoField("account", accountValue(user: user, access: details.access))) }
    if !details.errors.isEmpty { fields.append(GoField("errors", .flowStrings(details.errors))) }
    return .fields(fields)
}

func controllerDetailsValue(_ d: ShowControllerDetails) -> GoValue {
    var fields = [
        GoField(yaml: "controller-uuid", json: "uuid", .string(d.controllerUUID)),
        GoField("api-endpoints", .flowStrings(d.apiEndpoints)),
        GoField("cloud", .string(d.cloud)),
    ]
    let optional: [(String, String?)] = [
        ("region", d.region), ("agent-version", d.agentVersion), ("agent-git-commit", d.agentGitCommit),
        ("controller-model-version", d.controllerModelVersion), ("mongo-version", d.mongoVersion),
        ("identity-url", d.identityURL), ("ca-fingerprint", d.caFingerprint),
    ]
    for (name, value) in optional { if let value, !value.isEmpty { fields.append(GoField(name, .string(value))) } }
    fields.append(GoField("ca-cert", .string(d.caCert)))
    return .fields(fields)
}

/// Only machines wanting the vote are listed; `ha-status` appears only when there is more
/// than one of them, since a lone controller has no HA to report.
func controllerMachinesValue(_ machines: [ControllerMachine]) -> GoValue {
    let listed = machines.filter(\.isVotingIntent)
    return .map(listed.map { machine in
        var fields = [GoField("instance-id", .string(machine.instanceID.isEmpty ? "(unprovisioned)" : machine.instanceID))]
        if listed.count > 1 {
            let status = haStatus(machine)
            if !status.isEmpty { fields.append(GoField("ha-status", .string(status))) }
        }
        return (machine.id.description, .fields(fields))
    })
}

func modelValue(_ model: ShowControllerModel) -> GoValue {
    var fields = [GoField(yaml: "model-uuid", json: "uuid", .string(model.uuid))]
    if model.machineCount > 0 { fields.append(GoField("machine-count", .int(model.machineCount))) }
    if model.coreCount > 0 { fields.append(GoField("core-count", .int(model.coreCount))) }
    return .fields(fields)
}

func accountValue(user: String, access: String?) -> GoValue {
    var fields = [GoField("user", .string(user))]
    if let access, !access.isEmpty { fields.append(GoField("access", .string(access))) }
    return .fields(fields)
}
