/// A minimal JSON parser that keeps object member order, for comparing libbson's extended JSON
/// with pymongo's. The two differ in formatting (libbson writes `{ "a" : 1 }`, pymongo `{"a": 1}`;
/// pymongo escapes non-ASCII as `\uXXXX`, libbson writes UTF-8) and in how canonical
/// `$numberDouble` strings are spelled (libbson prints 20 significant digits, "1.0000000000000000525e+300",
/// pymongo the shortest repr, "1e+300"). Parsing and normalising removes exactly those differences.
indirect enum JSONTree: Equatable, CustomStringConvertible {
    case object([Member])
    case array([JSONTree])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    struct Member: Equatable {
        let key: String
        let value: JSONTree
    }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    /// Parses one JSON value that fills `text`.
    static func parse(_ text: String) throws -> JSONTree {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.position == parser.scalars.count else { throw parser.failure("trailing characters") }
        return value
    }

    /// The same tree with every `{"$numberDouble": s}` respelled as Swift's shortest form of `s`,
    /// so two spellings of one double compare equal while different doubles still differ.
    var normalised: JSONTree {
        switch self {
        case let .object(members):
            if members.count == 1, members[0].key == "$numberDouble", case let .string(text) = members[0].value,
               let number = Double(text) {
                return .object([Member(key: "$numberDouble", value: .string(spelling(number)))])
            }
            return .object(members.map { Member(key: $0.key, value: $0.value.normalised) })
        case let .array(values):
            return .array(values.map(\.normalised))
        default:
            return self
        }
    }

    var description: String {
        switch self {
        case let .object(members): return "{" + members.map { "\($0.key.debugDescription): \($0.value)" }
            .joined(separator: ", ") + "}"
        case let .array(values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        case let .string(text): return text.debugDescription
        case let .number(text): return text
        case let .bool(flag): return String(flag)
        case .null: return "null"
        }
    }
}

private func spelling(_ number: Double) -> String {
    number.isNaN ? "NaN" : "\(number)"
}

private struct Parser {
    let scalars: [Unicode.Scalar]
    var position = 0

    mutating func value() throws -> JSONTree {
        skipWhitespace()
        guard position < scalars.count else { throw failure("unexpected end") }
        switch scalars[position] {
        case "{": return try object()
        case "[": return try array()
        case "\"": return .string(try string())
        case "t": try literal("true"); return .bool(true)
        case "f": try literal("false"); return .bool(false)
        case "n": try literal("null"); return .null
        default: return try number()
        }
    }

    mutating func object() throws -> JSONTree {
        position += 1
        var members: [JSONTree.Member] = []
        skipWhitespace()
        if peek() == "}" {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            let key = try string()
            skipWhitespace()
            try expect(":")
            members.append(JSONTree.Member(key: key, value: try value()))
            skipWhitespace()
            if peek() == "}" {
                position += 1
                return .object(members)
            }
            try expect(",")
        }
    }

    mutating func array() throws -> JSONTree {
        position += 1
        var values: [JSONTree] = []
        skipWhitespace()
        if peek() == "]" {
            position += 1
            return .array(values)
        }
        while true {
            values.append(try value())
            skipWhitespace()
            if peek() == "]" {
                position += 1
                return .array(values)
            }
            try expect(",")
        }
    }

    mutating func string() throws -> String {
        try expect("\"")
        var result = String.UnicodeScalarView()
        while true {
            guard position < scalars.count else { throw failure("unterminated string") }
            let scalar = scalars[position]
            position += 1
            switch scalar {
            case "\"": return String(result)
            case "\\": result.append(try escape())
            default: result.append(scalar)
            }
        }
    }

    mutating func escape() throws -> Unicode.Scalar {
        guard position < scalars.count else { throw failure("unterminated escape") }
        let code = scalars[position]
        position += 1
        switch code {
        case "\"", "\\", "/": return code
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "u": return try unicodeEscape()
        default: throw failure("bad escape \\\(code)")
        }
    }

    /// `\uXXXX`, joining a UTF-16 surrogate pair written as two escapes.
    mutating func unicodeEscape() throws -> Unicode.Scalar {
        let first = try hex4()
        if (0xD800...0xDBFF).contains(first) {
            try expect("\\")
            try expect("u")
            let second = try hex4()
            let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            guard (0xDC00...0xDFFF).contains(second), let scalar = Unicode.Scalar(combined) else {
                throw failure("bad surrogate pair")
            }
            return scalar
        }
        guard let scalar = Unicode.Scalar(first) else { throw failure("lone surrogate") }
        return scalar
    }

    mutating func hex4() throws -> UInt32 {
        guard position + 4 <= scalars.count,
              let value = UInt32(String(String.UnicodeScalarView(scalars[position..<(position + 4)])), radix: 16)
        else { throw failure("bad \\u escape") }
        position += 4
        return value
    }

    mutating func number() throws -> JSONTree {
        let start = position
        while position < scalars.count, "+-0123456789.eE".unicodeScalars.contains(scalars[position]) {
            position += 1
        }
        guard position > start else { throw failure("unexpected character \(scalars[start])") }
        return .number(String(String.UnicodeScalarView(scalars[start..<position])))
    }

    mutating func literal(_ word: String) throws {
        for scalar in word.unicodeScalars {
            try expect(scalar)
        }
    }

    mutating func expect(_ scalar: Unicode.Scalar) throws {
        guard peek() == scalar else { throw failure("expected \(scalar)") }
        position += 1
    }

    func peek() -> Unicode.Scalar? {
        position < scalars.count ? scalars[position] : nil
    }

    mutating func skipWhitespace() {
        while let scalar = peek(), scalar == " " || scalar == "\n" || scalar == "\t" || scalar == "\r" {
            position += 1
        }
    }

    func failure(_ reason: String) -> JSONTree.ParseError {
        JSONTree.ParseError(description: "\(reason) at character \(position)")
    }
}
