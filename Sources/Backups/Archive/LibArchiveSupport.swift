#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive

/// libarchive converts entry names through the calling thread's locale. A Swift program runs
/// in the "C" locale, where non-ASCII UTF-8 names fail to convert, and libarchive 3.6's pax
/// writer then dereferences a NULL name and crashes. Name handling therefore runs under
/// C.UTF-8, switched per thread so nothing else in the process is affected.
private nonisolated(unsafe) let utf8Locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil)

/// Small helpers around libarchive's C conventions: status codes, error strings, file types.
enum LibArchive {
    // The AE_IF* macros are casts, which Swift does not import.
    static let regularFile: UInt32 = 0o100000
    static let directory: UInt32 = 0o040000
    static let symlink: UInt32 = 0o120000
    static let characterDevice: UInt32 = 0o020000
    static let blockDevice: UInt32 = 0o060000
    static let fifo: UInt32 = 0o010000
    static let socket: UInt32 = 0o140000

    /// Whether non-ASCII names can be written safely (C.UTF-8 exists on this system).
    static var handlesNonASCIINames: Bool { utf8Locale != nil }

    /// Runs `body`, a call that converts entry names, under the UTF-8 locale.
    static func withUTF8Names<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        guard let utf8Locale else { return try body() }
        let previous = uselocale(utf8Locale)
        defer { uselocale(previous) }
        return try body()
    }

    /// libarchive's description of the last error, if it gave one.
    static func message(_ archive: OpaquePointer) -> String? {
        archive_error_string(archive).map { String(cString: $0) }
    }

    /// Turns a failed read call into the error a person can act on. libarchive has no
    /// error codes for these cases, so the wording of its messages is what tells them apart.
    static func readError(_ archive: OpaquePointer, whileOpening: Bool) -> ArchiveError {
        guard let message = message(archive) else {
            // libarchive 3.6 fails without a message when a gzip stream stops inside its
            // 8-byte trailer (it never checks the trailer, it only needs to skip it).
            return .truncated(isGzip(archive) ? "gzip stream ends before its trailer" : "data ends unexpectedly")
        }
        if message.lowercased().contains("truncated") { return .truncated(message) }
        return whileOpening ? .notAnArchive(message) : .corrupted(message)
    }

    private static func isGzip(_ archive: OpaquePointer) -> Bool {
        (0..<archive_filter_count(archive)).contains { archive_filter_code(archive, $0) == ARCHIVE_FILTER_GZIP }
    }

    /// The name of a file type a backup must not contain, for error messages.
    static func typeName(_ type: UInt32) -> String {
        switch type {
        case characterDevice: return "character device"
        case blockDevice: return "block device"
        case fifo: return "named pipe"
        case socket: return "socket"
        default: return "file of unknown type (mode 0o\(String(type, radix: 8)))"
        }
    }

    /// A libarchive string accessor's result as a Swift string, nil when absent or not UTF-8.
    static func utf8String(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.flatMap { String(validatingCString: $0) }
    }
}
