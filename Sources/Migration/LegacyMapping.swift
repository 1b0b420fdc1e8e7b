import BSON
import RaftCluster

/// One row a legacy document becomes.
struct MappedRow {
    var table: String
    var columns: [String]
    var values: [SQLValue]
}

/// What one legacy document becomes: at most one row of its own (whose `extra` keeps the
/// document with every mapped field replaced by MinKey), rows derived from its content (config
/// keys, controller nodes, addresses), and whether the document itself is kept as it is.
struct DocumentMapping {
    var primary: MappedRow?
    /// The fields whose values live in `primary`'s columns (first occurrence of each).
    var placeholders: [String] = []
    var derived: [MappedRow] = []
    /// True when the document has no row of its own and travels as it is.
    var keepsDocument: Bool { primary == nil }
}

/// Where each legacy field of a mapped table lives: table → field → (column, kind). A table's
/// row is rebuilt into its document by putting these columns back where the MinKey stands.
enum TableFields {
    static let all: [String: [String: (column: String, kind: FieldKind)]] = [
        "model": ["_id": ("uuid", .string), "name": ("name", .string), "life": ("life_id", .life)],
        "machine": ["_id": ("name", .string), "machineid": ("name", .string), "env-uuid": ("model_uuid", .string),
                    "life": ("life_id", .life), "nonce": ("nonce", .string)],
        "machine_status": ["status": ("status_id", .machineStatus), "statusinfo": ("message", .string)],
        "unit_status": ["status": ("status", .string), "statusinfo": ("message", .string)],
        "application": ["_id": ("name", .string), "name": ("name", .string), "env-uuid": ("model_uuid", .string),
                        "life": ("life_id", .life), "charmurl": ("charm_url", .string), "series": ("series", .string),
                        "subordinate": ("subordinate", .bool), "exposed": ("exposed", .bool)],
        "unit": ["_id": ("name", .string), "name": ("name", .string), "env-uuid": ("model_uuid", .string),
                 "machineid": ("machine_name", .string), "life": ("life_id", .life), "charmurl": ("charm_url", .string),
                 "series": ("series", .string), "principal": ("principal", .string)],
        "relation": ["_id": ("relation_key", .string), "key": ("relation_key", .string), "env-uuid": ("model_uuid", .string),
                     "id": ("relation_id", .int32), "life": ("life_id", .life)],
        "user": ["_id": ("name", .string), "name": ("name", .string), "displayname": ("display_name", .string),
                 "passwordhash": ("password_hash", .string), "passwordsalt": ("password_salt", .string),
                 "createdby": ("created_by", .string), "deactivated": ("deactivated", .bool)],
    ]
}

/// The legacy collections Juju 4 has tables for (DESIGN §5), and how their documents map.
/// Everything else travels unchanged.
struct LegacyMapper {
    /// The environment's UUID once known (metadata.json, the environments collection); rows
    /// written before it is known get "" and are fixed up at the end.
    var environmentUUID = ""
    var agentVersion = ""
    /// Machine ids of the state servers, from stateServers "e", for naming API addresses.
    var stateServerIDs: [String] = []

    static let mappedCollections: Set<String> = [
        "juju.environments", "juju.machines", "juju.instanceData", "juju.statuses", "juju.services", "juju.units",
        "juju.relations", "juju.settings", "juju.constraints", "juju.stateServers", "juju.users",
    ]

    static func isMapped(_ namespace: String) -> Bool {
        mappedCollections.contains(namespace)
    }

    /// Instance ids from instanceData, applied to machine rows at the end (the collection sorts
    /// before machines).
    var instanceIDs: [(machineUUID: String, instanceID: String)] = []

    mutating func map(_ document: Document, namespace: String) throws -> DocumentMapping {
        switch namespace {
        case "juju.environments": return try environment(document)
        case "juju.machines": return try machine(document)
        case "juju.instanceData": return try instanceData(document)
        case "juju.statuses": return try status(document)
        case "juju.services": return try application(document)
        case "juju.units": return try unit(document)
        case "juju.relations": return try relation(document)
        case "juju.settings": return try settings(document)
        case "juju.constraints": return try constraints(document)
        case "juju.stateServers": return try stateServers(document)
        case "juju.users": return try user(document)
        default: return DocumentMapping()
        }
    }

    // MARK: - Helpers

    /// The document's `_id` as text; mapped collections key documents by strings.
    private func id(_ document: Document) throws -> String {
        guard let value = document["_id"] else { throw FieldProblem("no \"_id\" field") }
        guard case .string(let text) = value else { throw FieldProblem("field \"_id\" is \(typeName(value)), expected a string") }
        return text
    }

