import HACore

/// One API address of a controller (`network.SpaceAddress` + port, i.e. `SpaceHostPort`): the
/// value, its scope, the space it lives in (empty: none known) and the API port.
public struct APIHostPort: Hashable, Codable, Sendable, CustomStringConvertible {
    public var value: String
    public var scope: AddressScope
    public var space: String
    public var port: Int
    /// Not the primary address of its device; sorts after primaries of the same scope.
    public var isSecondary: Bool

    /// As `NewMachineAddress` does, an unknown scope is derived from the value.
    public init(_ value: String, port: Int = 17070, scope: AddressScope = .unknown, space: String = "",
                isSecondary: Bool = false) {
        self.value = value
        self.scope = scope == .unknown ? AddressScope.derived(from: value) : scope
        self.space = space
        self.port = port
        self.isSecondary = isSecondary
    }

    public var type: AddressType { AddressType.derived(from: value) }

    /// `DialAddress`: `net.JoinHostPort(host, port)`.
    public var dialAddress: String { JujuNet.joinHostPort(value, port) }

    public var description: String { dialAddress }
}

/// Host/port helpers shared by the Juju-side workers.
public enum JujuNet {
    /// Go's `net.JoinHostPort`: IPv6 literals (anything with a colon) go in brackets.
    public static func joinHostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Go's `net.SplitHostPort`, host part only; nil when the text has no port.
    public static func host(of hostPort: String) -> String? {
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return nil }
            let after = hostPort.index(after: close)
            guard after < hostPort.endIndex, hostPort[after] == ":" else { return nil }
            return String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
        }
        guard let colon = hostPort.lastIndex(of: ":"), hostPort[..<colon].firstIndex(of: ":") == nil else { return nil }
        return String(hostPort[..<colon])
    }

    /// The port of `host:port`, nil when absent or not a number.
    public static func port(of hostPort: String) -> Int? {
        guard let colon = hostPort.lastIndex(of: ":") else { return nil }
        return Int(hostPort[hostPort.index(after: colon)...])
    }
}

/// A network interface of the local machine with the addresses it carries, as Juju reads them
/// (`AddressesForInterfaceName`): plain IPs or CIDRs such as `10.0.3.1/24`.
public struct BridgeInterface: Hashable, Codable, Sendable {
    public var name: String
    public var addresses: [String]

    public init(name: String, addresses: [String]) {
        self.name = name
        self.addresses = addresses
    }
}

/// Which scope an address list should favour (`ScopeMatchCloudLocal`, `ScopeMatchPublic`,
/// `ScopeMatchMachineOrCloudLocal` of core/network).
public enum ScopeMatcher: String, Codable, Sendable {
    case cloudLocal
    case `public`
    case machineOrCloudLocal

    /// The match quality, best first as `scopeMatchHierarchy` orders them; nil is `invalidScope`
    /// (the address is dropped).
    func rank(_ hp: APIHostPort) -> Int? {
        let v4 = hp.type == .ipv4
        func tier(_ t: Int) -> Int { t * 2 + (v4 ? 0 : 1) }
        switch self {
        case .cloudLocal:
            switch hp.scope {
            case .cloudLocal: return tier(0)
            case .fanLocal: return tier(1)
            case .public, .unknown: return tier(2)
            case .machineLocal, .linkLocal: return nil
            }
        case .public:
            switch hp.scope {
            case .public: return tier(0)
            case .cloudLocal: return tier(1)
            case .fanLocal, .unknown: return tier(2)
            case .machineLocal, .linkLocal: return nil
            }
        case .machineOrCloudLocal:
            if hp.scope == .machineLocal { return tier(0) }
            return ScopeMatcher.cloudLocal.rank(hp)
        }
    }
}

/// The API-address rules of spec §7, as pure functions over `[[APIHostPort]]` (one list per
/// controller, controllers in the order the caller keeps them — by id).
public enum APIHostPorts {
    /// `SetAPIHostPorts`' error for an empty server list (4.x).
    public static let serversNotProvided = "servers not provided"
    /// `api-address-updater`'s warning when an update brings no addresses.
    public static let emptyHostPortsWarning = "empty API host ports received. Updating using existing entries."
    /// The bridges `FilterBridgeAddresses` consults (newest juju: only `lxdbr0`).
    public static let defaultFilteredBridges = ["lxdbr0"]

