#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive

/// Writes a tar or tar.gz archive entry by entry, streaming, and records each file's size
/// and SHA-256 in `manifest` as the bytes go by.
///
/// The output depends only on the entries and `modificationTime`: owners are root, modes
/// fixed, and the gzip header carries no timestamp, so the same backup content always gives
/// the same bytes (useful for golden fixtures and for comparing backups by checksum).
public final class ArchiveWriter {
    public private(set) var manifest = Manifest()

    private let handle: OpaquePointer
    private let modificationTime: Int64
    private var descriptor: Int32?
    private let sink: ArchiveMemorySink?
    private var openFile: OpenFile?
    private var writtenPaths = Set<String>()
    private var failure: ArchiveError?
    private var finished = false

    private struct OpenFile {
        let path: String
        let size: Int
        var digest = EntryDigest()
    }

    /// Writes the archive to the file at `path` (created or truncated).
    public init(path: String, compression: ArchiveCompression, modificationTime: Int64) throws(ArchiveError) {
        let handle = Self.allocate()
        var opened = false
        defer { if !opened { archive_write_free(handle) } }
        if let failure = Self.configure(handle, compression) { throw failure }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard archive_write_open_fd(handle, descriptor) == ARCHIVE_OK else {
            let reason = LibArchive.message(handle) ?? "libarchive refused the file"
            close(descriptor)
            throw .cannotOpen(path: path, reason: reason)
        }
        opened = true
        self.handle = handle
        self.descriptor = descriptor
        self.sink = nil
        self.modificationTime = modificationTime
    }

    /// Writes the archive to memory; `finish()` returns the bytes.
    public init(inMemory compression: ArchiveCompression, modificationTime: Int64) {
        let handle = Self.allocate()
        let sink = ArchiveMemorySink()
        var failure = Self.configure(handle, compression)
        if failure == nil, sink.open(handle) != ARCHIVE_OK {
            failure = .writeFailed(LibArchive.message(handle) ?? "cannot start an in-memory archive")
        }
        self.handle = handle
        self.descriptor = nil
        self.sink = sink
        self.modificationTime = modificationTime
        // Setting up an in-memory writer only fails when memory runs out; report that on
        // first use rather than making every caller handle an error that never happens.
        self.failure = failure
    }

    deinit {
        if !finished {
            // Without this, freeing would close the archive properly and an abandoned,
            // half-written file would look complete. Failing it leaves no end marker.
            archive_write_fail(handle)
        }
        archive_write_free(handle)
        if let descriptor { close(descriptor) }
    }

    private static func allocate() -> OpaquePointer {
        guard let handle = archive_write_new() else { fatalError("libarchive: out of memory") }
        return handle
    }

    /// Sets format and compression on a writer that is not yet open.
    private static func configure(_ handle: OpaquePointer, _ compression: ArchiveCompression) -> ArchiveError? {
        var status = archive_write_set_format_pax_restricted(handle)
        switch compression {
        case .none:
            // Pad the tar stream to whole 10240-byte records, as GNU tar does.
            status = min(status, archive_write_set_bytes_in_last_block(handle, 0))
        case .gzip, .gzipFast:
            status = min(status, archive_write_add_filter_gzip(handle))
            if compression == .gzipFast {
                status = min(status, archive_write_set_filter_option(handle, "gzip", "compression-level", "1"))
            }
            // Option "timestamp" with no value clears the header's MTIME field; libarchive 3.6
            // never writes the file name field, so the header is fixed bytes.
            status = min(status, archive_write_set_filter_option(handle, "gzip", "timestamp", nil))
            // No zero padding after the gzip trailer: gzip would call it trailing garbage.
            status = min(status, archive_write_set_bytes_in_last_block(handle, 1))
        }
        guard status == ARCHIVE_OK else {
            return .writeFailed(LibArchive.message(handle) ?? "libarchive rejected the archive settings")
        }
        return nil
    }
}

extension ArchiveWriter {
    /// Adds a whole file from memory.
    public func addFile(_ path: String, bytes: [UInt8]) throws(ArchiveError) {
        try beginFile(path, size: bytes.count)
        try write(bytes)
        try endFile()
    }

    /// Starts a file entry of exactly `size` bytes; follow with `write` calls and `endFile()`.
    public func beginFile(_ path: String, size: Int) throws(ArchiveError) {
        try checkReady()
        guard size >= 0 else { throw .writerMisuse("entry \(ArchiveText.quoted(path)) announced a negative size") }
        let name = try claim(path)
        try writeHeader(name: name, type: LibArchive.regularFile, permissions: 0o644, size: size)
        openFile = OpenFile(path: name, size: size)
    }

