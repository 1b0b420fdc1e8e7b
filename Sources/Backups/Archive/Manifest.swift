import HACore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One file entry of an archive: its size and the lower-case hex SHA-256 of its bytes.
public struct ManifestEntry: Codable, Equatable, Sendable {
    public var path: String
    public var size: Int
    public var sha256: String

    public init(path: String, size: Int, sha256: String) {
        self.path = path
        self.size = size
        self.sha256 = sha256
    }
}

/// The list of every file entry in a backup archive (except the manifest itself), so that
/// `verify-backup` can prove each byte arrived intact: gzip's own CRC is not checked by
/// libarchive, and tar checksums cover headers only.
public struct Manifest: Codable, Equatable, Sendable {
    /// Where the manifest lives inside a backup archive.
    public static let archivePath = "juju-backup/manifest.json"

    public var entries: [ManifestEntry]

    public init(entries: [ManifestEntry] = []) {
        self.entries = entries
    }

    /// Stable JSON: keys sorted, one entry per line, in archive order, ending in a newline.
    /// Written by hand so the bytes never depend on a Foundation version's formatting.
    public func jsonBytes() -> [UInt8] {
        guard !entries.isEmpty else { return Array("{\n  \"entries\": []\n}\n".utf8) }
        let lines = entries.map { entry in
            "    {\"path\": \(jsonString(entry.path)), \"sha256\": \(jsonString(entry.sha256)), \"size\": \(entry.size)}"
        }
        return Array("{\n  \"entries\": [\n\(lines.joined(separator: ",\n"))\n  ]\n}\n".utf8)
    }

    /// Parses and checks a manifest: every path safe and unique, sizes non-negative,
    /// checksums 64 lower-case hex digits.
    public init(jsonBytes: [UInt8]) throws(ArchiveError) {
        let decoded: Manifest
        do {
            decoded = try JSONDecoder().decode(Manifest.self, from: Data(jsonBytes))
        } catch {
            throw .invalidManifest("not the expected JSON (\(Self.reason(error)))")
        }
        try Self.check(decoded.entries)
        self = decoded
    }

    private static func check(_ entries: [ManifestEntry]) throws(ArchiveError) {
        var seen = Set<String>()
        for entry in entries {
            let path: String
            do {
                path = try ArchivePath.normalised(entry.path)
            } catch {
                throw .invalidManifest(error.description)
            }
            guard path == entry.path, path != ArchivePath.root else {
                throw .invalidManifest("path \(ArchiveText.quoted(entry.path)) is not a normalised entry path")
            }
            guard seen.insert(path).inserted else {
                throw .invalidManifest("path \(ArchiveText.quoted(path)) is listed twice")
            }
            guard entry.size >= 0 else {
                throw .invalidManifest("path \(ArchiveText.quoted(path)) has a negative size")
            }
            guard isSHA256Hex(entry.sha256) else {
                throw .invalidManifest("path \(ArchiveText.quoted(path)) has a malformed sha256 \(ArchiveText.quoted(entry.sha256))")
            }
        }
    }

    private static func isSHA256Hex(_ text: String) -> Bool {
        let utf8 = text.utf8
        return utf8.count == 64 && utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// A short reason from a DecodingError, without Foundation's long debug dumps.
    private static func reason(_ error: Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        switch decoding {
        case .keyNotFound(let key, _): return "missing key \(ArchiveText.quoted(key.stringValue))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(codingPath(context.codingPath))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "malformed JSON" : "bad value at \(codingPath(context.codingPath))"
        @unknown default: return "malformed JSON"
        }
    }

    private static func codingPath(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}
