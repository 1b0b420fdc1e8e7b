import CArchive

/// Turns a libarchive entry into an `ArchiveEntryHeader`, applying the safety rules:
/// paths stay below the root, links point inside, and no devices, pipes or sockets.
enum EntryInspection {
    static func header(of entry: OpaquePointer) throws(ArchiveError) -> ArchiveEntryHeader {
        let raw = try rawPath(entry)
        let path = try ArchivePath.normalised(raw)
        let kind = try kind(of: entry, raw: raw, path: path)
        if path == ArchivePath.root && kind != .directory {
            throw .invalidEntryPath(entry: raw, problem: "names the archive root but is not a directory")
        }
        let size = kind == .directory ? 0 : Int(max(0, archive_entry_size(entry)))
        return ArchiveEntryHeader(path: path, kind: kind, size: size)
    }

    /// The entry's name as UTF-8. The process locale is "C", so libarchive may fail to
    /// convert a non-ASCII ustar name; the raw bytes are then used if they are UTF-8.
    private static func rawPath(_ entry: OpaquePointer) throws(ArchiveError) -> String {
        if let name = LibArchive.utf8String(archive_entry_pathname_utf8(entry))
            ?? LibArchive.utf8String(archive_entry_pathname(entry)) {
            return name
        }
        let shown = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        throw .invalidEntryPath(entry: shown, problem: "has a name that is not valid UTF-8")
    }

    private static func kind(of entry: OpaquePointer, raw: String, path: String) throws(ArchiveError) -> EntryKind {
        // A hard link's file type is that of its target, so the link field is checked first.
        if let target = linkTarget(archive_entry_hardlink_utf8(entry), archive_entry_hardlink(entry)) {
            return .hardlink(try ArchivePath.checkHardlink(entry: raw, target: target))
        }
        let type = archive_entry_filetype(entry)
        switch type {
        case LibArchive.regularFile:
            return .file
        case LibArchive.directory:
            return .directory
        case LibArchive.symlink:
            let target = linkTarget(archive_entry_symlink_utf8(entry), archive_entry_symlink(entry)) ?? ""
            try ArchivePath.checkSymlink(entry: raw, normalisedPath: path, target: target)
            return .symlink(target)
        default:
            throw .unsupportedEntryType(entry: raw, type: LibArchive.typeName(type))
        }
    }

    private static func linkTarget(_ utf8: UnsafePointer<CChar>?, _ native: UnsafePointer<CChar>?) -> String? {
        LibArchive.utf8String(utf8) ?? native.map { String(cString: $0) }
    }
}
