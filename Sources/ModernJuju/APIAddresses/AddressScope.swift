/// Juju's `network.Scope` (core/network/address.go): how far an address can be reached from.
/// The empty raw value is "unknown".
public enum AddressScope: String, Codable, Sendable, CaseIterable {
    case unknown = ""
    case `public` = "public"
    case cloudLocal = "local-cloud"
    case fanLocal = "local-fan"
    case machineLocal = "local-machine"
    case linkLocal = "link-local"

    /// `deriveScope`: what Juju infers from an IP literal when nobody stated a scope. Host names
    /// and unparsable values keep `unknown`.
    public static func derived(from value: String) -> AddressScope {
        guard let ip = IPAddress(parsing: value) else { return .unknown }
        return ip.derivedScope
    }
}

/// `network.AddressType`, derived from the text the way `DeriveAddressType` does (an IPv4-mapped
/// IPv6 literal counts as IPv4, as Go's `To4` says).
public enum AddressType: String, Codable, Sendable {
    case hostname
    case ipv4
    case ipv6

    public static func derived(from value: String) -> AddressType {
        guard let ip = IPAddress(parsing: value) else { return .hostname }
        return ip.isIPv4 ? .ipv4 : .ipv6
    }
}

/// An IP address as 4 or 16 bytes, parsed without Foundation so that models stay pure.
/// IPv4-mapped IPv6 literals (`::ffff:10.0.0.1`) are kept as 16 bytes but report `isIPv4`.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(parsing text: String) {
        if let v4 = IPAddress.parseIPv4(Substring(text)) {
            bytes = v4
        } else if let v6 = IPAddress.parseIPv6(text) {
            bytes = v6
        } else {
            return nil
        }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The four IPv4 bytes of a v4 or v4-mapped address (Go's `To4`).
    public var ipv4Bytes: [UInt8]? {
        if bytes.count == 4 { return bytes }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff { return Array(bytes[12..<16]) }
        return nil
    }

    public var isIPv4: Bool { ipv4Bytes != nil }

    public var description: String {
        if let v4 = ipv4Bytes, bytes.count == 4 { return v4.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) {
            groups.append(String(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]), radix: 16))
        }
        return groups.joined(separator: ":")
    }

    /// `deriveScope` of core/network: loopback → machine-local; RFC 1918 and fc00::/7 →
    /// local-cloud; 240.0.0.0/4 → local-fan; link-local unicast/multicast and interface-local
    /// multicast → link-local; other global unicast → public.
    var derivedScope: AddressScope {
        if isLoopback { return .machineLocal }
        if let v4 = ipv4Bytes {
            if v4[0] == 10 || (v4[0] == 172 && v4[1] & 0xf0 == 16) || (v4[0] == 192 && v4[1] == 168) {
                return .cloudLocal
            }
            if v4[0] & 0xf0 == 240 { return .fanLocal }
            if (v4[0] == 169 && v4[1] == 254) || (v4[0] == 224 && v4[1] == 0 && v4[2] == 0) { return .linkLocal }
            if isGlobalUnicast { return .public }
            return .unknown
        }
        if bytes[0] & 0xfe == 0xfc { return .cloudLocal }
        if (bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80) || (bytes[0] == 0xff && bytes[1] & 0x0f == 0x02)
            || (bytes[0] == 0xff && bytes[1] & 0x0f == 0x01) {
            return .linkLocal
        }
        if isGlobalUnicast { return .public }
        return .unknown
    }

    var isLoopback: Bool {
        if let v4 = ipv4Bytes { return v4[0] == 127 }
        return bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
    }

    /// Go's `IsGlobalUnicast`: not unspecified, loopback, multicast, link-local, or the IPv4
    /// broadcast address.
    var isGlobalUnicast: Bool {
        if let v4 = ipv4Bytes {
            if v4 == [255, 255, 255, 255] || v4 == [0, 0, 0, 0] { return false }
            if v4[0] == 127 || v4[0] >= 224 && v4[0] < 240 { return false }
            if v4[0] == 169 && v4[1] == 254 { return false }
            return true
        }
        if bytes.allSatisfy({ $0 == 0 }) || isLoopback || bytes[0] == 0xff { return false }
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return false }
        return true
    }

    /// Whether `self` lies in `network/prefix` (both of the same family after v4 unmapping).
    public func isIn(network: IPAddress, prefixLength: Int) -> Bool {
        let mine: [UInt8], theirs: [UInt8]
        if let a = ipv4Bytes, let b = network.ipv4Bytes, network.bytes.count == 4 || bytes.count == 4 {
            mine = a
            theirs = b
        } else {
            mine = bytes
            theirs = network.bytes
        }
        guard mine.count == theirs.count, prefixLength >= 0, prefixLength <= mine.count * 8 else { return false }
        var remaining = prefixLength
        for i in 0..<mine.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if mine[i] & mask != theirs[i] & mask { return false }
            remaining -= bits
        }
        return true
    }

    private static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part.count == 1 || part.first != "0", let n = Int(part), n <= 255 else { return nil }
            out.append(UInt8(n))
        }
        return out
    }

    private static func parseIPv6(_ text: String) -> [UInt8]? {
        guard text.contains(":"), text.allSatisfy({ $0.isASCII }) else { return nil }
        let halves = text.splitAtDoubleColons()
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring) -> [[UInt8]]? {
            if part.isEmpty { return [] }
            var result: [[UInt8]] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains("."), let v4 = parseIPv4(piece) {
                    result.append([v4[0], v4[1]])
                    result.append([v4[2], v4[3]])
                    continue
                }
                guard !piece.isEmpty, piece.count <= 4, let value = UInt16(piece, radix: 16) else { return nil }
                result.append([UInt8(value >> 8), UInt8(value & 0xff)])
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var tail: [[UInt8]] = []
        if halves.count == 2 {
            guard let t = groups(halves[1]) else { return nil }
            tail = t
            guard head.count + tail.count <= 7 else { return nil }
        } else {
            guard head.count == 8 else { return nil }
        }
        let zeros = Array(repeating: [UInt8(0), 0], count: 8 - head.count - tail.count)
        return (head + zeros + tail).flatMap { $0 }
    }
}

extension String {
    /// Splits at `::` (at most the first occurrence matters; more than one makes the address invalid).
    fileprivate func splitAtDoubleColons() -> [Substring] {
        var parts: [Substring] = []
        var start = startIndex
        var i = startIndex
        while i < endIndex {
            let next = index(after: i)
            if self[i] == ":", next < endIndex, self[next] == ":" {
                parts.append(self[start..<i])
                start = index(after: next)
                i = start
                continue
            }
            i = next
        }
        parts.append(self[start..<endIndex])
        return parts
    }
}
