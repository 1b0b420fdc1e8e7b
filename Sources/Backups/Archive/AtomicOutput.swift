#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes an output file appear only complete: the body writes a temporary file beside the
/// target, which is synced and renamed over the target; on any error it is removed. A crash
/// or a failed command therefore never leaves a half-written backup under the real name.
///
/// On Linux the temporary file is unnamed (`O_TMPFILE`): the body writes it through
/// `/proc/self/fd/N`, and it gets a name only once complete and synced, so even SIGKILL at any
/// point leaves no partial file behind, under any name.
public enum AtomicOutput {
    /// Runs `body` with the temporary path to write, then publishes it as `path`.
    public static func write(to path: String, _ body: (String) throws -> Void) throws {
        let (directory, name) = try checkedTarget(path)
        #if os(Linux)
        if try writeUnnamed(to: path, directory: directory, name: name, body) { return }
        #endif
        // Same directory, so the rename stays on one filesystem and is atomic.
        let temporary = (directory.map { $0 + "/" } ?? "") + ".\(name).tmp-\(getpid())"
        unlink(temporary)  // a leftover of a crashed run that had the same pid
        do {
            try body(temporary)
            try sync(temporary, target: path)
            guard rename(temporary, path) == 0 else {
                throw ArchiveError.ioFailure("cannot rename \(temporary) to \(path): \(lastError())")
            }
        } catch {
            unlink(temporary)
            throw error
        }
        syncDirectory(directory ?? ".")
    }

    #if os(Linux)
    /// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), which Swift does not import.
    private static let unnamedFileFlag: Int32 = 0o20_000_000 | O_DIRECTORY
    private static let linkFollowingSymlinks: Int32 = 0x400  // AT_SYMLINK_FOLLOW

    /// The unnamed-file path; false when the filesystem cannot make unnamed files.
    private static func writeUnnamed(to path: String, directory: String?, name: String,
                                      _ body: (String) throws -> Void) throws -> Bool {
        let descriptor = open(directory.map { $0.isEmpty ? "/" : $0 } ?? ".", unnamedFileFlag | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let handle = "/proc/self/fd/\(descriptor)"
        try body(handle)
        guard fsync(descriptor) == 0 else { throw ArchiveError.ioFailure("cannot sync \(path): \(lastError())") }
        // Named under a temporary name only now that it is complete, then renamed over the target.
        let temporary = (directory.map { $0 + "/" } ?? "") + ".\(name).tmp-\(getpid())"
        unlink(temporary)
        guard linkat(AT_FDCWD, handle, AT_FDCWD, temporary, linkFollowingSymlinks) == 0 else {
            throw ArchiveError.ioFailure("cannot write \(path): \(lastError())")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ArchiveError.ioFailure("cannot rename \(temporary) to \(path): \(lastError())")
        }
        syncDirectory(directory ?? ".")
        return true
    }
    #endif

    /// Splits `path` into its directory (nil for a bare name) and file name, refusing a
    /// target that is a directory or whose directory does not exist.
    private static func checkedTarget(_ path: String) throws(ArchiveError) -> (String?, String) {
        if isDirectory(path) || path.hasSuffix("/") || path.isEmpty { throw .outputIsDirectory(path) }
        guard let slash = path.lastIndex(of: "/") else { return (nil, path) }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        guard isDirectory(directory) else { throw .outputDirectoryMissing(path: path, directory: directory) }
        return (slash == path.startIndex ? "" : directory, String(path[path.index(after: slash)...]))
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Flushes the temporary file to disk, so the rename never publishes missing data.
    private static func sync(_ temporary: String, target: String) throws(ArchiveError) {
        let descriptor = open(temporary, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .ioFailure("cannot write \(target): the temporary file \(temporary) was not created (\(lastError()))")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .ioFailure("cannot sync \(temporary): \(lastError())") }
    }

    /// Makes the rename itself durable. Best effort: the file is already in place, and
    /// some filesystems refuse to sync directories.
    private static func syncDirectory(_ directory: String) {
        let descriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
