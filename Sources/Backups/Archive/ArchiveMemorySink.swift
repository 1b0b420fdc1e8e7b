import CArchive

/// Collects what libarchive writes when the archive is built in memory (the nested
/// `root.tar`). A class, because libarchive holds it as an opaque pointer between calls.
final class ArchiveMemorySink {
    var bytes: [UInt8] = []

    /// Attaches the sink to `archive`; the caller keeps the sink alive until the archive is freed.
    func open(_ archive: OpaquePointer) -> Int32 {
        archive_write_open2(archive, Unmanaged.passUnretained(self).toOpaque(), nil, { _, context, buffer, length in
            guard let context, let buffer else { return 0 }
            let sink = Unmanaged<ArchiveMemorySink>.fromOpaque(context).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
            return length
        }, nil, nil)
    }
}
