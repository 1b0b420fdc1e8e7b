/// Why a backup archive cannot be read, verified or restored. `description` follows the CLI's
/// `error: ` prefix; Juju's own wording is kept where Juju has one.
public enum BackupError: Error, Equatable, CustomStringConvertible, Sendable {
    case archive(ArchiveError)
    /// Juju's `backup format %d not supported`.
    case unsupportedFormat(Int)
    case invalidMetadata(String)
    case missingEntry(String)
    case unexpectedEntry(String)
    case corruptBSON(entry: String, detail: String)
    case invalidFile(entry: String, detail: String)
    case manifestMismatch([String])
    case missingManifest
    /// A legacy archive given where a modern one is needed, or the other way round.
    case wrongFlavor(String)
    /// Juju's restore refusals (`agent password not found in configuration`, …).
    case restoreRefused(String)

    public var description: String {
        switch self {
        case .archive(let error): return error.description
        case .unsupportedFormat(let n): return "backup format \(n) not supported"
        case .invalidMetadata(let detail): return detail
        case .missingEntry(let path): return "backup archive has no \(path)"
        case .unexpectedEntry(let path): return "unexpected archive entry \"\(path)\": backup archives hold only juju-backup/…"
        case let .corruptBSON(entry, detail): return "\(entry): invalid BSON: \(detail)"
        case let .invalidFile(entry, detail): return "\(entry): \(detail)"
        case .manifestMismatch(let problems): return "backup archive does not match its manifest: " + problems.joined(separator: "; ")
        case .missingManifest: return "backup archive has no \(Manifest.archivePath); it cannot be checked"
        case .wrongFlavor(let detail): return detail
        case .restoreRefused(let detail): return detail
        }
    }
}
