import Backups
import BSON

/// The documents of one archive entry (a mongodump `.bson` file), framed as the bytes arrive:
/// one buffer, grown only for a document larger than it, so memory does not depend on the
/// file's size. Each document is validated before it is handed out; its bytes are valid until
/// the next call.
final class EntryDocumentStream {
    private let reader: ArchiveReader
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private var head = 0
    private var tail = 0
    private var ended = false
    /// The number of the next document, from 0.
    private(set) var index = 0
    /// Bytes handed out so far.
    private(set) var bytes = 0

    static let chunk = 1 << 18
    static let maxDocument = 16 * 1024 * 1024 + 16 * 1024

    init(reader: ArchiveReader) {
        self.reader = reader
        capacity = Self.chunk * 2
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The next document's bytes, or nil at the entry's end. Throws a reason (the caller adds
    /// the collection and the document number) for a malformed or truncated document.
    func next() throws -> UnsafeRawBufferPointer? {
        try fill(4)
        if tail == head { return nil }
        guard tail - head >= 4 else { throw Reason("truncated: \(tail - head) bytes after the last document, fewer than a length prefix") }
        let declared = Int(Int32(littleEndian: buffer.loadUnaligned(fromByteOffset: head, as: Int32.self)))
        guard declared >= 5 else { throw Reason("bad length: the document declares length \(declared), below the minimum of 5") }
        guard declared <= Self.maxDocument else { throw Reason("document too large: declared length \(declared) exceeds the limit of \(Self.maxDocument) bytes") }
        try fill(declared)
        guard tail - head >= declared else { throw Reason("truncated: declared length \(declared) but only \(tail - head) bytes remain") }
        let document = UnsafeRawBufferPointer(start: buffer + head, count: declared)
        do {
            try BSONBuffer.validate(document)
        } catch {
            throw Reason("\(error)")
        }
        head += declared
        index += 1
        bytes += declared
        return document
    }

    struct Reason: Error, CustomStringConvertible {
        var description: String
        init(_ text: String) { description = text }
    }

    private func fill(_ needed: Int) throws {
        guard tail - head < needed else { return }
        // Move what is pending to the front; grow only when one document needs more room.
        let pending = tail - head
        if head > 0 {
            (buffer).copyMemory(from: buffer + head, byteCount: pending)
            head = 0
            tail = pending
        }
        if needed + Self.chunk > capacity {
            let grown = UnsafeMutableRawPointer.allocate(byteCount: needed + Self.chunk, alignment: 16)
            grown.copyMemory(from: buffer, byteCount: pending)
            buffer.deallocate()
            buffer = grown
            capacity = needed + Self.chunk
        }
        while tail - head < needed, !ended {
            guard let chunk = try reader.readChunk(maxBytes: min(Self.chunk, capacity - tail)) else {
                ended = true
                break
            }
            chunk.withUnsafeBytes { (buffer + tail).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            tail += chunk.count
        }
    }
}