    /// Builds a table row from the mapped fields present in `document`; `fixed` adds columns
    /// that come from elsewhere. The first of `alternatives` present maps a column that two
    /// layouts (1.20 `_id`, 1.25 `name`) hold in different fields.
    private func row(_ table: String, _ document: Document, fixed: [(String, SQLValue)],
                     alternatives: [String] = []) throws -> (MappedRow, [String]) {
        let fields = TableFields.all[table]!
        var columns: [String] = []
        var values: [SQLValue] = []
        var placeholders: [String] = []
        var skip = Set<String>()
        if let chosen = alternatives.first(where: { document[$0] != nil }) {
            skip = Set(alternatives.filter { $0 != chosen })
        } else {
            skip = Set(alternatives)
        }
        for (field, target) in fields.sorted(by: { $0.key < $1.key }) where !skip.contains(field) {
            guard let value = document[field] else { continue }
            columns.append(target.column)
            values.append(try target.kind.column(value, field: field))
            placeholders.append(field)
        }
        for (column, value) in fixed where !columns.contains(column) {
            columns.append(column)
            values.append(value)
        }
        return (MappedRow(table: table, columns: columns, values: values), placeholders)
    }

    private func primary(_ table: String, _ document: Document, fixed: [(String, SQLValue)],
                         alternatives: [String] = [], derived: [MappedRow] = []) throws -> DocumentMapping {
        let (row, placeholders) = try row(table, document, fixed: fixed, alternatives: alternatives)
        return DocumentMapping(primary: row, placeholders: placeholders, derived: derived)
    }

    /// 1.25 documents name their environment; 1.20 ones belong to the only one.
    private func model(_ document: Document) throws -> String {
        guard let value = document["env-uuid"] else { return environmentUUID }
        guard case .string(let text) = value else { throw FieldProblem("field \"env-uuid\" is \(typeName(value)), expected a string") }
        return text
    }

    /// `"<env-uuid>:"` for 1.25 ids, "" for 1.20 ones, and the key after it.
    private func split(_ id: String, _ document: Document) -> (prefix: String, key: String) {
        if case .string(let uuid)? = document["env-uuid"], id.hasPrefix(uuid + ":") {
            return (uuid + ":", String(id.dropFirst(uuid.count + 1)))
        }
        return ("", id)
    }

    // MARK: - Collections

    private mutating func environment(_ document: Document) throws -> DocumentMapping {
        let uuid = try id(document)
        if environmentUUID.isEmpty { environmentUUID = uuid }
        return try primary("model", document, fixed: [
            ("activated", .boolean(true)), ("qualifier", .text("admin")), ("model_type_id", .integer(0)),
            ("cloud_name", .text("")), ("uuid", .text(uuid)),
        ], derived: [
            MappedRow(table: "namespace_list", columns: ["namespace"], values: [.text(uuid)]),
            MappedRow(table: "model_namespace", columns: ["namespace", "model_uuid"], values: [.text(uuid), .text(uuid)]),
        ])
    }

    private func machine(_ document: Document) throws -> DocumentMapping {
        let key = try id(document)
        let jobs = document["jobs"]?.arrayValue ?? []
        let isController = jobs.contains(.int32(2)) || jobs.contains(.int64(2))
        return try primary("machine", document, fixed: [
            ("uuid", .text(derivedUUID("machine", key))), ("model_uuid", .text(try model(document))),
            ("is_controller", .boolean(isController)),
        ], alternatives: ["machineid", "_id"])
    }

    private mutating func instanceData(_ document: Document) throws -> DocumentMapping {
        let key = try id(document)
        if case .string(let instance)? = document["instanceid"], !instance.isEmpty {
            instanceIDs.append((derivedUUID("machine", key), instance))
        }
        return DocumentMapping()
    }

    private func status(_ document: Document) throws -> DocumentMapping {
        let (prefix, key) = split(try id(document), document)
        if key.hasPrefix("m#") {
            let machine = derivedUUID("machine", prefix + key.dropFirst(2))
            return try primary("machine_status", document, fixed: [("machine_uuid", .text(machine))])
        }
        if key.hasPrefix("u#") && !key.hasSuffix("#charm") {
            let unit = derivedUUID("unit", prefix + key.dropFirst(2))
            return try primary("unit_status", document, fixed: [("unit_uuid", .text(unit))])
        }
        return DocumentMapping()
    }

    private func application(_ document: Document) throws -> DocumentMapping {
        let key = try id(document)
        return try primary("application", document, fixed: [
            ("uuid", .text(derivedUUID("application", key))), ("model_uuid", .text(try model(document))),
        ], alternatives: ["name", "_id"])
    }

