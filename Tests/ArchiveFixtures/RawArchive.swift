import CArchive

// Hostile and hand-made archives for the tests of the backup readers and of the CLI.

/// An entry written with raw libarchive calls, bypassing ArchiveWriter's safety checks,
/// to build the hostile archives the reader must refuse.
public struct RawEntry {
    public enum Kind {
        case file([UInt8])
        case directory
        case symlink(String)
        case hardlink(String)
        case characterDevice
        case fifo
    }

    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    public static func file(_ path: String, _ text: String = "data") -> RawEntry {
        RawEntry(path: path, kind: .file(Array(text.utf8)))
    }
}

/// A tar (optionally gzip) archive of `entries`, built in memory with libarchive directly.
public func rawArchive(_ entries: [RawEntry], gzip: Bool = false) -> [UInt8] {
    let archive = archive_write_new()!
    defer { archive_write_free(archive) }
    archive_write_set_format_pax_restricted(archive)
    if gzip { archive_write_add_filter_gzip(archive) }
    return writeToMemory(archive) {
        for entry in entries { writeRaw(entry, to: archive) }
    }
}

/// `bytes` gzip-compressed as a plain stream (no tar inside), via libarchive's raw format.
public func gzipOnly(_ bytes: [UInt8]) -> [UInt8] {
    let archive = archive_write_new()!
    defer { archive_write_free(archive) }
    archive_write_set_format_raw(archive)
    archive_write_add_filter_gzip(archive)
    return writeToMemory(archive) {
        let entry = archive_entry_new()!
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, "data")
        archive_entry_set_filetype(entry, 0o100000)
        archive_entry_set_size(entry, Int64(bytes.count))
        archive_write_header(archive, entry)
        bytes.withUnsafeBytes { _ = archive_write_data(archive, $0.baseAddress, $0.count) }
    }
}

private func writeToMemory(_ archive: OpaquePointer, _ body: () -> Void) -> [UInt8] {
    let capacity = 1 << 22
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    defer { buffer.deallocate() }
    var used = 0
    archive_write_set_bytes_in_last_block(archive, 1)
    precondition(archive_write_open_memory(archive, buffer, capacity, &used) == ARCHIVE_OK)
    body()
    precondition(archive_write_close(archive) == ARCHIVE_OK, String(cString: archive_error_string(archive)))
    return Array(UnsafeRawBufferPointer(start: buffer, count: used))
}

private func writeRaw(_ raw: RawEntry, to archive: OpaquePointer) {
    let entry = archive_entry_new()!
    defer { archive_entry_free(entry) }
    archive_entry_set_pathname(entry, raw.path)
    archive_entry_set_perm(entry, 0o644)
    archive_entry_set_mtime(entry, 1_700_000_000, 0)
    var data: [UInt8] = []
    switch raw.kind {
    case .file(let bytes):
        archive_entry_set_filetype(entry, 0o100000)
        data = bytes
    case .directory:
        archive_entry_set_filetype(entry, 0o040000)
    case .symlink(let target):
        archive_entry_set_filetype(entry, 0o120000)
        archive_entry_set_symlink(entry, target)
    case .hardlink(let target):
        archive_entry_set_filetype(entry, 0o100000)
        archive_entry_set_hardlink(entry, target)
    case .characterDevice:
        archive_entry_set_filetype(entry, 0o020000)
        archive_entry_set_rdev(entry, 0x0103)
    case .fifo:
        archive_entry_set_filetype(entry, 0o010000)
    }
    archive_entry_set_size(entry, Int64(data.count))
    precondition(archive_write_header(archive, entry) >= ARCHIVE_WARN, String(cString: archive_error_string(archive)))
    data.withUnsafeBytes { _ = archive_write_data(archive, $0.baseAddress, $0.count) }
}

