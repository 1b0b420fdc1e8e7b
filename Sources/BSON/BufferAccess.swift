/// Working on documents in place, for callers that stream many documents through one buffer
/// (a migration reads millions and keeps most of them as bytes).
public enum BSONBuffer {
    /// Checks that `buffer` holds exactly one well-formed document, as `RawDocument(bytes:)`
    /// does, without copying it.
    public static func validate(_ buffer: UnsafeRawBufferPointer) throws {
        try Validator.validateSingle(buffer)
    }

    /// Decodes a document `validate` has accepted.
    public static func decode(validated buffer: UnsafeRawBufferPointer) throws -> Document {
        try DocumentDecoder.decode(validated: buffer)
    }

    /// Encodes `document` and hands its bytes (valid only during the call) to `body`, without
    /// an intermediate array.
    public static func withEncoded<R>(_ document: Document, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try DocumentEncoder.withEncoded(document) { try body(LibBSON.bytes(of: $0)) }
    }
}
