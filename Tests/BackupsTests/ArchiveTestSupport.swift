import XCTest
import CArchive
@_exported import ArchiveFixtures
#if canImport(Glibc)
import Glibc
#endif
@testable import Backups

/// A scratch directory removed when the test ends.
final class ArchiveScratch {
    let path: String

    init() {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/quorum-archive-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "cannot create a scratch directory")
        path = String(cString: template)
    }

    deinit {
        removeTree(path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let target = file(name)
        let descriptor = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(descriptor >= 0)
        bytes.withUnsafeBytes { _ = Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        return target
    }

    func read(_ name: String) -> [UInt8] {
        readFile(file(name))
    }

    /// Names in the directory, sorted, hidden ones included.
    func listing() -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

func readFile(_ path: String) -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return [] }
    defer { close(descriptor) }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if count <= 0 { return result }
        result += buffer[..<count]
    }
}

private func removeTree(_ path: String) {
    guard let directory = opendir(path) else {
        unlink(path)
        return
    }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name != "." && name != ".." { names.append(name) }
    }
    closedir(directory)
    for name in names {
        let child = path + "/" + name
        var info = stat()
        if lstat(child, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            removeTree(child)
        } else {
            unlink(child)
        }
    }
    rmdir(path)
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        var index = 0
        while index < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            withUnsafeBytes(of: state) { word in
                for byte in word where index < count {
                    buffer[index] = byte
                    index += 1
                }
            }
        }
        initialized = count
    }
}

/// Every entry of an archive with its bytes (files only), reading each file in chunks.
func readEntries(_ reader: ArchiveReader, chunk: Int = 1 << 16) throws -> [(ArchiveEntryHeader, [UInt8])] {
    var result: [(ArchiveEntryHeader, [UInt8])] = []
    while let header = try reader.next() {
        var bytes: [UInt8] = []
        while let piece = try reader.readChunk(maxBytes: chunk) { bytes += piece }
        result.append((header, bytes))
    }
    return result
}

/// Reads an archive to its end and returns the error it raised, or nil if it read cleanly.
func archiveError(reading bytes: [UInt8]) -> ArchiveError? {
    do {
        let reader = try ArchiveReader(bytes: bytes)
        _ = try readEntries(reader)
        return nil
    } catch let error as ArchiveError {
        return error
    } catch {
        XCTFail("unexpected error type: \(error)")
        return nil
    }
}

func archiveError(readingFile path: String) -> ArchiveError? {
    do {
        let reader = try ArchiveReader(path: path)
        _ = try readEntries(reader)
        return nil
    } catch let error as ArchiveError {
        return error
    } catch {
        XCTFail("unexpected error type: \(error)")
        return nil
    }
}

/// Asserts that `body` throws an ArchiveError whose message is exactly `message`.
func assertArchiveError(_ message: String, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected error: \(message)", file: file, line: line)
    } catch let error as ArchiveError {
        XCTAssertEqual(error.description, message, file: file, line: line)
    } catch {
        XCTFail("unexpected error type: \(error)", file: file, line: line)
    }
}

/// The SHA-256 of `bytes` as lower-case hex (the hasher itself is pinned by a known-vector test).
func sha256Hex(_ bytes: [UInt8]) -> String {
    var digest = EntryDigest()
    bytes.withUnsafeBytes { digest.update($0) }
    return digest.entry(path: "").sha256
}
