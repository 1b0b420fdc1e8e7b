/// The offset of the first byte in `range` that does not begin a well-formed UTF-8 sequence
/// (Unicode Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF), or nil.
/// Swift's String decoding would silently replace such bytes, breaking byte-identical round trips.
func firstInvalidUTF8(_ base: UnsafeRawPointer, _ range: Range<Int>) -> Int? {
    var offset = range.lowerBound
    let end = range.upperBound
    while offset < end {
        let lead = base.load(fromByteOffset: offset, as: UInt8.self)
        if lead < 0x80 {
            offset += 1
            continue
        }
        guard let length = sequenceLength(base, offset, end, lead) else { return offset }
        offset += length
    }
    return nil
}

/// The length of the multi-byte sequence led by `lead` at `offset`, if it is well formed.
private func sequenceLength(_ base: UnsafeRawPointer, _ offset: Int, _ end: Int, _ lead: UInt8) -> Int? {
    let length: Int
    var secondRange: ClosedRange<UInt8> = 0x80...0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; secondRange = 0xA0...0xBF
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED: length = 3; secondRange = 0x80...0x9F
    case 0xF0: length = 4; secondRange = 0x90...0xBF
    case 0xF1...0xF3: length = 4
    case 0xF4: length = 4; secondRange = 0x80...0x8F
    default: return nil
    }
    guard end - offset >= length else { return nil }
    guard secondRange.contains(base.load(fromByteOffset: offset + 1, as: UInt8.self)) else { return nil }
    for continuation in 2..<length {
        guard (0x80...0xBF).contains(base.load(fromByteOffset: offset + continuation, as: UInt8.self)) else {
            return nil
        }
    }
    return length
}
