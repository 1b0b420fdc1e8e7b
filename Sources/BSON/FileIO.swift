#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The thin POSIX layer under the stream reader and writer: the only file IO in this module.
enum FileIO {
    /// Opens `path`, throwing a `BSONError.io` that names the path on failure.
    static func openFile(_ path: String, flags: Int32) throws -> Int32 {
        let descriptor = open(path, flags | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw BSONError.io(operation: "open", path: path, message: lastError())
        }
        return descriptor
    }

    /// Reads up to `count` bytes into `destination`; 0 means end of file. Retries on EINTR.
    static func readSome(_ descriptor: Int32, into destination: UnsafeMutableRawPointer, count: Int,
                         source: String) throws -> Int {
        while true {
            let result = read(descriptor, destination, count)
            if result >= 0 { return result }
            if errno != EINTR {
                throw BSONError.io(operation: "read", path: source, message: lastError())
            }
        }
    }

    /// Writes all of `bytes`, looping over short writes and EINTR.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, destination: String) throws {
        var written = 0
        while written < bytes.count {
            let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result > 0 {
                written += result
            } else if result == 0 {
                // A regular file never accepts zero bytes of a non-empty write; stop rather than spin.
                throw BSONError.io(operation: "write", path: destination, message: "no progress")
            } else if errno != EINTR {
                throw BSONError.io(operation: "write", path: destination, message: lastError())
            }
        }
    }

    /// Closes a descriptor this module opened.
    static func closeFile(_ descriptor: Int32, path: String) throws {
        guard close(descriptor) == 0 else {
            throw BSONError.io(operation: "close", path: path, message: lastError())
        }
    }

    /// The text of the current `errno`.
    static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
