import BSON
import HACore
import ReplicaSet

extension Peergrouper {
    /// A state server as the worker reads it from its `machines` document (§3.1): what
    /// `desiredPeerGroup` needs, the stored `hasvote` flag, the addresses to publish, and the
    /// document's `_id` (prefixed with the environment's UUID in 1.25), which `SetHasVote` updates.
    public struct TrackedMachine: Sendable, Equatable {
        public var machine: Machine
        /// `hasvote`; a document without the field reads as false.
        public var hasVote: Bool
        /// The provider `addresses`, in stored order.
        public var addresses: [Address]
        public var documentID: BSON.Value

        public init(machine: Machine, hasVote: Bool, addresses: [Address], documentID: BSON.Value) {
            self.machine = machine
            self.hasVote = hasVote
            self.addresses = addresses
            self.documentID = documentID
        }
    }

    /// The machines a pass tracks: every id of the state-server info document's `machineids`
    /// (`_id` "e") that has a machine document, in Juju's machine-id order. `statePort` is the
    /// Mongo port every state server listens on; a machine's peer address is the internal one
    /// of its provider addresses with that port, empty while it has none (not yet provisioned).
    public static func trackedMachines(machineDocuments: [Document], stateServerDocuments: [Document],
                                       statePort: Int) -> [TrackedMachine] {
        let info = stateServerDocuments.first { $0["machineids"] != nil }
        let ids = Set((info?["machineids"]?.arrayValue ?? []).compactMap(\.stringValue))
        var byID: [String: TrackedMachine] = [:]
        for document in machineDocuments {
            guard let id = (document["machineid"] ?? document["_id"])?.stringValue, ids.contains(id),
                  let documentID = document["_id"] else { continue }
            let addresses = (document["addresses"]?.arrayValue ?? []).compactMap { $0.documentValue.flatMap(address) }
            let peer = internalAddress(addresses).map { JujuReplicaSet.hostPort($0.value, port: statePort) } ?? ""
            byID[id] = TrackedMachine(
                machine: Machine(id: id, wantsVote: wantsVote(document), peerHostPort: peer),
                hasVote: document["hasvote"]?.boolValue ?? false, addresses: addresses, documentID: documentID)
        }
        return sortedMachineIds(byID.keys).compactMap { byID[$0] }
    }

    /// `WantsVote()`: the machine manages the environment (job 2) and `novote` is not set.
    static func wantsVote(_ document: Document) -> Bool {
        let jobs = (document["jobs"]?.arrayValue ?? []).compactMap(\.int64Value)
        return jobs.contains(Int64(MachineJob.manageEnviron.rawValue)) && !(document["novote"]?.boolValue ?? false)
    }

    /// An `address` subdocument; nil without a value.
    static func address(_ document: Document) -> Address? {
        guard let value = document["value"]?.stringValue, !value.isEmpty else { return nil }
        return Address(value: value, type: AddressType(rawValue: document["addresstype"]?.stringValue ?? "") ?? .hostname,
                       networkName: document["networkname"]?.stringValue ?? "",
                       networkScope: NetworkScope(rawValue: document["networkscope"]?.stringValue ?? "") ?? .unknown)
    }

    /// The address Mongo peers use (`SelectPeerHostPort` → the internal address): a cloud-local
    /// one, else one of unknown scope; public and machine-local addresses are never chosen, so
    /// peers do not talk over the public network or to themselves.
    static func internalAddress(_ addresses: [Address]) -> Address? {
        addresses.first { $0.networkScope == .cloudLocal } ?? addresses.first { $0.networkScope == .unknown }
    }

    /// The tracked machines' addresses as `apiHostPorts` publishes them.
    public static func apiAddresses(_ tracked: [TrackedMachine]) -> [MachineAddresses] {
        tracked.map { MachineAddresses(machineId: $0.machine.id, addresses: $0.addresses) }
    }

    /// The stored `apihostports` (`stateServers` `_id` "apiHostPorts"), nil when the document
    /// or its field is missing, so the first pass publishes.
    public static func publishedAPIHostPorts(stateServerDocuments: [Document]) -> [[HostPort]]? {
        guard let document = stateServerDocuments.first(where: { ($0["_id"]?.stringValue ?? "").hasSuffix("apiHostPorts") }),
              let servers = document["apihostports"]?.arrayValue else { return nil }
        return servers.map { server in
            (server.arrayValue ?? []).compactMap { entry -> HostPort? in
                guard let fields = entry.documentValue, let address = address(fields),
                      let port = fields["port"]?.int64Value else { return nil }
                return HostPort(address: address, port: Int(port))
            }
        }
    }
}
