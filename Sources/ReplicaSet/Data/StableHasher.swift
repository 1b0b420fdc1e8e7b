import BSON

/// FNV-1a, 64 bits: a fixed, process-independent hash (Swift's `Hasher` is seeded per process),
/// so two members' stores can be compared by digest across runs.
struct StableHasher {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    mutating func combine<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes { combine(byte) }
    }

    mutating func combine(_ integer: UInt64) {
        withUnsafeBytes(of: integer.littleEndian) { combine(bytes: $0) }
    }

    /// Length-prefixed, so "ab"+"c" and "a"+"bc" differ.
    mutating func combine(_ text: String) {
        combine(UInt64(text.utf8.count))
        combine(bytes: text.utf8)
    }

    mutating func combine(_ document: Document) {
        combine(UInt64(document.count))
        for (key, value) in document {
            combine(key)
            combine(value)
        }
    }

    mutating func combine(_ value: Value) {
        combine(value.typeByte)
        switch value {
        case let .double(number): combine(number.bitPattern)
        case let .string(text), let .javascript(text), let .symbol(text): combine(text)
        case let .document(document): combine(document)
        case let .array(elements):
            combine(UInt64(elements.count))
            for element in elements { combine(element) }
        case let .binary(binary):
            combine(binary.subtype)
            combine(UInt64(binary.data.count))
            combine(bytes: binary.data)
        case .undefined, .null, .minKey, .maxKey: break
        case let .objectID(id): combine(bytes: id.bytes)
        case let .bool(flag): combine(UInt8(flag ? 1 : 0))
        case let .datetime(milliseconds): combine(UInt64(bitPattern: milliseconds))
        case let .regex(regex):
            combine(regex.pattern)
            combine(regex.options)
        case let .dbPointer(pointer):
            combine(pointer.namespace)
            combine(bytes: pointer.id.bytes)
        case let .javascriptWithScope(code, scope):
            combine(code)
            combine(scope)
        case let .int32(number): combine(UInt64(UInt32(bitPattern: number)))
        case let .timestamp(ts): combine(UInt64(ts.seconds) << 32 | UInt64(ts.increment))
        case let .int64(number): combine(UInt64(bitPattern: number))
        case let .decimal128(number): combine(bytes: number.bytes)
        }
    }
}
