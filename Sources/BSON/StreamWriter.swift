import Foundation

/// Appends BSON documents, concatenated, to a file (the mongodump `.bson` layout).
///
/// Writes are buffered up to `bufferSize` bytes; call `close()` (or at least `flush()`) to see
/// write errors, since the best-effort flush in `deinit` cannot report them. Not thread-safe.
public final class BSONStreamWriter {
    /// The default buffer size.
    public static let defaultBufferSize = 64 * 1024

    /// Documents accepted so far.
    public private(set) var documentsWritten = 0
    /// Bytes accepted so far (buffered or written).
    public private(set) var bytesWritten = 0

    private let destination: String
    private var descriptor: Int32?
    private let ownsDescriptor: Bool
    private let handle: FileHandle?
    private var pending: [UInt8] = []
    private let bufferSize: Int

    /// Creates (or truncates) the file at `path`, or appends to it when `append` is true.
    public convenience init(path: String, append: Bool = false, bufferSize: Int = defaultBufferSize) throws {
        let flags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
        let descriptor = try FileIO.openFile(path, flags: flags)
        self.init(descriptor: descriptor, owned: true, handle: nil, destination: path, bufferSize: bufferSize)
    }

    /// Writes to an open file descriptor at its current position; closes it only if `closeWhenDone`.
    public convenience init(fileDescriptor: Int32, closeWhenDone: Bool = false,
                            bufferSize: Int = defaultBufferSize) {
        self.init(descriptor: fileDescriptor, owned: closeWhenDone, handle: nil,
                  destination: "file descriptor \(fileDescriptor)", bufferSize: bufferSize)
    }

    /// Writes to a `FileHandle` (kept alive, not closed, by the writer).
    public convenience init(fileHandle: FileHandle, bufferSize: Int = defaultBufferSize) {
        self.init(descriptor: fileHandle.fileDescriptor, owned: false, handle: fileHandle,
                  destination: "file descriptor \(fileHandle.fileDescriptor)", bufferSize: bufferSize)
    }

    private init(descriptor: Int32, owned: Bool, handle: FileHandle?, destination: String, bufferSize: Int) {
        self.descriptor = descriptor
        self.ownsDescriptor = owned
        self.handle = handle
        self.destination = destination
        self.bufferSize = max(bufferSize, 1)
        pending.reserveCapacity(self.bufferSize)
    }

    deinit {
        try? close()
    }

    /// Encodes `document` with libbson and appends it.
    public func write(_ document: Document) throws {
        try DocumentEncoder.withEncoded(document) { try append(LibBSON.bytes(of: $0)) }
    }

    /// Appends a document's raw bytes unchanged.
    public func write(_ document: RawDocument) throws {
        try document.bytes.withUnsafeBytes(append)
    }

    /// Writes out everything buffered.
    public func flush() throws {
        guard !pending.isEmpty else { return }
        let descriptor = try openDescriptor()
        try pending.withUnsafeBytes { try FileIO.writeAll(descriptor, $0, destination: destination) }
        pending.removeAll(keepingCapacity: true)
    }

    /// Flushes, then closes the file if the writer owns it; later writes throw.
    public func close() throws {
        guard let descriptor else { return }
        // Close even when the flush fails, so an owned descriptor never leaks; report the flush first.
        let flushed = Result { try flush() }
        self.descriptor = nil
        pending.removeAll()
        let closed = Result { if ownsDescriptor { try FileIO.closeFile(descriptor, path: destination) } }
        try flushed.get()
        try closed.get()
    }

    private func append(_ bytes: UnsafeRawBufferPointer) throws {
        let descriptor = try openDescriptor()
        if pending.count + bytes.count > bufferSize {
            try flush()
        }
        if bytes.count >= bufferSize {
            // Too big to buffer: write straight through rather than grow the buffer.
            try FileIO.writeAll(descriptor, bytes, destination: destination)
        } else {
            pending.append(contentsOf: bytes)
        }
        documentsWritten += 1
        bytesWritten += bytes.count
    }

    private func openDescriptor() throws -> Int32 {
        guard let descriptor else {
            throw BSONError.io(operation: "write to", path: destination, message: "the writer is closed")
        }
        return descriptor
    }
}
