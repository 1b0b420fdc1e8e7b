import Backups

/// Why a migration stopped. `description` reads well after the CLI's `error: `: a bad
/// document names its collection, its number in the collection (from 0, as mongodump's order)
/// and the reason.
public enum MigrationError: Error, Equatable, CustomStringConvertible, Sendable {
    case backup(BackupError)
    /// `namespace: document N: reason`.
    case document(namespace: String, index: Int, reason: String)
    /// A collection's file cannot be read as a stream of documents.
    case collection(namespace: String, reason: String)
    case wrongFlavor(String)
    case invalidArchive(String)
    case verification([String])
    case sql(String)
    case io(String)

    public var description: String {
        switch self {
        case .backup(let error): return error.description
        case let .document(namespace, index, reason): return "\(namespace): document \(index): \(reason)"
        case let .collection(namespace, reason): return "\(namespace): \(reason)"
        case .wrongFlavor(let detail): return detail
        case .invalidArchive(let detail): return detail
        case .verification(let problems): return "verification failed: " + problems.joined(separator: "; ")
        case .sql(let detail): return "pivot database: \(detail)"
        case .io(let detail): return detail
        }
    }
}

extension MigrationError {
    static func wrap(_ error: Error) -> MigrationError {
        switch error {
        case let error as MigrationError: return error
        case let error as BackupError: return .backup(error)
        case let error as ArchiveError: return .backup(.archive(error))
        default: return .io("\(error)")
        }
    }
}

extension MigrationError {
    /// Whether an archive entry is a file to read: directories are skipped; an entry outside
    /// `juju-backup/` or a link is refused, as the backup readers refuse them.
    static func isBackupFile(_ header: ArchiveEntryHeader) throws -> Bool {
        guard header.path == BackupLayout.root || header.path.hasPrefix(BackupLayout.root + "/") else {
            throw MigrationError.backup(.archive(.invalidEntryPath(entry: header.path, problem: "is outside juju-backup/")))
        }
        switch header.kind {
        case .directory: return false
        case .symlink, .hardlink:
            throw MigrationError.backup(.archive(.invalidEntryPath(entry: header.path, problem: "is a link; backup archives hold only files and directories")))
        case .file: return true
        }
    }
}
