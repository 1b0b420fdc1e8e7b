import CBSON

// MongoDB Extended JSON v2 through libbson. Output follows libbson's formatting: spaces
// around ':' and inside braces, doubles printed with 20 significant digits in canonical mode.
extension Document {
    /// Parses canonical or relaxed extended JSON (libbson's `bson_new_from_json`).
    public init(extendedJSON text: String) throws {
        var error = bson_error_t()
        let utf8 = Array(text.utf8)
        guard let bson = bson_new_from_json(utf8, utf8.count, &error) else {
            throw BSONError.invalidExtendedJSON(message: LibBSON.message(of: error))
        }
        defer { bson_destroy(bson) }
        do {
            self = try Document(bson: LibBSON.bytes(of: bson))
        } catch let error as BSONError {
            throw BSONError.invalidExtendedJSON(message: "it describes a document BSON cannot hold: \(error)")
        }
    }

    /// Canonical extended JSON, which preserves every type (e.g. `{"$numberInt": "1"}`).
    public var canonicalExtendedJSON: String {
        get throws { try json(bson_as_canonical_extended_json) }
    }

    /// Relaxed extended JSON, which writes int32, int64 and finite doubles as plain JSON numbers.
    ///
    /// Not for round trips: besides merging number types, libbson 1.23 writes datetimes after
    /// year 9999 as ISO strings with 5+ digit years (the spec asks for `$numberLong`), which its
    /// own parser then rejects. Use `canonicalExtendedJSON` when the text must parse back.
    public var relaxedExtendedJSON: String {
        get throws { try json(bson_as_relaxed_extended_json) }
    }

    private func json(
        _ render: (OpaquePointer?, UnsafeMutablePointer<Int>?) -> UnsafeMutablePointer<CChar>?
    ) throws -> String {
        try DocumentEncoder.withEncoded(self) { bson in
            var length = 0
            guard let text = render(bson, &length) else {
                throw BSONError.unencodable(path: "", reason: "libbson could not render it as extended JSON")
            }
            defer { bson_free(text) }
            return String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
        }
    }
}