    public func write(_ bytes: [UInt8]) throws(ArchiveError) {
        var failure: ArchiveError?
        bytes.withUnsafeBytes { buffer in
            do throws(ArchiveError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Appends bytes to the open file entry; more than announced is an error.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        if let failure { throw failure }
        guard let file = openFile else { throw .writerMisuse("write without an open file entry") }
        let written = file.digest.size
        guard written + bytes.count <= file.size else {
            throw fail(.entrySizeMismatch(entry: file.path, announced: file.size, written: written + bytes.count))
        }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var offset = 0
        while offset < bytes.count {
            let count = archive_write_data(handle, base + offset, bytes.count - offset)
            guard count > 0 else { throw fail(.writeFailed(LibArchive.message(handle) ?? "libarchive accepted no data")) }
            offset += count
        }
        // Updated in place: the hasher is copy-on-write, and `file` still shares it.
        openFile?.digest.update(bytes)
    }

    /// Closes the open file entry, which must have received exactly its announced size.
    public func endFile() throws(ArchiveError) {
        if let failure { throw failure }
        guard let file = openFile else { throw .writerMisuse("endFile without an open file entry") }
        guard file.digest.size == file.size else {
            throw fail(.entrySizeMismatch(entry: file.path, announced: file.size, written: file.digest.size))
        }
        openFile = nil
        guard archive_write_finish_entry(handle) == ARCHIVE_OK else {
            throw fail(.writeFailed(LibArchive.message(handle) ?? "cannot finish entry \(ArchiveText.quoted(file.path))"))
        }
        if file.path != Manifest.archivePath {
            manifest.entries.append(file.digest.entry(path: file.path))
        }
    }

    public func addDirectory(_ path: String) throws(ArchiveError) {
        try checkReady()
        let name = try claim(path)
        // A trailing slash marks directories for old tar readers that ignore the type flag.
        try writeHeader(name: name + "/", type: LibArchive.directory, permissions: 0o755, size: 0)
    }

    /// Writes the end of the archive. Returns the archive's bytes for an in-memory writer,
    /// [] for a file writer.
    public func finish() throws(ArchiveError) -> [UInt8] {
        try checkReady()
        guard archive_write_close(handle) == ARCHIVE_OK else {
            throw fail(.writeFailed(LibArchive.message(handle) ?? "cannot finish the archive"))
        }
        finished = true
        if let descriptor {
            self.descriptor = nil
            // close can report a failed delayed write (e.g. a full disk on some filesystems).
            guard close(descriptor) == 0 else { throw .writeFailed(String(cString: strerror(errno))) }
        }
        return sink?.bytes ?? []
    }
}

extension ArchiveWriter {
    private func checkReady() throws(ArchiveError) {
        if let failure { throw failure }
        if finished { throw .writerMisuse("the archive is already finished") }
        if let file = openFile { throw .writerMisuse("file entry \(ArchiveText.quoted(file.path)) is still open") }
    }

    /// Validates and normalises a new entry's path, refusing one written before.
    private func claim(_ path: String) throws(ArchiveError) -> String {
        let name = try ArchivePath.normalised(path)
        if name == ArchivePath.root {
            throw .invalidEntryPath(entry: path, problem: "names the archive root itself")
        }
        if !LibArchive.handlesNonASCIINames && !name.utf8.allSatisfy({ $0 < 0x80 }) {
            throw .invalidEntryPath(entry: path, problem: "has non-ASCII characters, which need the C.UTF-8 locale")
        }
        guard writtenPaths.insert(name).inserted else { throw .duplicateEntry(name) }
        return name
    }

    private func writeHeader(name: String, type: UInt32, permissions: UInt32, size: Int) throws(ArchiveError) {
        guard let entry = archive_entry_new() else { throw fail(.writeFailed("out of memory")) }
        defer { archive_entry_free(entry) }
        // UTF-8 setters: the process locale is "C", and names must not depend on it.
        archive_entry_set_pathname_utf8(entry, name)
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, permissions)
        archive_entry_set_size(entry, Int64(size))
        archive_entry_set_mtime(entry, time_t(modificationTime), 0)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        archive_entry_set_uname_utf8(entry, "root")
        archive_entry_set_gname_utf8(entry, "root")
        guard LibArchive.withUTF8Names({ archive_write_header(handle, entry) }) == ARCHIVE_OK else {
            throw fail(.writeFailed(LibArchive.message(handle) ?? "cannot write the header of \(ArchiveText.quoted(name))"))
        }
    }

    /// Records a failure that leaves the archive unusable, so later calls report it too.
    private func fail(_ error: ArchiveError) -> ArchiveError {
        failure = error
        archive_write_fail(handle)
        return error
    }
}
