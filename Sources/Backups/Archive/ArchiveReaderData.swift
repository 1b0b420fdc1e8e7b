import CArchive

/// Reading the current entry's data. Every byte goes through the entry's hasher exactly
/// once, whichever of these calls read it.
extension ArchiveReader {
    /// The next piece of the current file entry, at most `maxBytes`; nil at the entry's end
    /// (and for entries that carry no data).
    public func readChunk(maxBytes: Int = 1 << 16) throws(ArchiveError) -> [UInt8]? {
        if let failure { throw failure }
        guard current?.digest != nil else { return nil }
        let capacity = max(1, min(maxBytes, remainingInCurrent()))
        var status = 0
        let chunk = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            status = readRaw(into: UnsafeMutableRawBufferPointer(buffer))
            count = max(0, status)
        }
        if status < 0 { throw fail(LibArchive.readError(handle, whileOpening: false)) }
        return chunk.isEmpty ? nil : chunk
    }

    /// The rest of the current file entry. Reads straight into one array of the announced
    /// size rather than gluing chunks, since callers use this for whole BSON files.
    public func readAll() throws(ArchiveError) -> [UInt8] {
        if let failure { throw failure }
        guard current?.digest != nil else { return [] }
        // A hostile header may announce any size; reserve at most this much up front and
        // let the array grow only as real data arrives.
        let expected = min(remainingInCurrent(), 1 << 28)
        var status = 0
        var result = [UInt8](unsafeUninitializedCapacity: expected) { buffer, count in
            while count < expected {
                status = readRaw(into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[count...])))
                if status <= 0 { break }
                count += status
            }
        }
        if status < 0 { throw fail(LibArchive.readError(handle, whileOpening: false)) }
        while let more = try readChunk(maxBytes: 1 << 20) {
            result += more
        }
        return result
    }

    /// Reads the rest of the current file only to hash it.
    func drainCurrentFile() throws(ArchiveError) {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 16)
        defer { scratch.deallocate() }
        while current?.digest != nil {
            if readRaw(into: scratch) < 0 { throw fail(LibArchive.readError(handle, whileOpening: false)) }
        }
    }

    /// One libarchive read into `buffer`, hashed; at the entry's end (0) the entry's size and
    /// hash join `observedManifest`. Returns libarchive's count or negative status.
    private func readRaw(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard current?.digest != nil, let base = buffer.baseAddress else { return 0 }
        let count = archive_read_data(handle, base, buffer.count)
        if count > 0 {
            // Updated in place: the hasher is copy-on-write, and a copy per chunk is costly.
            current?.digest?.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        } else if count == 0, let entry = current, let digest = entry.digest {
            current = OpenEntry(header: entry.header, digest: nil)
            recordObserved(digest.entry(path: entry.header.path))
        }
        return count
    }

    private func remainingInCurrent() -> Int {
        guard let entry = current, let digest = entry.digest else { return 0 }
        return max(0, entry.header.size - digest.size)
    }
}
