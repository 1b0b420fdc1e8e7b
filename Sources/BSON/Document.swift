/// A BSON document: key/value pairs kept exactly in the order they were appended or decoded,
/// duplicate keys included, so a decoded document re-encodes to the same bytes.
///
/// Equality is order-sensitive and uses `Value`'s byte-level equality.
public struct Document: Sendable {
    /// One key/value pair.
    public typealias Element = (key: String, value: Value)

    private var elements: [Element]

    /// An empty document.
    public init() {
        elements = []
    }

    /// A document holding `pairs` in order.
    public init<Pairs: Sequence>(_ pairs: Pairs) where Pairs.Element == (String, Value) {
        elements = pairs.map { (key: $0.0, value: $0.1) }
    }

    /// The keys in order, duplicates included.
    public var keys: [String] {
        elements.map(\.key)
    }

    /// The values in order.
    public var values: [Value] {
        elements.map(\.value)
    }

    /// The number of key/value pairs.
    public var count: Int {
        elements.count
    }

    /// True when the document has no pairs.
    public var isEmpty: Bool {
        elements.isEmpty
    }

    /// The value of the first pair with `key`. Setting replaces that value (or appends a pair
    /// when there is none); setting nil removes every pair with `key`.
    public subscript(key: String) -> Value? {
        get {
            elements.first { $0.key == key }?.value
        }
        set {
            guard let newValue else {
                elements.removeAll { $0.key == key }
                return
            }
            if let index = elements.firstIndex(where: { $0.key == key }) {
                elements[index].value = newValue
            } else {
                elements.append((key: key, value: newValue))
            }
        }
    }

    /// Every value stored under `key`, in order (more than one only for duplicate keys).
    public func values(forKey key: String) -> [Value] {
        elements.filter { $0.key == key }.map(\.value)
    }

    /// Appends a pair at the end, even if `key` is already present.
    public mutating func append(_ key: String, _ value: Value) {
        elements.append((key: key, value: value))
    }
}

extension Document: Sequence {
    /// Iterates the pairs in order.
    public func makeIterator() -> IndexingIterator<[Element]> {
        elements.makeIterator()
    }

    /// The pair count, so `Array(document)` allocates once.
    public var underestimatedCount: Int {
        elements.count
    }
}

extension Document: ExpressibleByDictionaryLiteral {
    /// A document holding the literal's pairs in source order.
    public init(dictionaryLiteral pairs: (String, Value)...) {
        self.init(pairs)
    }
}

extension Document: Equatable {
    /// Same pairs in the same order.
    public static func == (lhs: Document, rhs: Document) -> Bool {
        lhs.elements.count == rhs.elements.count
            && zip(lhs.elements, rhs.elements).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension Document: Hashable {
    /// Hashes the pairs in order, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(elements.count)
        for element in elements {
            hasher.combine(element.key)
            hasher.combine(element.value)
        }
    }
}

extension Document: CustomStringConvertible {
    /// Relaxed extended JSON, or a note saying why the document cannot be encoded.
    public var description: String {
        do {
            return try relaxedExtendedJSON
        } catch {
            return "<unencodable document: \(error)>"
        }
    }
}

extension Document {
    /// Decodes exactly one document that fills `bytes`, validating its structure first.
    public init(bson bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try Document(bson: $0) }
    }

    /// Decodes exactly one document that fills `buffer`, validating its structure first.
    public init(bson buffer: UnsafeRawBufferPointer) throws {
        try Validator.validateSingle(buffer)
        self = try DocumentDecoder.decode(validated: buffer)
    }

    /// The BSON bytes of this document, built with libbson.
    public func encode() throws -> [UInt8] {
        try DocumentEncoder.withEncoded(self) { Array(LibBSON.bytes(of: $0)) }
    }
}
