/// A BSON timestamp, MongoDB's `Timestamp(t, i)`: seconds since the epoch and an ordinal within that second.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since the Unix epoch (`t`; the high four bytes on the wire).
    public var seconds: UInt32
    /// Ordinal of the operation within its second (`i`; the low four bytes on the wire).
    public var increment: UInt32

    /// The timestamp `Timestamp(seconds, increment)`.
    public init(seconds: UInt32, increment: UInt32) {
        self.seconds = seconds
        self.increment = increment
    }

    /// MongoDB shell notation, `Timestamp(t, i)`.
    public var description: String { "Timestamp(\(seconds), \(increment))" }

    /// MongoDB's order: by seconds, then by increment.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.increment) < (rhs.seconds, rhs.increment)
    }
}

/// Binary data with its BSON subtype byte.
public struct Binary: Sendable, Hashable {
    /// The subtype byte; see `Binary.Subtype` for the assigned values.
    public var subtype: UInt8
    /// The payload. For subtype 2 this excludes the redundant inner length, which encoding adds.
    public var data: [UInt8]

    /// Binary `data` of `subtype`.
    public init(subtype: UInt8 = Subtype.generic, data: [UInt8]) {
        self.subtype = subtype
        self.data = data
    }

    /// Subtype values assigned by the BSON specification.
    public enum Subtype {
        /// Generic binary data.
        public static let generic: UInt8 = 0x00
        /// A function.
        public static let function: UInt8 = 0x01
        /// The old binary subtype, whose payload repeats its length.
        public static let oldBinary: UInt8 = 0x02
        /// A UUID in a driver-specific legacy byte order.
        public static let oldUUID: UInt8 = 0x03
        /// A UUID in RFC 4122 byte order.
        public static let uuid: UInt8 = 0x04
        /// An MD5 digest.
        public static let md5: UInt8 = 0x05
        /// Client-side encrypted data.
        public static let encrypted: UInt8 = 0x06
        /// A compressed time-series column.
        public static let column: UInt8 = 0x07
        /// Sensitive data.
        public static let sensitive: UInt8 = 0x08
        /// The first user-defined subtype; 0x80 through 0xFF are all user-defined.
        public static let userDefined: UInt8 = 0x80
    }
}

/// A BSON regular expression: a pattern and its option letters, both kept verbatim.
public struct RegularExpression: Sendable, Hashable {
    /// The pattern, without delimiters.
    public var pattern: String
    /// The option letters exactly as stored (MongoDB writes them sorted, e.g. "imx").
    public var options: String

    /// The regular expression `/pattern/options`.
    public init(pattern: String, options: String = "") {
        self.pattern = pattern
        self.options = options
    }
}

/// The deprecated DBPointer type: a namespace ("db.collection") and an ObjectId.
public struct DBPointer: Sendable, Hashable {
    /// The namespace the id refers into.
    public var namespace: String
    /// The referenced document's id.
    public var id: ObjectID

    /// A pointer to document `id` in `namespace`.
    public init(namespace: String, id: ObjectID) {
        self.namespace = namespace
        self.id = id
    }
}
