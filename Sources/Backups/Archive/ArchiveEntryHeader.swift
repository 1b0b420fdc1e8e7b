/// What an archive entry is. Links carry their target as stored in the archive (symlinks:
/// relative to the link's directory; hard links: a path from the archive root).
public enum EntryKind: Equatable, Sendable {
    case file
    case directory
    case symlink(String)
    case hardlink(String)
}

/// One entry's header as the reader returns it, after the path-safety checks passed.
public struct ArchiveEntryHeader: Equatable, Sendable {
    /// Normalised: no leading "./", no empty or "." components, no trailing "/".
    /// The archive root itself (an entry named "./") reads as ".".
    public var path: String
    public var kind: EntryKind
    /// Bytes of data the entry carries (0 for directories and links).
    public var size: Int

    public init(path: String, kind: EntryKind, size: Int) {
        self.path = path
        self.kind = kind
        self.size = size
    }
}