    /// `HostPorts.PrioritizedForScope`: addresses grouped by match quality (IPv4 before IPv6 at
    /// each tier), each group in its input order; addresses the matcher refuses are dropped
    /// (machine-local and link-local for cloud-local). Returns dial addresses.
    public static func prioritizedForScope(_ hostPorts: [APIHostPort], _ matcher: ScopeMatcher = .cloudLocal) -> [String] {
        let ranked = hostPorts.enumerated().compactMap { index, hp in matcher.rank(hp).map { (rank: $0, index: index) } }
        return ranked.sorted { ($0.rank, $0.index) < ($1.rank, $1.index) }.map { hostPorts[$0.index].dialAddress }
    }

    /// `FilterBridgeAddresses`: drops addresses that fall inside a CIDR (or equal an IP) of the
    /// local machine's container bridges. Only the interfaces named in `bridgeNames` count —
    /// Juju reads `lxdbr0` alone; docker0 is a TODO in Juju and not filtered.
    public static func filterBridgeAddresses(_ hostPorts: [APIHostPort], interfaces: [BridgeInterface],
                                             bridgeNames: [String] = defaultFilteredBridges) -> [APIHostPort] {
        var networks: [(IPAddress, Int)] = []
        for bridge in interfaces where bridgeNames.contains(bridge.name) {
            for text in bridge.addresses {
                let parts = text.split(separator: "/", maxSplits: 1)
                guard let ip = IPAddress(parsing: String(parts[0])) else { continue }
                if parts.count == 2, let length = Int(parts[1]) {
                    networks.append((ip, length))
                } else {
                    // A bare IP is treated as a single-host network, as Juju does.
                    networks.append((ip, ip.bytes.count == 4 ? 32 : 128))
                }
            }
        }
        return hostPorts.filter { hp in
            guard let ip = IPAddress(parsing: hp.value) else { return true }
            return !networks.contains { ip.isIn(network: $0.0, prefixLength: $0.1) }
        }
    }

    /// `apiHostPortsForAgents` (`filterHostPortsForManagementSpace`): with `juju-mgmt-space`
    /// set, each controller keeps only its addresses in that space, or all of them when none is
    /// (never cut agents off on a bad setting; an unknown space therefore changes nothing).
    /// Clients ignore the setting.
    public static func forAgents(_ servers: [[APIHostPort]], managementSpace: String?) -> [[APIHostPort]] {
        guard let space = managementSpace, !space.isEmpty else { return servers }
        return servers.map { server in
            let inSpace = server.filter { $0.space == space }
            return inSpace.isEmpty ? server : inSpace
        }
    }

    /// `agent.conf` `SetAPIHostPorts` (4.x): each controller's addresses prioritised for the
    /// cloud-local scope, concatenated controller by controller. Empty input is refused.
    public static func agentAPIAddresses(_ servers: [[APIHostPort]]) -> Result<[String], APIAddressError> {
        guard !servers.isEmpty else { return .failure(APIAddressError(serversNotProvided)) }
        return .success(servers.flatMap { prioritizedForScope($0, .cloudLocal) })
    }

    /// What a controller agent dials: only its own API server, over `localhost`.
    public static func controllerAgentAPIAddresses(apiPort: Int = 17070) -> [String] {
        [JujuNet.joinHostPort("localhost", apiPort)]
    }

