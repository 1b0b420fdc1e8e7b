import BSON

/// A finite number held exactly as `±digits × 10^exponent`. Every int64, double and finite
/// decimal128 has such a form, so comparing and adding across those types is exact. Trailing
/// zeros are kept, as decimal arithmetic keeps them (1.0 + 2.0 is 3.0, not 3).
struct ExactDecimal: Equatable {
    /// True for negative values (never for zero).
    private(set) var isNegative: Bool
    /// Decimal digits, most significant first, without leading zeros; empty for zero.
    private(set) var digits: [UInt8]
    private(set) var exponent: Int

    init(isNegative: Bool, digits: [UInt8], exponent: Int) {
        let trimmed = digits.drop(while: { $0 == 0 })
        self.isNegative = isNegative && !trimmed.isEmpty
        self.digits = Array(trimmed)
        self.exponent = exponent
    }

    /// The digits without trailing zeros: equal values have equal significant digits.
    private var significantDigits: ArraySlice<UInt8> {
        digits[..<((digits.lastIndex { $0 != 0 } ?? -1) + 1)]
    }

    init(_ integer: Int64) {
        self.init(isNegative: integer < 0, digits: decimalDigits(of: integer.magnitude), exponent: 0)
    }

    /// The exact value of a finite double (its binary fraction always ends in finitely many decimals).
    init(_ double: Double) {
        let bits = double.bitPattern
        let biased = Int((bits >> 52) & 0x7FF)
        let fraction = bits & (1 << 52 - 1)
        let significand = biased == 0 ? fraction : fraction | 1 << 52
        let binaryExponent = biased == 0 ? -1074 : biased - 1075
        var digits = decimalDigits(of: significand)
        if binaryExponent >= 0 {
            multiply(&digits, byPowerOf: 2, count: binaryExponent)
            self.init(isNegative: double.sign == .minus, digits: digits, exponent: 0)
        } else {
            // m × 2^-k = m × 5^k × 10^-k
            multiply(&digits, byPowerOf: 5, count: -binaryExponent)
            self.init(isNegative: double.sign == .minus, digits: digits, exponent: binaryExponent)
        }
    }

    /// Negative, zero or positive as `a` is below, equal to or above `b`.
    static func compare(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
        if a.isNegative != b.isNegative { return a.isNegative ? -1 : 1 }
        let magnitude = compareMagnitudes(a, b)
        return a.isNegative ? -magnitude : magnitude
    }

    private static func compareMagnitudes(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
        if a.digits.isEmpty || b.digits.isEmpty { return ValueOrder.sign(a.digits.count, b.digits.count) }
        // The position of the leading digit decides, then the digits themselves (no trailing zeros).
        let orderA = a.digits.count + a.exponent, orderB = b.digits.count + b.exponent
        if orderA != orderB { return ValueOrder.sign(orderA, orderB) }
        return ValueOrder.compareBytes(a.significantDigits, b.significantDigits)
    }

    static func + (a: ExactDecimal, b: ExactDecimal) -> ExactDecimal {
        let exponent = min(a.exponent, b.exponent)
        let left = a.digits + Array(repeating: 0, count: a.exponent - exponent)
        let right = b.digits + Array(repeating: 0, count: b.exponent - exponent)
        if a.isNegative == b.isNegative {
            return ExactDecimal(isNegative: a.isNegative, digits: addMagnitudes(left, right), exponent: exponent)
        }
        let aIsLarger = compareMagnitudes(a, b) >= 0
        let difference = aIsLarger ? subtractMagnitudes(left, right) : subtractMagnitudes(right, left)
        return ExactDecimal(isNegative: aIsLarger ? a.isNegative : b.isNegative, digits: difference, exponent: exponent)
    }

    static func * (a: ExactDecimal, b: ExactDecimal) -> ExactDecimal {
        ExactDecimal(isNegative: a.isNegative != b.isNegative,
                     digits: multiplyMagnitudes(a.digits, b.digits),
                     exponent: a.exponent + b.exponent)
    }

    /// Rounded half-to-even to at most `count` significant digits, as IEEE decimal arithmetic rounds.
    func rounded(toSignificantDigits count: Int) -> ExactDecimal {
        guard digits.count > count else { return self }
        var kept = Array(digits.prefix(count))
        let dropped = digits[count...]
        let first = dropped.first!
        let tail = dropped.dropFirst().contains { $0 != 0 }
        let roundUp = first > 5 || (first == 5 && (tail || kept.last! % 2 == 1))
        var exponent = self.exponent + dropped.count
        if roundUp { kept = addMagnitudes(kept, [1]) }
        if kept.count > count {
            // 99…9 rounded up to 100…0: one digit too many, and it is a zero.
            kept.removeLast()
            exponent += 1
        }
        return ExactDecimal(isNegative: isNegative, digits: kept, exponent: exponent)
    }

