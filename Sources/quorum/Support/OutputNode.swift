/// A value to print in Juju's yaml or json formats. Maps keep their insertion order, which is
/// the field order of Juju's Go structs; Go sorts map keys, so callers add map entries sorted.
indirect enum OutputNode: Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case map([(String, OutputNode)])
    case list([OutputNode])

    static func == (a: OutputNode, b: OutputNode) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case let (.list(x), .list(y)): return x == y
        case let (.map(x), .map(y)): return x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
        default: return false
        }
    }
}

/// Renders an `OutputNode` the way go-yaml (v2) marshals: two-space indentation, sequences at
/// their key's indentation, and strings quoted only when they would read back as something else.
enum YAMLRenderer {
    static func render(_ node: OutputNode) -> String {
        var out = ""
        switch node {
        case .map(let entries) where !entries.isEmpty: renderMap(entries, indent: 0, into: &out)
        case .list(let items) where !items.isEmpty: renderList(items, indent: 0, into: &out)
        default: out = inline(node) + "\n"
        }
        return out
    }

    private static func renderMap(_ entries: [(String, OutputNode)], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for (key, value) in entries {
            let k = scalar(key)
            switch value {
            case .map(let inner) where !inner.isEmpty:
                out += "\(pad)\(k):\n"
                renderMap(inner, indent: indent + 2, into: &out)
            case .list(let items) where !items.isEmpty:
                out += "\(pad)\(k):\n"
                renderList(items, indent: indent, into: &out)
            default:
                out += "\(pad)\(k): \(inline(value))\n"
            }
        }
    }

    private static func renderList(_ items: [OutputNode], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for item in items {
            switch item {
            case .map(let inner) where !inner.isEmpty:
                var nested = ""
                renderMap(inner, indent: indent + 2, into: &nested)
                out += pad + "- " + nested.dropFirst(indent + 2)
            default:
                out += "\(pad)- \(inline(item))\n"
            }
        }
    }

    private static func inline(_ node: OutputNode) -> String {
        switch node {
        case .string(let s): return scalar(s)
        case .int(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .map: return "{}"
        case .list: return "[]"
        }
    }

    /// Plain when unambiguous, else double-quoted as go-yaml does (`"0"`, `"true"`, `""`).
    static func scalar(_ s: String) -> String {
        needsQuotes(s) ? quoted(s) : s
    }

    private static let reserved: Set<String> = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
        "True", "False", "Yes", "No", "On", "Off", "Y", "N", "Null", "NULL", "TRUE", "FALSE", "YES", "NO", "ON", "OFF",
    ]

    private static func needsQuotes(_ s: String) -> Bool {
        if s.isEmpty || reserved.contains(s) { return true }
        if Int(s) != nil || Double(s) != nil || s.hasPrefix("0x") || s == ".inf" || s == ".nan" { return true }
        if let first = s.first, "-?:,[]{}#&*!|>'\"%@` ".contains(first) {
            // A dash starts a plain scalar only when something other than a space follows it.
            let plainDash = first == "-" && s.count > 1 && !s.dropFirst().hasPrefix(" ")
            if !plainDash { return true }
        }
        if s.hasSuffix(" ") || s.hasSuffix(":") || s.contains(": ") || s.contains(" #") || s.contains("\n") || s.contains("\t") { return true }
        return false
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}

/// Renders an `OutputNode` as Go's `encoding/json` marshals: compact, `<`, `>` and `&` escaped.
enum JSONRenderer {
    static func render(_ node: OutputNode) -> String { encode(node) + "\n" }

    private static func encode(_ node: OutputNode) -> String {
        switch node {
        case .string(let s): return string(s)
        case .int(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .map(let entries): return "{" + entries.map { string($0.0) + ":" + encode($0.1) }.joined(separator: ",") + "}"
        case .list(let items): return "[" + items.map(encode).joined(separator: ",") + "]"
        }
    }

    private static func string(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            default:
                if ch.value < 0x20 {
                    let hex = String(ch.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        return out + "\""
    }
}

/// Juju's tabular output: cells padded to the widest in their column plus two spaces, the last
/// column unpadded, right-aligned columns where Juju right-aligns them.
struct Table {
    var rows: [[String]] = []
    var rightAligned: Set<Int> = []

    init(header: [String], rightAligned: Set<Int> = []) {
        rows = [header]
        self.rightAligned = rightAligned
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                let isLast = i == row.count - 1
                let fill = String(repeating: " ", count: widths[i] - cell.count)
                if rightAligned.contains(i) {
                    line += fill + cell
                } else {
                    line += cell + (isLast ? "" : fill)
                }
                if !isLast { line += "  " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
