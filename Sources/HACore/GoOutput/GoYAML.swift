/// juju/cmd `FormatYaml`: go-yaml v2 block style, two-space indentation, sequences at their
/// key's indentation, exactly one trailing newline.
public func formatYAML(_ value: GoValue) -> String {
    switch value.node(for: .yaml) {
    case .mapping(let entries) where !entries.isEmpty: return yamlMapLines(entries, indent: 0).joined()
    case .sequence(let items) where !items.isEmpty: return yamlListLines(items, indent: 0).joined()
    case let node: return yamlInline(node) + "\n"
    }
}

func yamlMapLines(_ entries: [(String, GoNode)], indent: Int) -> [String] {
    let pad = String(repeating: " ", count: indent)
    return entries.flatMap { key, value -> [String] in
        let head = pad + yamlScalar(key, inFlow: false) + ":"
        switch value {
        case .mapping(let children) where !children.isEmpty:
            return [head + "\n"] + yamlMapLines(children, indent: indent + 2)
        case .sequence(let items) where !items.isEmpty:
            // go-yaml does not indent a sequence under its key.
            return [head + "\n"] + yamlListLines(items, indent: indent)
        case .scalar(.string(let text)) where usesLiteralBlock(text):
            return [head + " " + yamlLiteralBlock(text, indent: indent + 2)]
        default:
            return [head + " " + yamlInline(value) + "\n"]
        }
    }
}

func yamlListLines(_ items: [GoNode], indent: Int) -> [String] {
    let pad = String(repeating: " ", count: indent)
    return items.flatMap { item -> [String] in
        switch item {
        case .mapping(let children) where !children.isEmpty:
            return dashed(yamlMapLines(children, indent: indent + 2), indent: indent)
        case .sequence(let children) where !children.isEmpty:
            return dashed(yamlListLines(children, indent: indent + 2), indent: indent)
        case .scalar(.string(let text)) where usesLiteralBlock(text):
            return [pad + "- " + yamlLiteralBlock(text, indent: indent + 2)]
        default:
            return [pad + "- " + yamlInline(item) + "\n"]
        }
    }
}

/// A nested block rendered two columns deeper starts on the dash's line: its first line's
/// indentation becomes `- `.
private func dashed(_ lines: [String], indent: Int) -> [String] {
    guard let first = lines.first else { return [] }
    let pad = String(repeating: " ", count: indent)
    return [pad + "- " + first.dropFirst(indent + 2)] + lines.dropFirst()
}

func yamlInline(_ node: GoNode) -> String {
    switch node {
    case .scalar(.string(let text)): return yamlScalar(text, inFlow: false)
    case .scalar(.int(let n)): return String(n)
    case .scalar(.bool(let b)): return b ? "true" : "false"
    case .scalar(.flowStrings(let items)): return "[" + items.map { yamlScalar($0, inFlow: true) }.joined(separator: ", ") + "]"
    case .sequence: return "[]"
    case .mapping, .scalar: return "{}"
    }
}

/// go-yaml writes a multi-line string that reads back as a string as a literal block.
func usesLiteralBlock(_ text: String) -> Bool {
    text.contains("\n") && !yamlResolvesToNonString(text)
}

/// The block after `key: `; `|` keeps one final newline, `|-` keeps none.
func yamlLiteralBlock(_ text: String, indent: Int) -> String {
    let pad = String(repeating: " ", count: indent)
    let chomp = text.hasSuffix("\n") ? "|" : "|-"
    let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
    let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
    return chomp + "\n" + lines.map { $0.isEmpty ? "\n" : pad + $0 + "\n" }.joined()
}
