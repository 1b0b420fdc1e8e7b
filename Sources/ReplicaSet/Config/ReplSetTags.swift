import BSON

/// A member's `tags`: string → string pairs kept in the order they were given, because the
/// config document must come back out of `replSetGetConfig` exactly as it went in, and no
/// decision may depend on dictionary order. Iterates as `(key, value)` pairs.
public struct ReplSetTags: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// One `key: value` tag.
    public struct Tag: Sendable, Equatable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// The tags in order.
    public private(set) var tags: [Tag]

    public init(_ tags: [Tag] = []) {
        self.tags = tags
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        tags = elements.map { Tag(key: $0.0, value: $0.1) }
    }

    public func makeIterator() -> AnyIterator<(key: String, value: String)> {
        var iterator = tags.makeIterator()
        return AnyIterator { iterator.next().map { (key: $0.key, value: $0.value) } }
    }

    public var underestimatedCount: Int { tags.count }
    public var isEmpty: Bool { tags.isEmpty }
    public var count: Int { tags.count }
    public var keys: [String] { tags.map(\.key) }

    /// The value of the first tag named `key`. Setting replaces it in place, or appends.
    public subscript(key: String) -> String? {
        get { tags.first { $0.key == key }?.value }
        set {
            guard let newValue else {
                tags.removeAll { $0.key == key }
                return
            }
            if let index = tags.firstIndex(where: { $0.key == key }) {
                tags[index].value = newValue
            } else {
                tags.append(Tag(key: key, value: newValue))
            }
        }
    }

    /// `{key: value, …}` as the `tags` sub-document of a member.
    public var document: Document {
        Document(tags.map { ($0.key, BSON.Value.string($0.value)) })
    }

    public var description: String {
        "{" + tags.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
    }
}

/// Encoded as an ordered array of `[key, value]` pairs so snapshots keep the order.
extension ReplSetTags: Codable {
    public init(from decoder: Decoder) throws {
        var container = try decoder.unkeyedContainer()
        var tags: [Tag] = []
        while !container.isAtEnd {
            let pair = try container.decode([String].self)
            guard pair.count == 2 else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "a tag is a [key, value] pair, found \(pair.count) strings")
            }
            tags.append(Tag(key: pair[0], value: pair[1]))
        }
        self.tags = tags
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.unkeyedContainer()
        for tag in tags {
            try container.encode([tag.key, tag.value])
        }
    }
}
