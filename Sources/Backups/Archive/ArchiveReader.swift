#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive

/// Reads a tar or tar.gz archive entry by entry, streaming, refusing entries that could
/// escape the directory they would be extracted into, and hashing every file entry's bytes
/// into `observedManifest` (also those the caller skips) for comparison with a `Manifest`.
public final class ArchiveReader {
    /// Size and SHA-256 of each file entry passed so far, in archive order.
    public private(set) var observedManifest: [ManifestEntry] = []

    let handle: OpaquePointer
    private let descriptor: Int32?
    private let memory: UnsafeMutableRawBufferPointer?
    var current: OpenEntry?
    var failure: ArchiveError?
    private var atEnd = false
    private var lastPath: String?

    struct OpenEntry {
        let header: ArchiveEntryHeader
        var digest: EntryDigest?  // nil once the data is complete, or for non-file entries
    }

    /// Opens the archive at `path`, refusing what is plainly not an archive with a message
    /// that says so rather than libarchive's generic "Unrecognized archive format".
    public init(path: String) throws(ArchiveError) {
        let descriptor = try ArchiveSource.openFile(path)
        var opened = false
        defer { if !opened { close(descriptor) } }
        let handle = try Self.open { archive_read_open_fd($0, descriptor, ArchiveSource.blockSize) }
        opened = true
        self.handle = handle
        self.descriptor = descriptor
        self.memory = nil
    }

    /// Reads an archive held in memory, such as the nested `root.tar` of a backup.
    public init(bytes: [UInt8]) throws(ArchiveError) {
        guard !bytes.isEmpty else { throw .notAnArchive("the archive data is empty") }
        // libarchive reads from the buffer lazily, so it needs a copy whose address is stable.
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        bytes.withUnsafeBytes { memory.copyMemory(from: $0) }
        var opened = false
        defer { if !opened { memory.deallocate() } }
        let handle = try Self.open { archive_read_open_memory($0, memory.baseAddress, memory.count) }
        opened = true
        self.handle = handle
        self.descriptor = nil
        self.memory = memory
    }

    deinit {
        archive_read_free(handle)
        if let descriptor { close(descriptor) }
        memory?.deallocate()
    }

    /// A reader for gzip or uncompressed tar only: anything else is not a backup.
    private static func open(_ attach: (OpaquePointer) -> Int32) throws(ArchiveError) -> OpaquePointer {
        guard let handle = archive_read_new() else { fatalError("libarchive: out of memory") }
        var opened = false
        defer { if !opened { archive_read_free(handle) } }
        archive_read_support_filter_gzip(handle)
        archive_read_support_filter_none(handle)
        archive_read_support_format_tar(handle)  // ustar, pax and GNU tar
        guard attach(handle) == ARCHIVE_OK else {
            throw LibArchive.readError(handle, whileOpening: true)
        }
        opened = true
        return handle
    }
}

extension ArchiveReader {
    /// The next entry's header, or nil after the last one. Unread data of the previous entry
    /// is hashed on the way past, so `observedManifest` always covers every file entry.
    public func next() throws(ArchiveError) -> ArchiveEntryHeader? {
        if let failure { throw failure }
        if atEnd { return nil }
        try finishCurrentEntry()
        let positionBefore = archive_filter_bytes(handle, 0)
        var entry: OpaquePointer?
        let status = LibArchive.withUTF8Names { archive_read_next_header(handle, &entry) }
        if status == ARCHIVE_EOF {
            try checkEndMarker(consumedFrom: positionBefore)
            atEnd = true
            return nil
        }
        // ARCHIVE_RETRY ("Damaged tar archive") means this header is unusable: an error here.
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
            throw fail(LibArchive.readError(handle, whileOpening: false))
        }
        let header: ArchiveEntryHeader
        do {
            header = try LibArchive.withUTF8Names { () throws(ArchiveError) in try EntryInspection.header(of: entry) }
        } catch {
            throw fail(error)
        }
        current = OpenEntry(header: header, digest: header.kind == .file ? EntryDigest() : nil)
        lastPath = header.path
        return header
    }

    /// Drains the current entry: file data through the hasher, anything else skipped.
    private func finishCurrentEntry() throws(ArchiveError) {
        guard let entry = current else { return }
        if entry.digest != nil {
            try drainCurrentFile()
        } else if archive_read_data_skip(handle) < ARCHIVE_WARN {
            throw fail(LibArchive.readError(handle, whileOpening: false))
        }
        current = nil
    }

    /// libarchive treats a clean end of input at an entry boundary as the end of the archive,
    /// so a tar cut exactly between entries would read as a shorter, valid archive. A real end
    /// is marked by zero blocks, which libarchive consumes: no bytes consumed, no marker.
    private func checkEndMarker(consumedFrom positionBefore: Int64) throws(ArchiveError) {
        guard archive_filter_bytes(handle, 0) == positionBefore else { return }
        let after = lastPath.map { " after entry \(ArchiveText.quoted($0))" } ?? ""
        throw fail(.truncated("the tar stream ends without an end-of-archive marker\(after)"))
    }

    func recordObserved(_ entry: ManifestEntry) {
        observedManifest.append(entry)
    }

    /// Records a failure; the reader then refuses further calls, since libarchive's state
    /// after a fatal error cannot be trusted.
    func fail(_ error: ArchiveError) -> ArchiveError {
        failure = error
        return error
    }
}

extension ArchiveReader {
    /// Bytes of the archive file consumed so far (compressed), for progress against its size.
    public var compressedBytesRead: Int64 {
        archive_filter_bytes(handle, -1)
    }
}
