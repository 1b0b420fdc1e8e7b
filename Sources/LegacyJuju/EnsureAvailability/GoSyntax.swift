/// Go's formatting of the values that appear inside Juju's error texts, so messages built with
/// `%q` or `strconv` match byte for byte.
enum GoSyntax {
    /// `strconv.Quote`: double quotes, Go escapes for control characters, printable text as is.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            out += escaped(scalar)
        }
        return out + "\""
    }

    /// `fmt.Sprintf("%q", []string{…})`: `["a" "b"]`.
    static func quote(list: [String]) -> String {
        "[" + list.map(quote).joined(separator: " ") + "]"
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\"": return "\\\""
        case "\\": return "\\\\"
        case "\u{07}": return "\\a"
        case "\u{08}": return "\\b"
        case "\u{0C}": return "\\f"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\u{0B}": return "\\v"
        default: break
        }
        let value = scalar.value
        if value < 0x20 || value == 0x7F { return "\\x" + hex(value, width: 2) }
        if (0x80..<0xA0).contains(value) { return "\\u" + hex(value, width: 4) }
        return String(scalar)
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Why `strconv.ParseInt` refused a text.
    enum ParseIntFailure: Error, Equatable {
        case syntax, range

        func message(for text: String) -> String {
            "strconv.ParseInt: parsing \(GoSyntax.quote(text)): " + (self == .syntax ? "invalid syntax" : "value out of range")
        }
    }

    /// `strconv.ParseInt(text, 0, 64)` of the Go release Juju 1.x was built with: an optional sign,
    /// then `0x` hex, a leading `0` for octal, or decimal.
    static func parseInt(_ text: String) -> Result<Int64, ParseIntFailure> {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        let (radix, body) = radixAndBody(digits)
        guard !body.isEmpty, body.allSatisfy({ digitValue($0, radix: radix) != nil }) else { return .failure(.syntax) }
        guard let magnitude = accumulate(body, radix: radix) else { return .failure(.range) }
        return signed(magnitude, negative: negative)
    }

    private static func radixAndBody(_ digits: Substring) -> (Int, Substring) {
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { return (16, digits.dropFirst(2)) }
        if digits.hasPrefix("0"), digits.count > 1 { return (8, digits.dropFirst()) }
        return (10, digits)
    }

    /// An ASCII digit's value in `radix`, or nil.
    private static func digitValue(_ character: Character, radix: Int) -> Int? {
        guard let ascii = character.asciiValue else { return nil }
        let value: Int
        switch ascii {
        case 0x30...0x39: value = Int(ascii - 0x30)
        case 0x61...0x66: value = Int(ascii - 0x61) + 10
        case 0x41...0x46: value = Int(ascii - 0x41) + 10
        default: return nil
        }
        return value < radix ? value : nil
    }

    /// The unsigned value of valid digits, or nil on overflow past 2^64 - 1.
    private static func accumulate(_ body: Substring, radix: Int) -> UInt64? {
        var value: UInt64 = 0
        for character in body {
            let digit = UInt64(digitValue(character, radix: radix) ?? 0)
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: UInt64(radix))
            let (sum, overflowB) = shifted.addingReportingOverflow(digit)
            if overflowA || overflowB { return nil }
            value = sum
        }
        return value
    }

    private static func signed(_ magnitude: UInt64, negative: Bool) -> Result<Int64, ParseIntFailure> {
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return .failure(.range) }
            return .success(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else { return .failure(.range) }
        return .success(Int64(magnitude))
    }
}
