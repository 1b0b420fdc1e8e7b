import Crypto

/// Size and SHA-256 of an entry's bytes, accumulated chunk by chunk so large entries are
/// never held in memory just to be hashed.
struct EntryDigest {
    private var hasher = SHA256()
    private(set) var size = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        hasher.update(bufferPointer: bytes)
        size += bytes.count
    }

    /// Finishes the hash; the digest is consumed, as swift-crypto's hasher is.
    consuming func entry(path: String) -> ManifestEntry {
        ManifestEntry(path: path, size: size, sha256: Self.hex(hasher.finalize()))
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
