import Backups
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The few file operations the environment store needs, each doing exactly one safe thing.
enum FileSystem {
    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    static func createDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure("cannot read \(path)")
        }
        return data
    }

    /// Writes `data` so that `path` holds either its old contents or all of the new ones:
    /// an unnamed file in the same directory (see `AtomicOutput`), fsync, rename, fsync of the directory.
    static func writeAtomically(_ data: Data, to path: String) throws {
        do {
            try AtomicOutput.write(to: path) { temporary in
                let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw Failure("cannot write \(path): \(String(cString: strerror(errno)))") }
                defer { close(fd) }
                guard data.withUnsafeBytes({ writeAll(fd, $0) }) else {
                    throw Failure("cannot write \(path): \(String(cString: strerror(errno)))")
                }
            }
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure("cannot write \(path): \(error)")
        }
    }

    /// Appends `data` to `path` and fsyncs it; returns the file's new size.
    @discardableResult
    static func append(_ data: Data, to path: String) throws -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw Failure("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard data.withUnsafeBytes({ writeAll(fd, $0) }), fsync(fd) == 0 else {
            throw Failure("cannot append to \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        fstat(fd, &info)
        return Int(info.st_size)
    }

    static func size(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Cuts a file back to `length` bytes (undoing an append a crashed command left behind).
    static func truncate(_ path: String, to length: Int) throws {
        guard Glibc.truncate(path, off_t(length)) == 0 else {
            throw Failure("cannot repair \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func remove(_ path: String) throws {
        if exists(path) { try FileManager.default.removeItem(atPath: path) }
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 { if errno == EINTR { continue }; return false }
            offset += n
        }
        return true
    }
}

/// An exclusive advisory lock (flock) held for the lifetime of the value's owner.
final class FileLock {
    private let fd: Int32

    /// Takes the lock on `path`, waiting up to `timeout` seconds for another command to finish.
    init(_ path: String, timeout: Double = 30, what: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("cannot open lock \(path): \(String(cString: strerror(errno)))") }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(fd)
                throw Failure("\(what) is busy: another quorum command holds its lock")
            }
            usleep(20_000)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
