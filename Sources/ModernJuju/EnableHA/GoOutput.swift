/// A struct field with its `yaml:` and `json:` names; `nil` leaves it out of that format
/// (`json:"-"`). Omitted-when-empty fields are simply not built.
public struct GoField: Sendable {
    public var yaml: String?
    public var json: String?
    public var value: GoValue

    public init(_ name: String, _ value: GoValue) { self.init(yaml: name, json: name, value) }
    public init(yaml: String?, json: String?, _ value: GoValue) {
        self.yaml = yaml
        self.json = json
        self.value = value
    }
}

/// A document as Juju's Go types would marshal it. Struct fields keep their declared order;
/// Go maps are sorted when written, the way each Go encoder sorts them, so nothing depends on
/// hashing.
public indirect enum GoValue: Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    /// A `[]string`; flow style in YAML (`yaml:",flow"`) as every list here is.
    case flowStrings([String])
    case fields([GoField])
    case map([(String, GoValue)])
}

/// A format-resolved mapping: keys and order fixed.
enum ResolvedGoValue {
    case scalar(GoValue)
    case mapping([(String, ResolvedGoValue)])
}

func resolveGoValue(_ value: GoValue, yaml: Bool) -> ResolvedGoValue {
    switch value {
    case .fields(let fields):
        return .mapping(fields.compactMap { f in (yaml ? f.yaml : f.json).map { ($0, resolveGoValue(f.value, yaml: yaml)) } })
    case .map(let entries):
        let sorted = entries.sorted { yaml ? yamlKeyLess($0.0, $1.0) : jsonKeyLess($0.0, $1.0) }
        return .mapping(sorted.map { ($0.0, resolveGoValue($0.1, yaml: yaml)) })
    default:
        return .scalar(value)
    }
}

/// juju/cmd `FormatYaml`: go-yaml v2 block style, exactly one trailing newline.
public func formatYAML(_ value: GoValue) -> String {
    switch resolveGoValue(value, yaml: true) {
    case .mapping(let entries) where entries.isEmpty: return "{}\n"
    case .mapping(let entries): return yamlMapLines(entries, indent: 0).joined()
    case .scalar(let scalar): return yamlInline(scalar) + "\n"
    }
}

/// juju/cmd `FormatJson`: compact `encoding/json` plus a newline.
public func formatJSON(_ value: GoValue) -> String { jsonText(resolveGoValue(value, yaml: false)) + "\n" }

func yamlMapLines(_ entries: [(String, ResolvedGoValue)], indent: Int) -> [String] {
    let pad = String(repeating: " ", count: indent)
    var lines: [String] = []
    for (key, value) in entries {
        let head = pad + yamlScalar(key, inFlow: false) + ":"
        switch value {
        case .mapping(let children) where children.isEmpty:
            lines.append(head + " {}\n")
        case .mapping(let children):
            lines.append(head + "\n")
            lines += yamlMapLines(children, indent: indent + 2)
        case .scalar(.string(let text)) where text.contains("\n") && !yamlResolvesToNonString(text):
            lines.append(head + " " + yamlLiteralBlock(text, indent: indent + 2))
        case .scalar(let scalar):
            lines.append(head + " " + yamlInline(scalar) + "\n")
        }
    }
    return lines
}

func yamlInline(_ value: GoValue) -> String {
    switch value {
    case .string(let text): return yamlScalar(text, inFlow: false)
    case .int(let n): return String(n)
    case .bool(let b): return b ? "true" : "false"
    case .flowStrings(let items): return "[" + items.map { yamlScalar($0, inFlow: true) }.joined(separator: ", ") + "]"
    case .fields, .map: return "{}"
    }
}

/// go-yaml writes multi-line strings as literal blocks; `|` keeps one final newline, `|-` none.
func yamlLiteralBlock(_ text: String, indent: Int) -> String {
    let pad = String(repeating: " ", count: indent)
    let chomp = text.hasSuffix("\n") ? "|" : "|-"
    let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
    let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
    return chomp + "\n" + lines.map { $0.isEmpty ? "\n" : pad + $0 + "\n" }.joined()
}

/// go-yaml v2's choice of style: double quotes when the plain text would read back as
/// another type (`"0"`, `"2.4"`, `"yes"`), single quotes when the emitter refuses it as plain
/// (`'10.0.0.1:17070'` inside a flow sequence), otherwise plain.
func yamlScalar(_ text: String, inFlow: Bool) -> String {
    if yamlResolvesToNonString(text) || !text.unicodeScalars.allSatisfy(yamlPrintable) {
        return yamlDoubleQuoted(text)
    }
    if yamlPlainAllowed(text, inFlow: inFlow) { return text }
    return "'" + text.replacingAll("'", with: "''") + "'"
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
            if yamlPrintable(scalar) { out.unicodeScalars.append(scalar) } else { out += "\\x" + hex2(scalar.value) }
        }
    }
    return out + "\""
}

func hex2(_ value: UInt32) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(value >> 4) & 15], digits[Int(value) & 15]])
}

/// libyaml's scalar analysis, restricted to the printable ASCII/Unicode Juju prints.
func yamlPlainAllowed(_ text: String, inFlow: Bool) -> Bool {
    let chars = Array(text)
    guard let first = chars.first, let last = chars.last else { return false }
    if first == " " || last == " " || text.hasPrefix("---") || text.hasPrefix("...") { return false }
    if "#,[]{}&*!|>'\"%@`".contains(first) { return false }
    for (i, c) in chars.enumerated() {
        let nextIsSpace = i + 1 == chars.count || chars[i + 1] == " "
        if c == "-" && i == 0 && nextIsSpace { return false }
        if c == "?" && i == 0 && (inFlow || nextIsSpace) { return false }
        if ",[]{}".contains(c) && inFlow { return false }
        if c == "?" && inFlow { return false }
        if c == ":" && (inFlow || nextIsSpace) { return false }
        if c == "#" && i > 0 && chars[i - 1] == " " { return false }
    }
    return true
}