    /// `[-]digitsE±exponent`, a form `Decimal128(_:)` parses.
    var scientificText: String {
        let sign = isNegative ? "-" : ""
        let mantissa = digits.isEmpty ? "0" : String(digits.map { Character(String($0)) })
        return "\(sign)\(mantissa)E\(exponent >= 0 ? "+" : "")\(exponent)"
    }
}

/// A number as comparison sees it: NaN below everything, then the infinities around the finite values.
enum NumericKey {
    case nan
    case negativeInfinity
    case finite(ExactDecimal)
    case positiveInfinity

    init?(_ value: Value) {
        switch value {
        case let .int32(number): self = .finite(ExactDecimal(Int64(number)))
        case let .int64(number): self = .finite(ExactDecimal(number))
        case let .double(number): self.init(number)
        case let .decimal128(number): self.init(decimalText: number.description)
        default: return nil
        }
    }

    init(_ double: Double) {
        if double.isNaN {
            self = .nan
        } else if double.isInfinite {
            self = double < 0 ? .negativeInfinity : .positiveInfinity
        } else {
            self = .finite(ExactDecimal(double))
        }
    }

    /// Parses the decimal128 string form ("1.5E+3", "-0", "NaN", "-Infinity").
    init(decimalText: String) {
        var text = Substring(decimalText)
        let negative = text.first == "-"
        if text.first == "-" || text.first == "+" { text = text.dropFirst() }
        if text.lowercased() == "nan" { self = .nan; return }
        if text.lowercased().hasPrefix("inf") { self = negative ? .negativeInfinity : .positiveInfinity; return }
        let parts = text.split(separator: "E", maxSplits: 1, omittingEmptySubsequences: false)
        let mantissa = parts[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let fraction = mantissa.count > 1 ? mantissa[1] : ""
        let digits = (mantissa[0] + fraction).compactMap { $0.wholeNumberValue.map(UInt8.init) }
        let exponent = (parts.count > 1 ? Int(parts[1]) ?? 0 : 0) - fraction.count
        self = .finite(ExactDecimal(isNegative: negative, digits: digits, exponent: exponent))
    }

    private var rank: Int {
        switch self {
        case .nan: return 0
        case .negativeInfinity: return 1
        case .finite: return 2
        case .positiveInfinity: return 3
        }
    }

    static func compare(_ a: NumericKey, _ b: NumericKey) -> Int {
        if case let .finite(l) = a, case let .finite(r) = b { return ExactDecimal.compare(l, r) }
        return ValueOrder.sign(a.rank, b.rank)
    }
}

/// The decimal digits of an unsigned integer, most significant first.
func decimalDigits(of number: UInt64) -> [UInt8] {
    number == 0 ? [] : String(number).utf8.map { $0 - UInt8(ascii: "0") }
}

/// Multiplies a most-significant-first digit string by `base^count`, in chunks that fit a UInt64.
private func multiply(_ digits: inout [UInt8], byPowerOf base: UInt64, count: Int) {
    var remaining = count
    let chunk = base == 2 ? 31 : 13
    while remaining > 0 {
        let step = min(remaining, chunk)
        var factor: UInt64 = 1
        for _ in 0..<step { factor *= base }
        multiply(&digits, bySmall: factor)
        remaining -= step
    }
}

private func multiply(_ digits: inout [UInt8], bySmall factor: UInt64) {
    var carry: UInt64 = 0
    for index in digits.indices.reversed() {
        let product = UInt64(digits[index]) * factor + carry
        digits[index] = UInt8(product % 10)
        carry = product / 10
    }
    if carry > 0 { digits.insert(contentsOf: decimalDigits(of: carry), at: 0) }
}

private func addMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
    var result: [UInt8] = []
    var carry: UInt8 = 0
    var left = a.reversed().makeIterator(), right = b.reversed().makeIterator()
    while true {
        let l = left.next(), r = right.next()
        if l == nil && r == nil { break }
        let sum = (l ?? 0) + (r ?? 0) + carry
        result.append(sum % 10)
        carry = sum / 10
    }
    if carry > 0 { result.append(carry) }
    return result.reversed()
}

/// `a - b` for magnitudes with `a >= b`, both aligned to the same exponent.
private func subtractMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
    var result: [UInt8] = []
    var borrow: Int = 0
    var right = b.reversed().makeIterator()
    for digit in a.reversed() {
        var difference = Int(digit) - Int(right.next() ?? 0) - borrow
        borrow = difference < 0 ? 1 : 0
        if difference < 0 { difference += 10 }
        result.append(UInt8(difference))
    }
    return result.reversed()
}

private func multiplyMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
    guard !a.isEmpty, !b.isEmpty else { return [] }
    var product = [Int](repeating: 0, count: a.count + b.count)
    for (i, l) in a.reversed().enumerated() {
        for (j, r) in b.reversed().enumerated() {
            product[i + j] += Int(l) * Int(r)
        }
    }
    var carry = 0
    for index in product.indices {
        let total = product[index] + carry
        product[index] = total % 10
        carry = total / 10
    }
    return product.reversed().map { UInt8($0) }
}
