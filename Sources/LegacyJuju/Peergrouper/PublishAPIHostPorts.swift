import BSON

// MARK: - Addresses

extension Peergrouper {
    /// `instance.AddressType`.
    public enum AddressType: String, Sendable, Equatable {
        case ipv4
        case ipv6
        case hostname
    }

    /// `instance.NetworkScope`; the empty string is "unknown".
    public enum NetworkScope: String, Sendable, Equatable {
        case unknown = ""
        case `public` = "public"
        case cloudLocal = "local-cloud"
        case machineLocal = "local-machine"
    }

    /// One machine address (`instance.Address`).
    public struct Address: Sendable, Equatable {
        public var value: String
        public var type: AddressType
        public var networkName: String
        public var networkScope: NetworkScope

        public init(value: String, type: AddressType, networkName: String = "", networkScope: NetworkScope = .unknown) {
            self.value = value
            self.type = type
            self.networkName = networkName
            self.networkScope = networkScope
        }
    }

    /// An address with a port (`instance.HostPort`).
    public struct HostPort: Sendable, Equatable {
        public var address: Address
        public var port: Int

        public init(address: Address, port: Int) {
            self.address = address
            self.port = port
        }

        /// The state `hostPort` subdocument. Untagged Go fields are stored lower-cased, and the
        /// network name and scope are `omitempty`.
        public var document: Document {
            var document: Document = [
                "value": .string(address.value), "addresstype": .string(address.type.rawValue),
            ]
            if !address.networkName.isEmpty { document.append("networkname", .string(address.networkName)) }
            if address.networkScope != .unknown { document.append("networkscope", .string(address.networkScope.rawValue)) }
            document.append("port", .int32(Int32(truncatingIfNeeded: port)))
            return document
        }
    }

    /// A tracked machine's addresses, as the worker holds them.
    public struct MachineAddresses: Sendable, Equatable {
        public var machineId: String
        public var addresses: [Address]

        public init(machineId: String, addresses: [Address]) {
            self.machineId = machineId
            self.addresses = addresses
        }
    }
}

// MARK: - Publishing

extension Peergrouper {
    /// The `apihostports` value a pass would store (`stateServers` `_id: "apiHostPorts"`).
    public struct APIHostPorts: Sendable, Equatable {
        /// One list per machine that has any address, machines in id order, each machine's
        /// addresses in its own order, all with the API port.
        public var servers: [[HostPort]]
        /// Whether `servers` differs from what was published before.
        public var changed: Bool

        public init(servers: [[HostPort]], changed: Bool) {
            self.servers = servers
            self.changed = changed
        }

        /// `[[{value, addresstype, networkname, networkscope, port}]]`.
        public var value: BSON.Value {
            .array(servers.map { .array($0.map { .document($0.document) }) })
        }
    }

    /// The API host ports to publish (§3.9): every tracked machine's addresses paired with the
    /// API port, machines without addresses left out. Juju walks its machine map, so its order
    /// is arbitrary; here machines come in id order so that an unchanged set compares equal.
    /// `published` is the last stored value, nil when nothing has been stored yet.
    public static func apiHostPorts(
        machines: [MachineAddresses], apiPort: Int, published: [[HostPort]]?
    ) -> APIHostPorts {
        // Juju keys tracked machines by id, so a repeated id keeps its last entry.
        var addressesById: [String: [Address]] = [:]
        for machine in machines { addressesById[machine.machineId] = machine.addresses }
        let servers = sortedMachineIds(addressesById.keys).compactMap { id -> [HostPort]? in
            guard let addresses = addressesById[id], !addresses.isEmpty else { return nil }
            return addresses.map { HostPort(address: $0, port: apiPort) }
        }
        return APIHostPorts(servers: servers, changed: published != servers)
    }
}
