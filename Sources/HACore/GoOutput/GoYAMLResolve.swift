/// The plain words go-yaml v2's resolver reads as null, bool, float or merge key.
private let yamlNonStringWords: Set<String> = [
    "", "~", "null", "Null", "NULL",
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
    "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    "<<",
]

/// go-yaml v2 `resolve`: whether plain `text` would read back as something other than a
/// string (null, bool, int, float, base-60 float), so the encoder must quote it.
func yamlResolvesToNonString(_ text: String) -> Bool {
    if yamlNonStringWords.contains(text) { return true }
    guard let first = text.first, "+-.0123456789".contains(first) else { return false }
    let plain = String(text.filter { $0 != "_" })
    return isGoInteger(plain) || isYAMLFloat(plain) || isBase60Float(text)
}

/// `strconv.ParseInt(s, 0, 64)`'s syntax: optional sign, then decimal, `0x`, `0o`, `0b` or
/// leading-0 octal.
func isGoInteger(_ text: String) -> Bool {
    var body = Substring(text)
    if body.first == "+" || body.first == "-" { body = body.dropFirst() }
    let lower = body.lowercased()
    let octal: (Character) -> Bool = { "01234567".contains($0) }
    if lower.hasPrefix("0x") { return lower.count > 2 && lower.dropFirst(2).allSatisfy(\.isHexDigit) }
    if lower.hasPrefix("0o") { return lower.count > 2 && lower.dropFirst(2).allSatisfy(octal) }
    if lower.hasPrefix("0b") { return lower.count > 2 && lower.dropFirst(2).allSatisfy { "01".contains($0) } }
    if lower.hasPrefix("0") && lower.count > 1 { return lower.allSatisfy(octal) }
    return !lower.isEmpty && lower.allSatisfy(isASCIIDigit)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
func isYAMLFloat(_ text: String) -> Bool {
    var rest = Substring(text)
    if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
    var mantissa = rest
    if let e = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = rest[..<e]
        guard isSignedDigits(rest[rest.index(after: e)...]) else { return false }
    }
    let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard parts.allSatisfy({ $0.allSatisfy(isASCIIDigit) }) else { return false }
    if parts.count == 1 { return !parts[0].isEmpty }
    return parts[0].isEmpty ? !parts[1].isEmpty : true
}

/// `[-+]?[0-9]+`, an exponent.
private func isSignedDigits(_ text: Substring) -> Bool {
    var digits = text
    if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
    return !digits.isEmpty && digits.allSatisfy(isASCIIDigit)
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`, e.g. `1:20`.
func isBase60Float(_ text: String) -> Bool {
    var rest = Substring(text)
    if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
    let digitOrUnderscore: (Character) -> Bool = { isASCIIDigit($0) || $0 == "_" }
    let fraction = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    if fraction.count == 2, !fraction[1].allSatisfy(digitOrUnderscore) { return false }
    let groups = fraction[0].split(separator: ":", omittingEmptySubsequences: false)
    guard groups.count >= 2, let head = groups[0].first, isASCIIDigit(head),
          groups[0].allSatisfy(digitOrUnderscore) else { return false }
    return groups.dropFirst().allSatisfy(isSexagesimalDigits)
}

/// `[0-5]?[0-9]`
private func isSexagesimalDigits(_ group: Substring) -> Bool {
    guard (1...2).contains(group.count), group.allSatisfy(isASCIIDigit) else { return false }
    return group.count == 1 || "012345".contains(group.first!)
}
