/// How an archive's tar stream is stored on disk. Backups are gzip; the nested `root.tar`
/// is plain tar, as Juju writes it.
public enum ArchiveCompression: Sendable, Equatable {
    case none
    case gzip
}
