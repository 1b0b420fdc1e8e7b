/// Member states of `src/mongo/db/repl/member_state.h`, with their `replSetGetStatus` names.
public enum MemberState: Int, Sendable, Codable, CaseIterable {
    case startup = 0
    case primary = 1
    case secondary = 2
    case recovering = 3
    case fatal = 4
    case startup2 = 5
    case unknown = 6
    case arbiter = 7
    case down = 8
    case rollback = 9
    case removed = 10

    /// `stateStr` as mongod prints it.
    public var stateStr: String {
        switch self {
        case .startup: return "STARTUP"
        case .primary: return "PRIMARY"
        case .secondary: return "SECONDARY"
        case .recovering: return "RECOVERING"
        case .fatal: return "FATAL"
        case .startup2: return "STARTUP2"
        case .unknown: return "UNKNOWN"
        case .arbiter: return "ARBITER"
        case .down: return "(not reachable/healthy)"
        case .rollback: return "ROLLBACK"
        case .removed: return "REMOVED"
        }
    }

    /// Data-bearing states whose optimes count for write concern.
    public var isReadable: Bool { self == .primary || self == .secondary }
}
