import HACore

/// What `juju enable-ha` prints for the server's answer, in the chosen `--format`.
public func formatEnableHA(_ changes: ControllersChanges, format: EnableHAFormat) -> String {
    switch format {
    case .simple: return formatEnableHASimple(changes)
    case .yaml: return formatYAML(availabilityInfo(changes))
    case .json: return formatJSON(availabilityInfo(changes))
    }
}

/// 3.x `formatSimple`: one `<verb> machines: a, b` line per non-empty list, each ending in a
/// newline; nothing at all when nothing changed.
func formatEnableHASimple(_ changes: ControllersChanges) -> String {
    let lines: [(String, [MachineID])] = [
        ("maintaining", changes.maintained), ("adding", changes.added),
        ("removing", changes.removed), ("converting", changes.converted),
    ]
    return lines.filter { !$0.1.isEmpty }
        .map { "\($0.0) machines: " + $0.1.map(\.description).joined(separator: ", ") + "\n" }
        .joined()
}

/// `availabilityInfo` in struct order maintained, removed, added, converted; empty lists omitted.
func availabilityInfo(_ changes: ControllersChanges) -> GoValue {
    let lists: [(String, [MachineID])] = [
        ("maintained", changes.maintained), ("removed", changes.removed),
        ("added", changes.added), ("converted", changes.converted),
    ]
    return .fields(lists.filter { !$0.1.isEmpty }.map { GoField($0.0, .flowStrings($0.1.map(\.description))) })
}
