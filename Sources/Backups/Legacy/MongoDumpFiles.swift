import BSON

/// The files mongodump writes, as bytes: concatenated BSON documents and the per-collection
/// `metadata.json` with the collection's options and its `_id` index.
public enum MongoDumpFiles {
    public static func bson(_ documents: [Document]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for document in documents { bytes += try document.encode() }
        return bytes
    }

    /// Splits concatenated BSON documents, validating each; errors name the document's index
    /// and byte offset.
    public static func documents(in bytes: [UInt8], entry: String) throws(BackupError) -> [Document] {
        var documents: [Document] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 5 else {
                throw .corruptBSON(entry: entry, detail: "document \(documents.count) at offset \(offset): \(bytes.count - offset) trailing bytes")
            }
            let length = Int(UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
            guard length >= 5, length <= bytes.count - offset else {
                throw .corruptBSON(entry: entry, detail: "document \(documents.count) at offset \(offset): declared length \(length) exceeds the \(bytes.count - offset) bytes left")
            }
            do {
                documents.append(try bytes.withUnsafeBytes { try Document(bson: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + length])) })
            } catch {
                throw .corruptBSON(entry: entry, detail: "document \(documents.count) at offset \(offset): \(error)")
            }
            offset += length
        }
        return documents
    }

    /// `<coll>.metadata.json` as mongodump writes it.
    public static func metadataJSON(_ dump: CollectionDump) -> String {
        let index: Document = ["v": .int32(1), "key": ["_id": .int32(1)], "name": "_id_", "ns": .string(dump.namespace)]
        let metadata: Document = ["options": .document(dump.options), "indexes": .array([.document(index)])]
        return (try? metadata.relaxedExtendedJSON) ?? "{}"
    }

    /// The collection options recorded in `<coll>.metadata.json`.
    public static func options(fromMetadataJSON text: String, entry: String) throws(BackupError) -> Document {
        let document: Document
        do {
            document = try Document(extendedJSON: text)
        } catch {
            throw .invalidFile(entry: entry, detail: "invalid JSON: \(error)")
        }
        guard let options = document["options"] else { return [:] }
        guard let value = options.documentValue else { throw .invalidFile(entry: entry, detail: "\"options\" is not an object") }
        return value
    }
}
