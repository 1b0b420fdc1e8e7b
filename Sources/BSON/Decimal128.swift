import CBSON

/// An IEEE 754-2008 128-bit decimal, kept as its raw bits.
public struct Decimal128: Sendable, Hashable, CustomStringConvertible {
    /// The low 64 bits (the first eight bytes on the wire, little-endian).
    public let low: UInt64
    /// The high 64 bits (sign, combination field and the top of the coefficient).
    public let high: UInt64

    /// The decimal with these raw bits.
    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    /// The decimal with these 16 wire bytes; nil unless exactly 16 are given.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self = bytes.withUnsafeBytes { Decimal128(unchecked: $0) }
    }

    /// Parses a decimal string such as "1.23", "-0", "1E+10", "NaN" or "Infinity" with libbson.
    public init?(_ text: String) {
        var value = bson_decimal128_t()
        guard bson_decimal128_from_string(text, &value) else { return nil }
        self.init(value)
    }

    /// Reads 16 bytes the caller has already bounds-checked.
    init(unchecked raw: UnsafeRawBufferPointer) {
        low = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        high = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }

    /// Copies libbson's representation.
    init(_ value: bson_decimal128_t) {
        self.init(low: value.low, high: value.high)
    }

    /// libbson's representation.
    var libbsonValue: bson_decimal128_t {
        var value = bson_decimal128_t()
        value.low = low
        value.high = high
        return value
    }

    /// The 16 wire bytes (little-endian).
    public var bytes: [UInt8] {
        withUnsafeBytes(of: (low.littleEndian, high.littleEndian)) { Array($0) }
    }

    /// The string form libbson's `bson_decimal128_to_string` gives (the Decimal128 spec's format).
    public var description: String {
        var value = libbsonValue
        var text = [CChar](repeating: 0, count: Int(BSON_DECIMAL128_STRING))
        bson_decimal128_to_string(&value, &text)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
