import GRDB
import RaftCluster

/// A statement SQLite refused: its extended result code and its message (`sqlite3_errmsg`), as
/// a Dqlite node puts them in the FAILURE answering EXEC_SQL or QUERY_SQL. For example a claim
/// of a held lease is `2067 UNIQUE constraint failed: lease.model_uuid, lease.lease_type_id,
/// lease.name`.
public struct SQLFailure: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    /// The extended result code (Dqlite turns extended codes on for its connections).
    public var code: Int32
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// Any error from GRDB or SQLite; anything else is `SQLITE_ERROR` with its description.
    public init(_ error: any Error) {
        switch error {
        case let failure as SQLFailure:
            self = failure
        case let error as DatabaseError:
            self.init(code: error.extendedResultCode.rawValue, message: error.message ?? "")
        default:
            self.init(code: SQLFailure.error, message: "\(error)")
        }
    }

    /// The primary result code (the low byte): 19 for every constraint failure.
    public var primaryCode: Int32 { code & 0xff }

    /// The FAILURE a Dqlite node answers with.
    public var dqliteFailure: DqliteFailure {
        DqliteFailure(code: UInt64(UInt32(bitPattern: code)), message: message)
    }

    public var description: String { "\(code) \(message)" }

    // MARK: Codes (sqlite3.h)

    public static let error: Int32 = 1
    public static let readOnly: Int32 = 8
    public static let constraint: Int32 = 19
    public static let misuse: Int32 = 21
    public static let constraintCheck: Int32 = 275
    public static let constraintForeignKey: Int32 = 787
    public static let constraintNotNull: Int32 = 1299
    public static let constraintPrimaryKey: Int32 = 1555
    public static let constraintUnique: Int32 = 2067
    public static let constraintDataType: Int32 = 3091
}
