import BSON

extension Peergrouper {
    /// Why `isMaster` could not decide.
    public enum IsMasterError: Error, Equatable, CustomStringConvertible {
        /// The reply's `primary` is not "host:port"; the text is Go's `net.SplitHostPort` error.
        case badPrimaryAddress(address: String, reason: String)

        public var description: String {
            switch self {
            case let .badPrimaryAddress(address, reason): return "address \(address): \(reason)"
            }
        }
    }

    /// `mongo.IsMaster` (§3.10), which gates the singular workers: is the machine whose peer
    /// address (the cloud-local address, no port) is `peerAddress` the replica set's primary,
    /// according to an `isMaster`/`hello` reply? With no `primary` in the reply the set is not
    /// configured yet (`ErrMasterNotConfigured`), and then the only server must be the master.
    /// Only the host parts are compared, so a primary on another port still counts.
    public static func isMaster(reply: Document, peerAddress: String) throws(IsMasterError) -> Bool {
        let primary = reply["primary"]?.stringValue ?? ""
        if primary.isEmpty { return true }
        let host = try splitHostPort(primary).host
        return host == peerAddress
    }

    /// Go's `net.SplitHostPort`: "host:port" or "[host]:port", with its error texts.
    static func splitHostPort(_ text: String) throws(IsMasterError) -> (host: String, port: String) {
        let bytes = Array(text.utf8)
        func fail(_ reason: String) -> IsMasterError { .badPrimaryAddress(address: text, reason: reason) }
        guard let colon = bytes.lastIndex(of: UInt8(ascii: ":")) else { throw fail("missing port in address") }
        let host: ArraySlice<UInt8>
        // Where Go looks for stray brackets: past the ones a bracketed host may use.
        var strayOpenFrom = 0, strayCloseFrom = 0
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { throw fail("missing ']' in address") }
            if close + 1 == bytes.count { throw fail("missing port in address") }
            if close + 1 != colon {
                throw fail(bytes[close + 1] == UInt8(ascii: ":") ? "too many colons in address" : "missing port in address")
            }
            host = bytes[1..<close]
            strayOpenFrom = 1
            strayCloseFrom = close + 1
        } else {
            host = bytes[..<colon]
            if host.contains(UInt8(ascii: ":")) { throw fail("too many colons in address") }
        }
        if bytes[strayOpenFrom...].contains(UInt8(ascii: "[")) { throw fail("unexpected '[' in address") }
        if bytes[strayCloseFrom...].contains(UInt8(ascii: "]")) { throw fail("unexpected ']' in address") }
        return (String(decoding: host, as: UTF8.self), String(decoding: bytes[(colon + 1)...], as: UTF8.self))
    }
}
