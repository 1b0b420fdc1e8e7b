/// How go-yaml writes a string inside a flow sequence: plain when it would read back as the
/// same string, double-quoted when plain text would read as a number, boolean or null (so
/// machine ids print as `"0"`), single-quoted when indicators forbid plain text.
enum GoYAML {
    static func scalar(_ text: String) -> String {
        if resolvesToNonString(text) { return doubleQuoted(text) }
        if plainAllowedInFlow(text) { return text }
        return "'" + text.map { $0 == "'" ? "''" : String($0) }.joined() + "'"
    }

    private static let nonStringWords: Set<String> = [
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", "<<",
    ]

    /// go-yaml's resolver: the special words, and anything starting like a number that parses as one.
    static func resolvesToNonString(_ text: String) -> Bool {
        if nonStringWords.contains(text) { return true }
        guard let first = text.first, "+-.0123456789".contains(first) else { return false }
        let plain = String(text.filter { $0 != "_" })
        if case .success = GoSyntax.parseInt(plain) { return true }
        if plain.hasPrefix("0b"), plain.count > 2, plain.dropFirst(2).allSatisfy({ $0 == "0" || $0 == "1" }) { return true }
        let floatCharacters = plain.allSatisfy { "+-.0123456789eE".contains($0) }
        return floatCharacters && plain.contains(where: \.isNumber) && Double(plain) != nil
    }

    /// The emitter's analysis for plain scalars in flow context.
    private static func plainAllowedInFlow(_ text: String) -> Bool {
        let characters = Array(text)
        guard let first = characters.first, let last = characters.last else { return false }
        if first == " " || last == " " { return false }
        if "#,[]{}&*!|>'\"%@`?:".contains(first) { return false }
        if first == "-", characters.count == 1 || characters[1] == " " { return false }
        for (index, character) in characters.enumerated() {
            if ",?[]{}:".contains(character) { return false }
            if character == "#", index > 0, characters[index - 1] == " " { return false }
            if character.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return false }
        }
        return true
    }

    private static func doubleQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                out += scalar.value < 0x20 ? "\\x" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 2) : String(scalar)
            }
        }
        return out + "\""
    }
}

/// `encoding/json`'s string encoding, HTML-safe as Go's is by default.
enum GoJSON {
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}": out += unicodeEscape(scalar.value)
            default: out += scalar.value < 0x20 ? unicodeEscape(scalar.value) : String(scalar)
            }
        }
        return out + "\""
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        "\\u" + String(value, radix: 16).leftPadded(to: 4)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
