/// Every way reading or writing a backup archive can fail. `description` is the message a
/// person sees after the CLI's `error: ` prefix, so it names the file or entry at fault.
public enum ArchiveError: Error, Equatable, CustomStringConvertible, Sendable {
    // The archive file itself.
    case noSuchFile(String)
    case isDirectory(String)
    case emptyFile(String)
    case cannotOpen(path: String, reason: String)
    case notAnArchive(String)
    case truncated(String)
    case corrupted(String)

    // Entries that could escape or harm the directory they are extracted into.
    case absolutePath(entry: String)
    case escapesArchive(entry: String)
    case linkOutsideArchive(entry: String, target: String)
    case unsupportedEntryType(entry: String, type: String)
    case invalidEntryPath(entry: String, problem: String)

    // Writing.
    case duplicateEntry(String)
    case entrySizeMismatch(entry: String, announced: Int, written: Int)
    case writerMisuse(String)
    case writeFailed(String)

    // The manifest.
    case invalidManifest(String)

    // Atomic output files.
    case outputIsDirectory(String)
    case outputDirectoryMissing(path: String, directory: String)
    case ioFailure(String)

    public var description: String {
        switch self {
        case .noSuchFile(let path): return "no such file: \(path)"
        case .isDirectory(let path): return "\(path) is a directory, not a backup archive"
        case .emptyFile(let path): return "\(path) is empty"
        case .cannotOpen(let path, let reason): return "cannot open \(path): \(reason)"
        case .notAnArchive(let detail): return "not a backup archive (not a tar or tar.gz file): \(detail)"
        case .truncated(let detail): return "truncated archive: \(detail)"
        case .corrupted(let detail): return "corrupted archive: \(detail)"
        case .absolutePath(let entry): return "archive entry \(ArchiveText.quoted(entry)) has an absolute path"
        case .escapesArchive(let entry): return "archive entry \(ArchiveText.quoted(entry)) escapes the archive"
        case .linkOutsideArchive(let entry, let target):
            return "archive entry \(ArchiveText.quoted(entry)) is a link pointing outside the archive (\(ArchiveText.quoted(target)))"
        case .unsupportedEntryType(let entry, let type):
            return "archive entry \(ArchiveText.quoted(entry)) is a \(type); backup archives hold only files, directories and links"
        case .invalidEntryPath(let entry, let problem): return "archive entry \(ArchiveText.quoted(entry)) \(problem)"
        case .duplicateEntry(let entry): return "archive entry \(ArchiveText.quoted(entry)) was already written"
        case .entrySizeMismatch(let entry, let announced, let written):
            return "archive entry \(ArchiveText.quoted(entry)) was announced as \(announced) bytes but \(written) were written"
        case .writerMisuse(let detail): return "archive writer: \(detail)"
        case .writeFailed(let detail): return "cannot write archive: \(detail)"
        case .invalidManifest(let detail): return "invalid manifest \(Manifest.archivePath): \(detail)"
        case .outputIsDirectory(let path): return "\(path) is a directory"
        case .outputDirectoryMissing(let path, let directory):
            return "cannot write \(path): directory \(directory) does not exist"
        case .ioFailure(let detail): return detail
        }
    }
}
