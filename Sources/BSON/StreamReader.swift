import Foundation

/// A document read from a stream, with where it was found.
public struct StreamItem<Content> {
    /// The document's position in the stream, counting from 0.
    public let index: Int
    /// The byte offset of the document's first byte in the stream.
    public let offset: Int
    /// The document.
    public let document: Content
}

extension StreamItem: Sendable where Content: Sendable {}

/// Reads a file of concatenated BSON documents (a mongodump `.bson` file) one document at a time.
///
/// Memory stays bounded whatever the file size: bytes are read in chunks of `chunkSize` into one
/// buffer that only grows to hold a document larger than a chunk, and shrinks back afterwards.
/// Every document is fully validated before it is returned. The first malformed document ends
/// the stream: that call and every later one throw `BSONError.inStream` with the document's
/// index and offset. Not thread-safe.
public final class BSONStreamReader {
    /// The default read size.
    public static let defaultChunkSize = 64 * 1024
    /// MongoDB's largest internal document (16 MiB plus 16 KiB of headroom), the default size limit.
    public static let defaultMaxDocumentSize = 16 * 1024 * 1024 + 16 * 1024

    /// The largest declared length accepted; anything larger is reported, not allocated.
    public let maxDocumentSize: Int
    private let chunkSize: Int
    private let source: String
    private var descriptor: Int32?
    private let ownsDescriptor: Bool
    private let handle: FileHandle?

    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private var head = 0
    private var tail = 0
    private var atEndOfFile = false
    private var nextIndex = 0
    private var nextOffset = 0
    private var failure: BSONError?

    /// Opens the file at `path` for reading.
    public convenience init(path: String, chunkSize: Int = defaultChunkSize,
                            maxDocumentSize: Int = defaultMaxDocumentSize) throws {
        let descriptor = try FileIO.openFile(path, flags: O_RDONLY)
        self.init(descriptor: descriptor, owned: true, handle: nil, source: path,
                  chunkSize: chunkSize, maxDocumentSize: maxDocumentSize)
    }

    /// Reads from an open file descriptor, from its current position; closes it only if `closeWhenDone`.
    public convenience init(fileDescriptor: Int32, closeWhenDone: Bool = false,
                            chunkSize: Int = defaultChunkSize, maxDocumentSize: Int = defaultMaxDocumentSize) {
        self.init(descriptor: fileDescriptor, owned: closeWhenDone, handle: nil,
                  source: "file descriptor \(fileDescriptor)", chunkSize: chunkSize, maxDocumentSize: maxDocumentSize)
    }

    /// Reads from a `FileHandle` (kept alive, not closed, by the reader).
    public convenience init(fileHandle: FileHandle, chunkSize: Int = defaultChunkSize,
                            maxDocumentSize: Int = defaultMaxDocumentSize) {
        self.init(descriptor: fileHandle.fileDescriptor, owned: false, handle: fileHandle,
                  source: "file descriptor \(fileHandle.fileDescriptor)",
                  chunkSize: chunkSize, maxDocumentSize: maxDocumentSize)
    }

    private init(descriptor: Int32, owned: Bool, handle: FileHandle?, source: String,
                 chunkSize: Int, maxDocumentSize: Int) {
        self.descriptor = descriptor
        self.ownsDescriptor = owned
        self.handle = handle
        self.source = source
        self.chunkSize = max(chunkSize, 1)
        self.maxDocumentSize = maxDocumentSize
        capacity = self.chunkSize
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        close()
        buffer.deallocate()
    }

    /// The current size of the read buffer, which bounds the reader's memory.
    public var bufferCapacity: Int {
        capacity
    }

    /// The next document as raw bytes (one copy, no decoding), or nil at a clean end of file.
    public func nextRaw() throws -> StreamItem<RawDocument>? {
        try nextDocument { RawDocument(validated: Array($0)) }
    }

    /// The next document decoded, or nil at a clean end of file.
    public func next() throws -> StreamItem<Document>? {
        try nextDocument { try DocumentDecoder.decode(validated: $0) }
    }

    /// Closes the file if the reader owns it and drops buffered bytes; later reads report end of file.
    public func close() {
        if let descriptor, ownsDescriptor {
            try? FileIO.closeFile(descriptor, path: source)
        }
        descriptor = nil
        atEndOfFile = true
        head = tail
    }

    /// Frames and validates the next document, then hands its bytes (valid only during the call) to `body`.
    private func nextDocument<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> StreamItem<R>? {
        if let failure { throw failure }
        do {
            guard let document = try frameNext() else { return nil }
            try Validator.validateContent(document)
            let item = StreamItem(index: nextIndex, offset: nextOffset, document: try body(document))
            head += document.count
            nextOffset += document.count
            nextIndex += 1
            return item
        } catch let error as BSONError {
            failure = error.isIO ? error : .inStream(index: nextIndex, offset: nextOffset, error: error)
            throw failure!
        }
    }

    /// The bytes of the next document with its length checked, or nil if the stream ended cleanly.
    private func frameNext() throws -> UnsafeRawBufferPointer? {
        try fill(4)
        if tail == head {
            return nil
        }
        guard tail - head >= 4 else {
            throw BSONError.truncatedLengthPrefix(available: tail - head)
        }
        let declared = Int(Int32(littleEndian: buffer.loadUnaligned(fromByteOffset: head, as: Int32.self)))
        guard declared >= 5 else {
            throw BSONError.invalidLength(declared: declared, path: "", offset: 0)
        }
        guard declared <= maxDocumentSize else {
            throw BSONError.documentTooLarge(declared: declared, limit: maxDocumentSize)
        }
        try fill(declared)
        guard tail - head >= declared else {
            throw BSONError.truncated(declared: declared, available: tail - head, path: "", offset: 0)
        }
        return UnsafeRawBufferPointer(start: buffer + head, count: declared)
    }

    /// Reads until `needed` unconsumed bytes are buffered or the file ends.
    private func fill(_ needed: Int) throws {
        guard tail - head < needed else { return }
        makeRoom(for: needed)
        while tail - head < needed, !atEndOfFile, let descriptor {
            let count = try FileIO.readSome(descriptor, into: buffer + tail, count: capacity - tail, source: source)
            if count == 0 {
                atEndOfFile = true
            }
            tail += count
        }
    }

    /// Moves the unconsumed bytes to the front of a buffer of `max(chunkSize, needed)` bytes,
    /// growing for an oversized document and shrinking back once past it.
    private func makeRoom(for needed: Int) {
        let target = max(chunkSize, needed)
        let pending = tail - head
        if capacity == target {
            guard head + needed > capacity else { return }
            buffer.copyMemory(from: buffer + head, byteCount: pending)
        } else {
            let resized = UnsafeMutableRawPointer.allocate(byteCount: target, alignment: 16)
            resized.copyMemory(from: buffer + head, byteCount: pending)
            buffer.deallocate()
            buffer = resized
            capacity = target
        }
        head = 0
        tail = pending
    }
}

extension BSONError {
    /// True for file-system failures, which are not about a particular document's bytes.
    var isIO: Bool {
        if case .io = self { return true }
        return false
    }
}
