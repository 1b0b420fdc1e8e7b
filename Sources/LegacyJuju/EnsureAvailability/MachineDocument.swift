import BSON
import HACore

/// Juju's `network.Scope` as stored in `networkscope` (empty = unknown, and then omitted).
public enum NetworkScope: String, Sendable, Equatable {
    case unknown = ""
    case `public` = "public"
    case localCloud = "local-cloud"
    case localMachine = "local-machine"
}

/// A provider address of a machine.
public struct MachineAddress: Equatable, Sendable {
    public var value: String
    public var scope: NetworkScope

    public init(value: String, scope: NetworkScope) {
        self.value = value
        self.scope = scope
    }

    /// `ipv4`, `ipv6` or `hostname`, as Juju derives the type from the text.
    public var addressType: String {
        if value.contains(":") { return "ipv6" }
        let octets = value.split(separator: ".", omittingEmptySubsequences: false)
        let isIPv4 = octets.count == 4 && octets.allSatisfy { octet in
            !octet.isEmpty && octet.count <= 3 && octet.allSatisfy { $0.isASCII && $0.isNumber } && (Int(octet) ?? 256) <= 255
        }
        return isIPv4 ? "ipv4" : "hostname"
    }

    /// The `address` subdocument; 1.25 records where the address came from.
    func document(version: JujuVersion) -> Document {
        var doc: Document = ["value": .string(value), "addresstype": .string(addressType)]
        if scope != .unknown { doc.append("networkscope", .string(scope.rawValue)) }
        if version.documentLayout == .environmentPrefixed { doc.append("origin", "provider") }
        return doc
    }

    /// The `hostPort` subdocument of `apiHostPorts`.
    func hostPortDocument(port: Int) -> Document {
        var doc: Document = ["value": .string(value), "addresstype": .string(addressType)]
        if scope != .unknown { doc.append("networkscope", .string(scope.rawValue)) }
        doc.append("port", .int32(Int32(port)))
        return doc
    }
}

/// The fields of a `machines` document a new machine is created with (`machineDoc`); the rest
/// start at their zero values (no principals, no container type, not yet provisioned).
struct MachineDocument {
    var id: String
    var nonce = ""
    var series: String
    var jobs: [MachineJob]
    var noVote = false
    var hasVote = false
    var passwordHash = ""
    var addresses: [MachineAddress] = []
    /// A `--to` directive for the provisioner; omitted when empty.
    var placement = ""

    /// The document in the release's layout, fields in `machineDoc` order.
    func document(environUUID: String, version: JujuVersion) -> Document {
        var doc = header(environUUID: environUUID, layout: version.documentLayout)
        doc.append("nonce", .string(nonce))
        doc.append("series", .string(series))
        doc.append("containertype", "")
        doc.append("principals", .array([]))
        doc.append("life", .int32(MachineLife.alive.rawValue))
        doc.append("jobs", .array(jobs.map { .int32(Int32($0.rawValue)) }))
        doc.append("novote", .bool(noVote))
        doc.append("hasvote", .bool(hasVote))
        doc.append("passwordhash", .string(passwordHash))
        doc.append("clean", true)
        appendAddresses(to: &doc, version: version)
        doc.append("supportedcontainersknown", false)
        if !placement.isEmpty { doc.append("placement", .string(placement)) }
        // 1.20 still writes the deprecated copy of the instance id, empty until provisioning.
        if version.documentLayout == .bare { doc.append("instanceid", "") }
        return doc
    }

    private func header(environUUID: String, layout: DocumentLayout) -> Document {
        var doc: Document = ["_id": .string(DocumentID.scoped(id, environUUID: environUUID, layout: layout))]
        if layout == .environmentPrefixed {
            doc.append("machineid", .string(id))
            doc.append("env-uuid", .string(environUUID))
        }
        return doc
    }

    /// Provider addresses, the (empty) machine-reported ones, and in 1.25 the preferred
    /// public and private address, which a single address serves as both.
    private func appendAddresses(to doc: inout Document, version: JujuVersion) {
        doc.append("addresses", .array(addresses.map { .document($0.document(version: version)) }))
        doc.append("machineaddresses", .array([]))
        guard version.documentLayout == .environmentPrefixed, let preferred = addresses.first else { return }
        doc.append("preferredpublicaddress", .document(preferred.document(version: version)))
        doc.append("preferredprivateaddress", .document(preferred.document(version: version)))
    }

    /// The state servers `ensure-availability` adds: hosting units and managing the
    /// environment, wanting a vote they do not have yet.
    static func newStateServer(id: String, series: String, placement: String) -> MachineDocument {
        MachineDocument(id: id, series: series, jobs: [.hostUnits, .manageEnviron], placement: placement)
    }
}

extension StateWrite {
    /// `Machine.SetAddresses`, as the provisioner records a started instance's provider
    /// addresses (1.25 also sets the preferred public and private address). Until then a new
    /// state server has none, and the peergrouper cannot give it a replica-set member.
    public static func setProviderAddresses(machineID: String, _ addresses: [MachineAddress], environUUID: String,
                                            version: JujuVersion) -> StateWrite {
        var fields: Document = ["addresses": .array(addresses.map { .document($0.document(version: version)) })]
        if version.documentLayout == .environmentPrefixed, let preferred = addresses.first {
            fields.append("preferredpublicaddress", .document(preferred.document(version: version)))
            fields.append("preferredprivateaddress", .document(preferred.document(version: version)))
        }
        return StateWrite(collection: "machines", id: DocumentID.scoped(machineID, environUUID: environUUID, layout: version.documentLayout),
                          operation: .update(["$set": .document(fields)], upsert: false), isTransactional: false)
    }
}
