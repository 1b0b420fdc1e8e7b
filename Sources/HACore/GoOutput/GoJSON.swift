/// juju/cmd `FormatJson`: compact `encoding/json` plus a newline.
public func formatJSON(_ value: GoValue) -> String {
    jsonText(value.node(for: .json)) + "\n"
}

func jsonText(_ node: GoNode) -> String {
    switch node {
    case .mapping(let entries):
        return "{" + entries.map { jsonString($0.0) + ":" + jsonText($0.1) }.joined(separator: ",") + "}"
    case .sequence(let items):
        return "[" + items.map(jsonText).joined(separator: ",") + "]"
    case .scalar(.string(let text)): return jsonString(text)
    case .scalar(.int(let n)): return String(n)
    case .scalar(.bool(let b)): return b ? "true" : "false"
    case .scalar(.flowStrings(let items)): return "[" + items.map(jsonString).joined(separator: ",") + "]"
    case .scalar: return "{}"
    }
}

/// `encoding/json` string escaping. Go escapes `<`, `>`, `&` (and U+2028/9) by default so the
/// text is safe inside HTML; Juju never turns that off.
public func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "<", ">", "&", "\u{2028}", "\u{2029}": out += "\\u" + hexDigits(scalar.value, width: 4, uppercase: false)
        default:
            if scalar.value < 0x20 {
                out += "\\u" + hexDigits(scalar.value, width: 4, uppercase: false)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// `value` in hex, zero-padded to `width` digits.
func hexDigits(_ value: UInt32, width: Int, uppercase: Bool) -> String {
    let digits = String(value, radix: 16, uppercase: uppercase)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
