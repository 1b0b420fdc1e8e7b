/// How an archive's tar stream is stored on disk. Backups are gzip; the nested `root.tar`
/// is plain tar, as Juju writes it.
public enum ArchiveCompression: Sendable, Equatable {
    case none
    case gzip
    /// gzip at level 1: about three times faster than the default level 6 for 10–20% more
    /// bytes, for archives written while something else waits on them (migrate-backup).
    case gzipFast
}
