import BSON

/// Numeric comparison across int32, int64, double and decimal128, by value: NaN sorts below
/// every other number and equals itself, and -0.0 equals 0.
enum NumberOrder {
    static func compare(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case let (.double(l), .double(r)): return compareDoubles(l, r)
        case (.decimal128, _), (_, .decimal128):
            return NumericKey.compare(NumericKey(a)!, NumericKey(b)!)
        case let (.double(l), _): return -compare(integer: b.int64Value!, double: l)
        case let (_, .double(r)): return compare(integer: a.int64Value!, double: r)
        default: return ValueOrder.sign(a.int64Value!, b.int64Value!)
        }
    }

    private static func compareDoubles(_ a: Double, _ b: Double) -> Int {
        if a.isNaN || b.isNaN { return ValueOrder.sign(a.isNaN ? 0 : 1, b.isNaN ? 0 : 1) }
        return a < b ? -1 : (a == b ? 0 : 1)
    }

    /// Exact comparison of an integer with a double, without rounding the integer to a double.
    private static func compare(integer: Int64, double: Double) -> Int {
        if double.isNaN { return 1 }
        if double >= 9_223_372_036_854_775_808.0 { return -1 }
        if double < -9_223_372_036_854_775_808.0 { return 1 }
        let whole = double.rounded(.towardZero)
        let wholeInteger = Int64(whole)
        if integer != wholeInteger { return ValueOrder.sign(integer, wholeInteger) }
        let fraction = double - whole
        return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0)
    }
}

extension Value {
    /// True for the four numeric types.
    var isNumber: Bool { typeBracket == .number }

    /// The value as a double, for arithmetic that has already been promoted to double.
    var numericDouble: Double? {
        switch self {
        case let .int32(number): return Double(number)
        case let .int64(number): return Double(number)
        case let .double(number): return number
        case let .decimal128(number): return Double(number.description)
        default: return nil
        }
    }

    /// The value as an exact integer when it is a whole number (e.g. a `limit` sent as 5.0).
    var wholeNumber: Int64? {
        switch self {
        case .int32, .int64: return int64Value
        case let .double(number):
            guard number.rounded() == number, abs(number) < 9.2e18 else { return nil }
            return Int64(number)
        case .decimal128:
            guard let double = numericDouble, double.rounded() == double, abs(double) < 9.2e18 else { return nil }
            return Int64(double)
        default: return nil
        }
    }
}

/// `$inc` and `$mul` arithmetic with mongod's type promotion: int32 results that overflow become
/// int64, anything with a double is a double, anything with a decimal is a decimal; int64
/// overflow is an error (nil).
enum NumberArithmetic {
    enum Operation { case add, multiply }

    static func apply(_ operation: Operation, _ a: Value, _ b: Value) -> Value? {
        switch (a, b) {
        case (.decimal128, _), (_, .decimal128):
            return .decimal128(decimal(operation, decimalKey(a), decimalKey(b)))
        case (.double, _), (_, .double):
            let l = a.numericDouble!, r = b.numericDouble!
            return .double(operation == .add ? l + r : l * r)
        case let (.int32(l), .int32(r)):
            let (result, overflow) = operation == .add ? l.addingReportingOverflow(r) : l.multipliedReportingOverflow(by: r)
            return overflow ? apply(operation, .int64(Int64(l)), .int64(Int64(r))) : .int32(result)
        default:
            let l = a.int64Value!, r = b.int64Value!
            let (result, overflow) = operation == .add ? l.addingReportingOverflow(r) : l.multipliedReportingOverflow(by: r)
            return overflow ? nil : .int64(result)
        }
    }

    /// A double joins decimal arithmetic rounded to 15 digits, as mongod converts it.
    private static func decimalKey(_ value: Value) -> NumericKey {
        if case let .double(number) = value, case let .finite(exact) = NumericKey(number) {
            return .finite(exact.rounded(toSignificantDigits: 15))
        }
        return NumericKey(value)!
    }

    private static func decimal(_ operation: Operation, _ a: NumericKey, _ b: NumericKey) -> Decimal128 {
        switch (a, b) {
        case let (.finite(l), .finite(r)):
            let exact = operation == .add ? l + r : l * r
            return decimal128(exact.rounded(toSignificantDigits: 34))
        default:
            return decimal128(special(operation, a, b))
        }
    }

    /// IEEE rules for NaN and the infinities.
    private static func special(_ operation: Operation, _ a: NumericKey, _ b: NumericKey) -> NumericKey {
        switch (a, b) {
        case (.nan, _), (_, .nan): return .nan
        case (.positiveInfinity, .negativeInfinity), (.negativeInfinity, .positiveInfinity):
            return operation == .add ? .nan : .negativeInfinity
        case (.positiveInfinity, .positiveInfinity), (.negativeInfinity, .negativeInfinity):
            return operation == .add ? a : .positiveInfinity
        case let (.finite(x), infinity), let (infinity, .finite(x)):
            guard operation == .multiply else { return infinity }
            if x.digits.isEmpty { return .nan }
            let flip = x.isNegative
            if case .positiveInfinity = infinity { return flip ? .negativeInfinity : .positiveInfinity }
            return flip ? .positiveInfinity : .negativeInfinity
        }
    }

    private static func decimal128(_ key: NumericKey) -> Decimal128 {
        switch key {
        case .nan: return Decimal128("NaN")!
        case .negativeInfinity: return Decimal128("-Infinity")!
        case .positiveInfinity: return Decimal128("Infinity")!
        case let .finite(exact): return decimal128(exact)
        }
    }

    /// Out-of-range exponents saturate: tiny values become zero and huge ones infinity.
    private static func decimal128(_ exact: ExactDecimal) -> Decimal128 {
        if let decimal = Decimal128(exact.scientificText) { return decimal }
        if exact.exponent < 0 { return Decimal128(exact.isNegative ? "-0" : "0")! }
        return Decimal128(exact.isNegative ? "-Infinity" : "Infinity")!
    }
}
