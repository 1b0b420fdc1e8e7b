/// Majority arithmetic shared by the replica set (votes) and Raft (voters).
public enum QuorumMath {
    /// Votes needed for a majority of `voters`: ⌊n/2⌋ + 1 (MongoDB `_calculateMajorities`, Raft).
    public static func majority(of voters: Int) -> Int { voters / 2 + 1 }

    /// How many voters may fail while a majority remains.
    public static func faultTolerance(of voters: Int) -> Int { max(0, (voters - 1) / 2) }

    /// Whether `up` voters out of `voters` can still elect a primary or leader.
    public static func hasQuorum(up: Int, of voters: Int) -> Bool { voters > 0 && up >= majority(of: voters) }
}

/// A summary operators read in `db-status`: how many voters are up, how many are needed.
public struct QuorumSummary: Codable, Equatable, Sendable {
    public var votersUp: Int
    public var voters: Int
    public var needed: Int { QuorumMath.majority(of: voters) }
    public var hasQuorum: Bool { QuorumMath.hasQuorum(up: votersUp, of: voters) }

    public init(votersUp: Int, voters: Int) {
        self.votersUp = votersUp
        self.voters = voters
    }
}
