import HACore
import RaftCluster

/// go-dqlite's `RolesConfig`: the targets the roles algorithm aims for.
public struct RolesConfig: Hashable, Codable, Sendable {
    public var voters: Int
    public var standBys: Int

    public init(voters: Int = 3, standBys: Int = 3) {
        self.voters = voters
        self.standBys = standBys
    }
}

/// The go-dqlite `app` options that matter to role management, with `defaultOptions`'
/// values (spec §4.1). Juju passes none of `WithVoters`/`WithStandBys` (spec §3.6), so
/// `RolesOptions()` is what every Juju controller runs with.
public struct RolesOptions: Hashable, Codable, Sendable {
    public var voters: Int = 3
    public var standBys: Int = 3
    public var rolesAdjustmentFrequency: Interval = .seconds(30)
    public var autoRecovery = true
    public var diskMode = false
    public var concurrentLeaderConns = 10
    /// This node's `WithFailureDomain`, reported to probing leaders through DESCRIBE.
    public var failureDomain: UInt64 = 0
    /// This node's weight as DESCRIBE reports it; lower weights are promoted first.
    public var weight: UInt64 = 0

    public init() {}

    /// The smallest cluster in which the algorithm hands out more than one vote.
    public static let minVoters = 3
    /// The `run()` loop's delays (spec §4.3): first pass at once, 1 s after a failed pass.
    public static let initialDelay: Interval = .zero
    public static let retryDelay: Interval = .seconds(1)

    public var rolesConfig: RolesConfig { RolesConfig(voters: voters, standBys: standBys) }

    /// The metadata this node answers a DESCRIBE with.
    public var metadata: NodeMetadata { NodeMetadata(failureDomain: failureDomain, weight: weight) }

    /// `New` refuses even or too small voter counts: an even count adds no fault tolerance.
    public func validate() throws {
        if voters < Self.minVoters || voters % 2 == 0 {
            throw RolesOptionsError.invalidVoters(voters)
        }
    }
}

public enum RolesOptionsError: Error, Equatable, CustomStringConvertible {
    case invalidVoters(Int)

    public var description: String {
        switch self {
        case .invalidVoters(let n): return "invalid voters \(n): must be an odd number greater than 1"
        }
    }
}