    private func unit(_ document: Document) throws -> DocumentMapping {
        let key = try id(document)
        guard let serviceValue = document["service"] else { throw FieldProblem("no \"service\" field") }
        guard case .string(let service) = serviceValue else {
            throw FieldProblem("field \"service\" is \(typeName(serviceValue)), expected a string")
        }
        let (prefix, _) = split(key, document)
        return try primary("unit", document, fixed: [
            ("uuid", .text(derivedUUID("unit", key))), ("model_uuid", .text(try model(document))),
            ("application_uuid", .text(derivedUUID("application", prefix + service))),
        ], alternatives: ["name", "_id"])
    }

    private func relation(_ document: Document) throws -> DocumentMapping {
        let key = try id(document)
        return try primary("relation", document, fixed: [
            ("uuid", .text(derivedUUID("relation", key))), ("model_uuid", .text(try model(document))),
        ], alternatives: ["key", "_id"])
    }

    private func user(_ document: Document) throws -> DocumentMapping {
        let key = try id(document)
        return try primary("user", document, fixed: [("uuid", .text(derivedUUID("user", key)))], alternatives: ["name", "_id"])
    }

    /// The keys a settings or constraints document holds besides its bookkeeping.
    private func entries(_ document: Document) -> [(String, Value)] {
        document.filter { !["_id", "env-uuid", "txn-revno", "txn-queue"].contains($0.key) }.map { ($0.key, $0.value) }
    }

    private func settings(_ document: Document) throws -> DocumentMapping {
        let (prefix, key) = split(try id(document), document)
        var mapping = DocumentMapping()
        if key == "e" {
            let model = try self.model(document)
            mapping.derived = entries(document).map {
                MappedRow(table: "model_config", columns: ["model_uuid", "key", "value"], values: [.text(model), .text($0.0), .text(configText($0.1))])
            }
        } else if key.hasPrefix("s#") {
            let service = key.dropFirst(2).split(separator: "#", maxSplits: 1).first.map(String.init) ?? ""
            let application = derivedUUID("application", prefix + service)
            mapping.derived = entries(document).map {
                MappedRow(table: "application_config", columns: ["application_uuid", "key", "value"],
                          values: [.text(application), .text($0.0), .text(configText($0.1))])
            }
        }
        return mapping
    }

    private func constraints(_ document: Document) throws -> DocumentMapping {
        let (_, key) = split(try id(document), document)
        let model = try self.model(document)
        var mapping = DocumentMapping()
        mapping.derived = entries(document).map {
            MappedRow(table: "constraint_value", columns: ["model_uuid", "entity", "key", "value"],
                      values: [.text(model), .text(key), .text($0.0), .text(configText($0.1))])
        }
        return mapping
    }

    private mutating func stateServers(_ document: Document) throws -> DocumentMapping {
        let (_, key) = split(try id(document), document)
        var mapping = DocumentMapping()
        switch key {
        case "e":
            let ids = (document["machineids"]?.arrayValue ?? []).compactMap(\.stringValue)
            stateServerIDs = ids
            mapping.derived = ids.map {
                MappedRow(table: "controller_node", columns: ["controller_id", "life_id"], values: [.text($0), .integer(0)])
            }
        case "apiHostPorts":
            for (index, server) in (document["apihostports"]?.arrayValue ?? []).enumerated() {
                let controller = index < stateServerIDs.count ? stateServerIDs[index] : String(index)
                for case .document(let hostPort) in server.arrayValue ?? [] {
                    guard let value = hostPort["value"]?.stringValue, let port = hostPort["port"]?.int64Value else { continue }
                    let address = value.contains(":") ? "[\(value)]:\(port)" : "\(value):\(port)"
                    let scope = hostPort["networkscope"]?.stringValue ?? ""
                    mapping.derived.append(MappedRow(table: "controller_api_address", columns: ["controller_id", "address", "is_agent", "scope"],
                                                     values: [.text(controller), .text(address), .boolean(true), .text(scope)]))
                }
            }
        case "stateServingInfo":
            func text(_ field: String) -> SQLValue { document[field]?.stringValue.map(SQLValue.text) ?? .null }
            let port = document["apiport"]?.int64Value.map { SQLValue.text(String($0)) } ?? .null
            mapping.derived = [MappedRow(table: "controller", columns: [
                "uuid", "model_uuid", "target_version", "api_port", "cert", "ca_cert", "private_key", "ca_private_key", "system_identity",
            ], values: [.text(environmentUUID), .text(environmentUUID), .text(agentVersion), port, text("cert"), text("cert"),
                        text("privatekey"), text("caprivatekey"), text("systemidentity")])]
        default:
            break
        }
        return mapping
    }
}
