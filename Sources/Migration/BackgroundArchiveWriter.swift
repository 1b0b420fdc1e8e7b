import Backups
import Dispatch
import Foundation

/// An archive written on a thread of its own: compressing the output overlaps with reading and
/// converting the input (the machine has two cores). Calls queue up in order; at most a few
/// MiB wait at any time. The first failure is kept and reported by the next `sync()`.
final class BackgroundArchiveWriter: @unchecked Sendable {
    private let writer: ArchiveWriter
    private let queue = DispatchQueue(label: "quorum.migration.archive-writer")
    private let slots = DispatchSemaphore(value: 8)
    private let lock = NSLock()
    private var failure: Error?
    private var directories = Set<String>()
    private var pending: [UInt8] = []

    static let chunk = 1 << 20

    init(path: String, modificationTime: Int64) throws {
        writer = try ArchiveWriter(path: path, compression: .gzipFast, modificationTime: modificationTime)
        directories.insert(BackupLayout.root)
        enqueue { try $0.addDirectory(BackupLayout.root) }
    }

    /// Writes the manifest and the end of the archive.
    func finish() throws {
        try direct { writer in
            try writer.addFile(Manifest.archivePath, bytes: writer.manifest.jsonBytes())
            _ = try writer.finish()
        }
    }

    /// Runs `body` on the writer's thread, after everything queued before it.
    func enqueue(_ body: @escaping (ArchiveWriter) throws -> Void) {
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            guard currentFailure == nil else { return }
            do { try body(writer) } catch {
                lock.lock()
                failure = error
                lock.unlock()
            }
        }
    }

    private var currentFailure: Error? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    /// Adds the directory entry once, and its parents inside juju-backup/ before it.
    func directory(_ path: String) {
        var chain: [String] = []
        var current = path
        while current.hasPrefix(BackupLayout.root + "/"), !directories.contains(current) {
            chain.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for directory in chain.reversed() {
            directories.insert(directory)
            enqueue { try $0.addDirectory(directory) }
        }
    }

    func file(_ path: String, bytes: [UInt8]) {
        directory((path as NSString).deletingLastPathComponent)
        enqueue { try $0.addFile(path, bytes: bytes) }
    }

    func begin(_ path: String, size: Int) {
        directory((path as NSString).deletingLastPathComponent)
        enqueue { try $0.beginFile(path, size: size) }
    }

    /// Appends to the open entry, a MiB at a time.
    func write(_ bytes: UnsafeRawBufferPointer) {
        pending.append(contentsOf: bytes)
        if pending.count >= Self.chunk { flushPending() }
    }

    private func flushPending() {
        guard !pending.isEmpty else { return }
        let chunk = pending
        pending.removeAll(keepingCapacity: true)
        enqueue { try $0.write(chunk) }
    }

    func end() {
        flushPending()
        enqueue { try $0.endFile() }
    }

    /// Waits for everything queued; throws the first failure.
    func sync() throws {
        queue.sync {}
        if let failure = currentFailure { throw failure }
    }

    /// Runs `body` on the caller's thread once everything queued is written (for work that
    /// needs the writer itself, such as copying a large file).
    func direct<T>(_ body: (ArchiveWriter) throws -> T) throws -> T {
        try sync()
        return try body(writer)
    }
}