    /// The order an agent tries its addresses in: a random permutation (HA doc), drawn from the
    /// generator it is given.
    public static func dialOrder(_ addresses: [String], using generator: inout SplitMix64) -> [String] {
        var shuffled = addresses
        guard shuffled.count > 1 else { return shuffled }
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            shuffled.swapAt(i, j)
        }
        return shuffled
    }

    // MARK: - Client side

    /// `SortOrderMostPublic`: public first, then host names (`localhost` last of them),
    /// cloud-local, fan, machine-local, link-local, unknown; IPv6 one step after IPv4;
    /// secondary addresses two steps later.
    static func sortOrderMostPublic(_ hp: APIHostPort) -> Int {
        var order = 100
        switch hp.scope {
        case .public: order = hp.isSecondary ? 10 : 0
        case .cloudLocal: order = 30
        case .fanLocal: order = 50
        case .machineLocal: order = 70
        case .linkLocal: order = 90
        case .unknown: break
        }
        switch hp.type {
        case .hostname: order = hp.value == "localhost" ? 20 : 10
        case .ipv6: order += 1
        case .ipv4: break
        }
        if hp.isSecondary { order += 2 }
        return order
    }

    /// `SortHostPorts` (`SpaceHostPort.Less`): most public first, then by value (byte order, as
    /// Go compares strings), then by port.
    public static func sortHostPorts(_ hostPorts: [APIHostPort]) -> [APIHostPort] {
        hostPorts.sorted { a, b in
            let oa = sortOrderMostPublic(a), ob = sortOrderMostPublic(b)
            if oa != ob { return oa < ob }
            if a.value != b.value { return a.value.utf8.lexicographicallyPrecedes(b.value.utf8) }
            return a.port < b.port
        }
    }

    /// `FilterUnusable`: drops machine-local and link-local addresses.
    public static func filterUnusable(_ hostPorts: [APIHostPort]) -> [APIHostPort] {
        hostPorts.filter { $0.scope != .machineLocal && $0.scope != .linkLocal }
    }

    /// `Unique`: the first occurrence of each dial address.
    public static func unique(_ hostPorts: [APIHostPort]) -> [APIHostPort] {
        var seen: [String] = []
        var out: [APIHostPort] = []
        for hp in hostPorts where !seen.contains(hp.dialAddress) {
            seen.append(hp.dialAddress)
            out.append(hp)
        }
        return out
    }

    /// `EnsureFirstHostPort`: moves `first` (matched by dial address) to the front, or inserts it.
    public static func ensureFirst(_ first: APIHostPort, _ hostPorts: [APIHostPort]) -> [APIHostPort] {
        var rest = hostPorts
        if let index = rest.firstIndex(where: { $0.dialAddress == first.dialAddress }) { rest.remove(at: index) }
        return [first] + rest
    }

    /// `ResolveOrDropHostnames` with a fixed resolver table: IPs and `localhost` stay, a host
    /// name is replaced by its addresses (same port), an unresolvable one is dropped, and
    /// duplicates are removed.
    static func resolveOrDropHostnames(_ hostPorts: [APIHostPort], resolutions: [String: [String]]) -> [APIHostPort] {
        var seen: [String] = []
        var out: [APIHostPort] = []
        func add(_ hp: APIHostPort) {
            guard !seen.contains(hp.value) else { return }
            seen.append(hp.value)
            out.append(hp)
        }
        for hp in hostPorts {
            if hp.type != .hostname || hp.value == "localhost" {
                add(hp)
                continue
            }
            for ip in resolutions[hp.value] ?? [] {
                add(APIHostPort(ip, port: hp.port, space: hp.space))
            }
        }
        return out
    }

    /// `PrepareEndpointsForCaching` (juju/api.go): flatten, drop unusable, dedupe, sort most
    /// public first, then put each connected address at the front (the last one given ends up
    /// first). If the result differs from the cached unresolved list, host names are resolved
    /// and the same steps run again; new lists are returned only if something changed.
    public static func prepareEndpointsForCaching(
        _ details: ClientControllerDetails, hostPorts: [[APIHostPort]], connectedTo: [APIHostPort] = [],
        resolutions: [String: [String]] = [:]
    ) -> EndpointsUpdate {
        func process(_ servers: [[APIHostPort]]) -> [APIHostPort] {
            var hps = sortHostPorts(unique(filterUnusable(servers.flatMap { $0 })))
            for addr in connectedTo { hps = ensureFirst(addr, hps) }
            return hps
        }
        let apiHosts = process(hostPorts)
        let hostStrings = apiHosts.map(\.dialAddress)
        let needResolving: Bool
        if !apiHosts.isEmpty && !details.unresolvedAPIEndpoints.isEmpty {
            needResolving = hostStrings != details.unresolvedAPIEndpoints
        } else {
            needResolving = !apiHosts.isEmpty
        }
        guard needResolving else { return .unchanged }
        let resolved = resolveOrDropHostnames(apiHosts, resolutions: resolutions)
        let apiAddrs = process([resolved])
        let addrStrings = apiAddrs.map(\.dialAddress)
        if !apiAddrs.isEmpty && !details.apiEndpoints.isEmpty {
            if addrStrings != details.apiEndpoints {
                return EndpointsUpdate(apiEndpoints: addrStrings, unresolvedAPIEndpoints: hostStrings, changed: true)
            }
        } else if !apiAddrs.isEmpty {
            return EndpointsUpdate(apiEndpoints: addrStrings, unresolvedAPIEndpoints: hostStrings, changed: true)
        }
        return .unchanged
    }
}

