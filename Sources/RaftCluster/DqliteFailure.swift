/// A Dqlite FAILURE response: the code and message a node puts on the wire (spec §5.2).
///
/// Requests needing leadership are refused by the gateway's `CHECK_LEADER` with its own message
/// ("not leader"); errors from the raft library go through `translateRaftErrCode` (NOTLEADER →
/// 10250, LEADERSHIPLOST → 10506, CANTCHANGE → 5, anything else → 1) and carry the generic
/// `raft_strerror` text. All wording below was read in canonical/dqlite `src/gateway.c`,
/// `src/leader.c`, `src/raft/err.h` and `src/raft/client.c`.
public struct DqliteFailure: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    public var code: UInt64
    public var message: String

    public init(code: UInt64, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code) \(message)" }

    // MARK: Codes

    /// `SQLITE_ERROR`: every raft error without a specific translation.
    public static let sqliteError: UInt64 = 1
    /// `SQLITE_BUSY`.
    public static let sqliteBusy: UInt64 = 5
    /// `SQLITE_IOERR_NOT_LEADER` = `SQLITE_IOERR | (40 << 8)`.
    public static let notLeaderCode: UInt64 = 10250
    /// `SQLITE_IOERR_LEADERSHIP_LOST` = `SQLITE_IOERR | (41 << 8)`.
    public static let leadershipLostCode: UInt64 = 10506
    /// `DQLITE_PARSE`.
    public static let parseCode: UInt64 = 1005

    // MARK: Failures

    /// The gateway's `CHECK_LEADER`: this node is not the raft leader.
    public static let notLeader = DqliteFailure(code: notLeaderCode, message: "not leader")
    /// `RAFT_NOTLEADER` from the raft library: the node still leads but is transferring
    /// leadership, or a TRANSFER is already running (`raft_apply`, `raft_transfer`,
    /// `membershipCanChangeConfiguration`).
    public static let raftNotLeader = DqliteFailure(code: notLeaderCode, message: "server is not the leader")
    /// `RAFT_LEADERSHIPLOST` for a configuration change the leader could not commit.
    public static let leadershipLost = DqliteFailure(code: leadershipLostCode, message: "server has lost leadership")
    /// An EXEC whose entry was not committed before the leader stepped down: the gateway's
    /// `errorMessage` maps `SQLITE_IOERR_LEADERSHIP_LOST` to SQLite's generic text.
    public static let execLeadershipLost = DqliteFailure(code: leadershipLostCode, message: "disk I/O error")
    /// A QUERY whose barrier was not committed before the leader stepped down (`queryBarrierCb`).
    public static let queryLeadershipLost = DqliteFailure(code: leadershipLostCode, message: "barrier error")
    /// `RAFT_CANTCHANGE`: an uncommitted configuration entry or a promotion is in flight.
    public static let configurationBusy = DqliteFailure(code: sqliteBusy, message: "a configuration change is already in progress")
    /// `RAFT_BADROLE`: ASSIGN to the role the server already has.
    public static let badRole = DqliteFailure(code: sqliteError, message: "server role is not valid")
    /// `RAFT_NOTFOUND`: ASSIGN to an id not in the configuration; TRANSFER to 0 without a
    /// voter to pick.
    public static let notFound = DqliteFailure(code: sqliteError, message: "Resource not found")
    /// `RAFT_BADID`: REMOVE of an id not in the configuration; TRANSFER to itself, to an
    /// unknown id or to a non-voter; ADD of id 0.
    public static let badID = DqliteFailure(code: sqliteError, message: "server ID is not valid")
    /// `RAFT_DUPLICATEID`.
    public static let duplicateID = DqliteFailure(code: sqliteError, message: "server ID already in use")
    /// `RAFT_DUPLICATEADDRESS`.
    public static let duplicateAddress = DqliteFailure(code: sqliteError, message: "server address already in use")
    /// `RAFT_NOCONNECTION`: a promotion to voter aborted because the target did not catch up
    /// (too many rounds, or one round longer than the maximum round duration).
    public static let noConnection = DqliteFailure(code: sqliteError, message: "no connection to remote server available")
    /// TRANSFER's callback found this node still leading (`raftTransferCb`, `DQLITE_ERROR`).
    public static let transferFailed = DqliteFailure(code: sqliteError, message: "leadership transfer failed")
    /// CLUSTER with a format other than 0 or 1.
    public static let unrecognizedClusterFormat = DqliteFailure(code: parseCode, message: "unrecognized cluster format")
}