/// go-yaml v2 `resolve`: null, bool (including yes/no/on/off), int, float and base-60 float.
func yamlResolvesToNonString(_ text: String) -> Bool {
    let words: Set<String> = [
        "", "~", "null", "Null", "NULL",
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    ]
    if words.contains(text) { return true }
    guard let first = text.first, "+-.0123456789".contains(first) else { return false }
    let plain = text.replacingAll("_", with: "")
    return isGoInteger(plain) || isYAMLFloat(plain) || isBase60Float(text)
}

/// `strconv.ParseInt(s, 0, 64)`: optional sign, then decimal, `0x`, `0o`, `0b` or leading-0 octal.
func isGoInteger(_ text: String) -> Bool {
    var body = Substring(text)
    if body.first == "+" || body.first == "-" { body = body.dropFirst() }
    let lower = body.lowercased()
    if lower.hasPrefix("0x") { return lower.count > 2 && lower.dropFirst(2).allSatisfy(\.isHexDigit) }
    if lower.hasPrefix("0o") { return lower.count > 2 && lower.dropFirst(2).allSatisfy { "01234567".contains($0) } }
    if lower.hasPrefix("0b") { return lower.count > 2 && lower.dropFirst(2).allSatisfy { "01".contains($0) } }
    if lower.hasPrefix("0") && lower.count > 1 { return lower.allSatisfy { "01234567".contains($0) } }
    return !lower.isEmpty && lower.allSatisfy(isASCIIDigit)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
func isYAMLFloat(_ text: String) -> Bool {
    var rest = Substring(text)
    if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
    var mantissa = rest, exponent: Substring? = nil
    if let e = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = rest[..<e]
        exponent = rest[rest.index(after: e)...]
    }
    if var exp = exponent {
        if exp.first == "+" || exp.first == "-" { exp = exp.dropFirst() }
        guard !exp.isEmpty, exp.allSatisfy(isASCIIDigit) else { return false }
    }
    let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard parts.allSatisfy({ $0.allSatisfy(isASCIIDigit) }) else { return false }
    if parts.count == 1 { return !parts[0].isEmpty }
    return parts[0].isEmpty ? !parts[1].isEmpty : true
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`, e.g. `1:20`.
func isBase60Float(_ text: String) -> Bool {
    var rest = Substring(text)
    if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
    let fraction = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    if fraction.count == 2, !fraction[1].allSatisfy({ isASCIIDigit($0) || $0 == "_" }) { return false }
    let groups = fraction[0].split(separator: ":", omittingEmptySubsequences: false)
    guard groups.count >= 2, let head = groups.first?.first, isASCIIDigit(head),
          groups[0].allSatisfy({ isASCIIDigit($0) || $0 == "_" }) else { return false }
    return groups.dropFirst().allSatisfy { g in
        (1...2).contains(g.count) && g.allSatisfy(isASCIIDigit) && (g.count == 1 || "012345".contains(g.first!))
    }
}

func isASCIIDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }

func jsonText(_ value: ResolvedGoValue) -> String {
    switch value {
    case .mapping(let entries):
        return "{" + entries.map { jsonString($0.0) + ":" + jsonText($0.1) }.joined(separator: ",") + "}"
    case .scalar(.string(let text)): return jsonString(text)
    case .scalar(.int(let n)): return String(n)
    case .scalar(.bool(let b)): return b ? "true" : "false"
    case .scalar(.flowStrings(let items)): return "[" + items.map(jsonString).joined(separator: ",") + "]"
    case .scalar: return "{}"
    }
}

/// `encoding/json` string escaping, including its HTML-safe `\u003c`, `\u003e`, `\u0026`.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "<", ">", "&", "\u{2028}", "\u{2029}": out += "\\u" + hex4(scalar.value)
        default:
            if scalar.value < 0x20 { out += "\\u" + hex4(scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}

func hex4(_ value: UInt32) -> String {
    let digits = Array("0123456789abcdef")
    return String((0..<4).reversed().map { digits[Int(value >> (UInt32($0) * 4)) & 15] })
}

/// go-yaml v2 sorts map keys "naturally": runs of digits compare as numbers (`"2"` < `"10"`).
func yamlKeyLess(_ a: String, _ b: String) -> Bool {
    var x = Substring(a), y = Substring(b)
    while let cx = x.first, let cy = y.first {
        if isASCIIDigit(cx) && isASCIIDigit(cy) {
            let nx = x.prefix(while: isASCIIDigit), ny = y.prefix(while: isASCIIDigit)
            let tx = nx.drop(while: { $0 == "0" }), ty = ny.drop(while: { $0 == "0" })
            if tx.count != ty.count { return tx.count < ty.count }
            if tx != ty { return tx < ty }
            x = x.dropFirst(nx.count)
            y = y.dropFirst(ny.count)
        } else {
            if cx != cy { return cx < cy }
            x = x.dropFirst()
            y = y.dropFirst()
        }
    }
    return x.isEmpty && !y.isEmpty
}

/// Go's `encoding/json` sorts map keys bytewise.
func jsonKeyLess(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }

extension String {
    /// Foundation-free replacement, so the module stays dependency-light.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
