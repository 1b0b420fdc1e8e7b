#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening an archive file, with the refusals a person needs to see before libarchive
/// would say something vaguer.
enum ArchiveSource {
    /// Read size handed to libarchive: large enough that syscalls do not show in profiles.
    static let blockSize = 1 << 17

    /// Opens `path` for reading; refuses missing files, directories and empty files.
    static func openFile(_ path: String) throws(ArchiveError) -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .noSuchFile(path) }
            throw .cannotOpen(path: path, reason: String(cString: strerror(code)))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .cannotOpen(path: path, reason: reason)
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR {
            close(descriptor)
            throw .isDirectory(path)
        }
        // Only a regular file's size is meaningful; a pipe reports 0 and may still hold data.
        if type == S_IFREG && info.st_size == 0 {
            close(descriptor)
            throw .emptyFile(path)
        }
        return descriptor
    }
}
