/// go-yaml v2's choice of style for a string: double quotes when plain text would read back
/// as another type (`"0"`, `"2.4"`, `"yes"`) or holds unprintable characters, single quotes
/// when the emitter refuses it as plain (`'10.0.0.1:17070'` inside a flow sequence), else plain.
public func yamlScalar(_ text: String, inFlow: Bool) -> String {
    if yamlResolvesToNonString(text) || !text.unicodeScalars.allSatisfy(yamlPrintable) {
        return yamlDoubleQuoted(text)
    }
    if yamlPlainAllowed(text, inFlow: inFlow) { return text }
    return "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
}

func yamlPrintable(_ scalar: Unicode.Scalar) -> Bool {
    (0x20...0x7E).contains(scalar.value) || scalar.value >= 0xA0 && scalar.value != 0xFEFF
}

func yamlDoubleQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if yamlPrintable(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\x" + hexDigits(scalar.value & 0xFF, width: 2, uppercase: true)
            }
        }
    }
    return out + "\""
}

/// libyaml's analysis of whether a scalar may be written plain, for the printable text that
/// reaches it (unprintable text is double-quoted before this is asked).
func yamlPlainAllowed(_ text: String, inFlow: Bool) -> Bool {
    let chars = Array(text)
    guard let first = chars.first, let last = chars.last else { return false }
    if first == " " || last == " " || text.hasPrefix("---") || text.hasPrefix("...") { return false }
    if "#,[]{}&*!|>'\"%@`".contains(first) { return false }
    return chars.indices.allSatisfy { !indicatorForbidsPlain(chars, at: $0, inFlow: inFlow) }
}

/// Whether the character at `i` is an indicator where it stands: `- `, `? ` and `: ` always,
/// `?`, `:` and the flow punctuation anywhere inside a flow collection, ` #` everywhere.
private func indicatorForbidsPlain(_ chars: [Character], at i: Int, inFlow: Bool) -> Bool {
    let c = chars[i]
    let nextIsSpace = i + 1 == chars.count || chars[i + 1] == " "
    switch c {
    case "-": return i == 0 && nextIsSpace
    case "?": return inFlow || (i == 0 && nextIsSpace)
    case ":": return inFlow || nextIsSpace
    case ",", "[", "]", "{", "}": return inFlow
    case "#": return i > 0 && chars[i - 1] == " "
    default: return false
    }
}
