/// Member addresses as mongod reads them: `host:port`, `[ipv6]:port`, or a bare host that means
/// port 27017. mongod stores the port explicitly, so two spellings of one address compare equal.
enum HostAndPort {
    static let defaultPort = 27017

    /// The stored spelling of `text`: surrounding blanks dropped and the port written out.
    static func canonical(_ text: String) throws(CommandError) -> String {
        let trimmed = String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        let (host, port) = try split(trimmed, original: text)
        guard !host.isEmpty else {
            throw .failedToParse("Empty host component parsing HostAndPort from \"\(text)\"")
        }
        let number = try portNumber(port, original: text)
        return host.contains(":") ? "[\(host)]:\(number)" : "\(host):\(number)"
    }

    /// `canonical(text)`, or `text` itself when it is not a valid address (lookups then simply miss).
    static func canonicalOrSelf(_ text: String) -> String {
        (try? canonical(text)) ?? text
    }

    /// True for the loopback names mongod treats as localhost (its all-or-none rule).
    static func isLocalHost(_ hostAndPort: String) -> Bool {
        let host = hostPart(of: hostAndPort)
        return host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }

    /// The host without its port or brackets.
    static func hostPart(of hostAndPort: String) -> String {
        guard let parts = try? split(hostAndPort, original: hostAndPort) else { return hostAndPort }
        return parts.0
    }

    private static func split(_ text: String, original: String) throws(CommandError) -> (String, String?) {
        if text.hasPrefix("[") {
            return try splitBracketed(text, original: original)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return (text, nil)
        case 2: return (String(parts[0]), String(parts[1]))
        default:
            throw .failedToParse("IPv6 addresses must be enclosed in brackets when parsing HostAndPort from \"\(original)\"")
        }
    }

    private static func splitBracketed(_ text: String, original: String) throws(CommandError) -> (String, String?) {
        guard let close = text.firstIndex(of: "]") else {
            throw .failedToParse("Missing ']' parsing HostAndPort from \"\(original)\"")
        }
        let host = String(text[text.index(after: text.startIndex)..<close])
        let rest = text[text.index(after: close)...]
        if rest.isEmpty { return (host, nil) }
        guard rest.hasPrefix(":") else {
            throw .failedToParse("Extraneous characters after ']' parsing HostAndPort from \"\(original)\"")
        }
        return (host, String(rest.dropFirst()))
    }

    private static func portNumber(_ port: String?, original: String) throws(CommandError) -> Int {
        guard let port else { return defaultPort }
        guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .failedToParse("Port number \"\(port)\" is not a number parsing HostAndPort from \"\(original)\"")
        }
        guard let number = Int(port), (1...65535).contains(number) else {
            throw .failedToParse("Port number \(port) out of range parsing HostAndPort from \"\(original)\"")
        }
        return number
    }
}
