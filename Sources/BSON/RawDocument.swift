import CBSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one structurally valid BSON document, undecoded: the cheap form for moving
/// documents around (a single array copy), decoded only when needed.
public struct RawDocument: Sendable, Hashable {
    /// The document's bytes, length prefix and terminator included.
    public let bytes: [UInt8]

    /// Wraps `bytes` after validating that they hold exactly one well-formed document.
    public init(bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes(Validator.validateSingle)
        self.bytes = bytes
    }

    /// Wraps bytes the caller has already validated.
    init(validated bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Encodes `document`.
    public init(_ document: Document) throws {
        self.init(validated: try document.encode())
    }

    /// The number of bytes.
    public var count: Int {
        bytes.count
    }

    /// Decodes the whole document.
    public func decode() throws -> Document {
        try bytes.withUnsafeBytes { try DocumentDecoder.decode(validated: $0) }
    }

    /// Decodes only the value of the first element named `key`, or nil if there is none.
    public func value(forKey key: String) throws -> Value? {
        try bytes.withUnsafeBytes { buffer in
            let iter = LibBSON.allocateSlot()
            defer { LibBSON.deallocateSlot(iter) }
            let start = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            guard bson_iter_init_from_data(iter, start, buffer.count) else { return nil }
            let utf8 = Array(key.utf8)
            let found = utf8.withUnsafeBufferPointer { key in
                key.withMemoryRebound(to: CChar.self) { chars in
                    findKey(iter, chars)
                }
            }
            return found ? try DocumentDecoder.decodeValue(at: iter) : nil
        }
    }
}

/// Advances `iter` to the first element whose key equals `key` byte for byte.
private func findKey(_ iter: OpaquePointer, _ key: UnsafeBufferPointer<CChar>) -> Bool {
    while bson_iter_next(iter) {
        let length = Int(bson_iter_key_len(iter))
        if length == key.count, memcmp(bson_iter_key(iter), key.baseAddress ?? bson_iter_key(iter), length) == 0 {
            return true
        }
    }
    return false
}