/// What the client keeps for a controller in `controllers.yaml`.
public struct ClientControllerDetails: Hashable, Codable, Sendable {
    /// `api-endpoints`: resolved addresses; the first is `recent-server` and is dialled first.
    public var apiEndpoints: [String]
    /// `unresolved-api-endpoints`.
    public var unresolvedAPIEndpoints: [String]

    public init(apiEndpoints: [String] = [], unresolvedAPIEndpoints: [String] = []) {
        self.apiEndpoints = apiEndpoints
        self.unresolvedAPIEndpoints = unresolvedAPIEndpoints
    }

    /// `UpdateControllerDetailsFromLogin`: the details after a login that reported `hostPorts`.
    public func afterLogin(hostPorts: [[APIHostPort]], connectedTo: [APIHostPort],
                           resolutions: [String: [String]] = [:]) -> ClientControllerDetails {
        let update = APIHostPorts.prepareEndpointsForCaching(self, hostPorts: hostPorts, connectedTo: connectedTo,
                                                            resolutions: resolutions)
        guard update.changed else { return self }
        return ClientControllerDetails(apiEndpoints: update.apiEndpoints, unresolvedAPIEndpoints: update.unresolvedAPIEndpoints)
    }
}

/// `PrepareEndpointsForCaching`'s result: empty lists and `changed == false` when nothing changed.
public struct EndpointsUpdate: Hashable, Sendable {
    public var apiEndpoints: [String]
    public var unresolvedAPIEndpoints: [String]
    public var changed: Bool

    public static let unchanged = EndpointsUpdate(apiEndpoints: [], unresolvedAPIEndpoints: [], changed: false)
}

public struct APIAddressError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The agent's `api-address-updater` worker as a value: it remembers the last non-empty set
/// and turns each API host ports change into the `apiaddresses` it writes to agent.conf.
public struct APIAddressUpdater: Hashable, Codable, Sendable {
    /// The last non-empty filtered set (`current`).
    public private(set) var current: [[APIHostPort]] = []
    public var bridgeNames: [String]

    public init(bridgeNames: [String] = APIHostPorts.defaultFilteredBridges) {
        self.bridgeNames = bridgeNames
    }

    /// `Handle`: `servers` are the controllers' agent-facing host ports; `localInterfaces` the
    /// bridges of the agent's own machine.
    public mutating func onAPIHostPortsChanged(_ servers: [[APIHostPort]],
                                               localInterfaces: [BridgeInterface] = []) -> [APIAddressDirective] {
        var directives: [APIAddressDirective] = []
        var filtered: [[APIHostPort]] = []
        for server in servers {
            let kept = APIHostPorts.filterBridgeAddresses(server, interfaces: localInterfaces, bridgeNames: bridgeNames)
            if !kept.isEmpty { filtered.append(kept) }
        }
        if filtered.isEmpty {
            directives.append(.log(.warning, "get address returning zero results after filtering, non filtered list: "
                                   + goList(servers)))
            directives.append(.log(.warning, APIHostPorts.emptyHostPortsWarning))
        }
        directives.append(.log(.debug, "updating API hostPorts to " + goList(filtered)))
        if filtered.isEmpty {
            filtered = current
        } else {
            current = filtered
        }
        switch APIHostPorts.agentAPIAddresses(filtered) {
        case .success(let addresses):
            directives.append(.setAgentAPIAddresses(addresses))
        case .failure(let error):
            directives.append(.fail("error setting addresses: \(error.message)"))
        }
        return directives
    }

    /// `%v` of a `[]ProviderHostPorts`: `[[10.0.0.1:17070 10.0.0.2:17070] [...]]`.
    private func goList(_ servers: [[APIHostPort]]) -> String {
        "[" + servers.map { "[" + $0.map(\.dialAddress).joined(separator: " ") + "]" }.joined(separator: " ") + "]"
    }
}

/// What the api-address-updater asks its runtime to do.
public enum APIAddressDirective: Hashable, Sendable {
    case log(JujuLogLevel, String)
    /// Write `apiaddresses` into agent.conf.
    case setAgentAPIAddresses([String])
    /// The handler failed; the worker restarts.
    case fail(String)
}
