import BSON
import ReplicaSet

/// The MongoDB wire protocol as the live legacy runtime speaks it: a 16-byte header
/// (length, requestID, responseTo, opCode, all little-endian int32), then OP_MSG (2013),
/// OP_QUERY (2004, the legacy handshake) or OP_REPLY (1). Compression is not offered, so
/// OP_COMPRESSED is never expected.
public enum MongoWire {
    public static let headerSize = 16
    public static let opReply: Int32 = 1
    public static let opQuery: Int32 = 2004
    public static let opCompressed: Int32 = 2012
    public static let opMsg: Int32 = 2013

    /// OP_MSG flag bits.
    public static let checksumPresent: UInt32 = 1 << 0
    public static let moreToCome: UInt32 = 1 << 1
    public static let exhaustAllowed: UInt32 = 1 << 16
    /// OP_QUERY flag bit 2: the client accepts a secondary's answer.
    public static let querySecondaryOk: Int32 = 1 << 2

    /// Every message is at most this long (`maxMessageSizeBytes`, advertised by hello).
    public static let maxMessageSize = Int(ServerBuild.maxMessageSizeBytes)
}

/// Why a message could not be read; the connection it came on is closed.
public struct WireError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct WireHeader: Equatable, Sendable {
    public var length: Int32
    public var requestID: Int32
    public var responseTo: Int32
    public var opCode: Int32
}

/// A decoded client message.
public enum WireRequest: Equatable, Sendable {
    /// OP_MSG: the body with document sequences folded in as arrays, and the flag bits.
    case message(header: WireHeader, flags: UInt32, body: Document)
    /// OP_QUERY on a `.$cmd` namespace: the database, the command and the OP_QUERY flags.
    case query(header: WireHeader, flags: Int32, database: String, command: Document)

    public var header: WireHeader {
        switch self {
        case .message(let h, _, _), .query(let h, _, _, _): return h
        }
    }
}

// MARK: - Little-endian reading and writing

struct MongoReader {
    let bytes: [UInt8]
    var offset: Int
    let end: Int

    init(_ bytes: [UInt8], from offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    var remaining: Int { end - offset }

    mutating func uint32() throws -> UInt32 {
        guard remaining >= 4 else { throw WireError("message truncated") }
        let v = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        offset += 4
        return v
    }

    mutating func int32() throws -> Int32 { Int32(bitPattern: try uint32()) }

    mutating func byte() throws -> UInt8 {
        guard remaining >= 1 else { throw WireError("message truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func cString() throws -> String {
        guard let nul = bytes[offset..<end].firstIndex(of: 0) else { throw WireError("unterminated C string") }
        let text = String(decoding: bytes[offset..<nul], as: UTF8.self)
        offset = nul + 1
        return text
    }

    /// One BSON document, its length checked against what is left.
    mutating func document() throws -> Document {
        guard remaining >= 5 else { throw WireError("document truncated") }
        var peek = self
        let size = Int(try peek.int32())
        guard size >= 5, size <= remaining else { throw WireError("invalid document length \(size)") }
        let slice = Array(bytes[offset..<(offset + size)])
        offset += size
        do {
            return try Document(bson: slice)
        } catch {
            throw WireError("invalid BSON document: \(error)")
        }
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE(_ v: Int32) { appendLE(UInt32(bitPattern: v)) }
    mutating func appendLE(_ v: UInt32) {
        append(UInt8(truncatingIfNeeded: v)); append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v >> 16)); append(UInt8(truncatingIfNeeded: v >> 24))
    }
    mutating func appendLE(_ v: Int64) {
        for i in 0..<8 { append(UInt8(truncatingIfNeeded: UInt64(bitPattern: v) >> (8 * UInt64(i)))) }
    }
}

// MARK: - CRC-32C (Castagnoli), the OP_MSG checksum

public enum CRC32C {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

// MARK: - Decoding

extension MongoWire {
    /// The header of a complete or partial message; throws when the length cannot be valid.
    public static func header(_ bytes: [UInt8]) throws -> WireHeader {
        var r = MongoReader(bytes)
        let header = WireHeader(length: try r.int32(), requestID: try r.int32(), responseTo: try r.int32(), opCode: try r.int32())
        guard header.length >= Int32(headerSize) else { throw WireError("message length \(header.length) is shorter than its header") }
        guard Int(header.length) <= maxMessageSize else {
            throw WireError("message length \(header.length) is over maxMessageSizeBytes (\(maxMessageSize))")
        }
        return header
    }

    /// The length of a message from its first field, as the server cuts its byte stream: one
    /// shorter than a header or over `maxMessageSizeBytes` ends the connection.
    public static func messageLength(_ length: Int32) throws -> Int {
        guard length >= Int32(headerSize), Int(length) <= maxMessageSize else { throw WireError("invalid message length \(length)") }
        return Int(length)
    }

    /// Cuts a byte stream into whole messages as the server does; the bytes of an unfinished
    /// last message are left over.
    public static func frames(_ stream: [UInt8]) throws -> (messages: [[UInt8]], leftover: Int) {
        var messages: [[UInt8]] = []
        var offset = 0
        while stream.count - offset >= 4 {
            var r = MongoReader(stream, from: offset)
            let size = try messageLength(try r.int32())
            guard stream.count - offset >= size else { break }
            messages.append(Array(stream[offset..<offset + size]))
            offset += size
        }
        return (messages, stream.count - offset)
    }

    /// Decodes one whole message (exactly `header.length` bytes).
    public static func decode(_ bytes: [UInt8]) throws -> WireRequest {
        let header = try header(bytes)
        guard Int(header.length) == bytes.count else { throw WireError("message length \(header.length) does not match \(bytes.count) bytes") }
        switch header.opCode {
        case opMsg: return try decodeMessage(header, bytes)
        case opQuery: return try decodeQuery(header, bytes)
        case opCompressed: throw WireError("OP_COMPRESSED was not negotiated")
        default: throw WireError("unsupported opCode \(header.opCode)")
        }
    }

    static func decodeMessage(_ header: WireHeader, _ bytes: [UInt8]) throws -> WireRequest {
        var r = MongoReader(bytes, from: headerSize)
        let flags = try r.uint32()
        // Bits 0–15 are required: a receiver must fail on those it does not know.
        let known = checksumPresent | moreToCome
        guard flags & 0xFFFF & ~known == 0 else { throw WireError("unknown required OP_MSG flag bits \(flags & 0xFFFF & ~known)") }
        var end = bytes.count
        if flags & checksumPresent != 0 {
            guard bytes.count >= headerSize + 4 + 4 else { throw WireError("checksum missing") }
            end -= 4
            var c = MongoReader(bytes, from: end)
            let expected = try c.uint32()
            guard CRC32C.checksum(bytes[0..<end]) == expected else { throw WireError("OP_MSG checksum mismatch") }
        }
        r = MongoReader(bytes, from: headerSize + 4, end: end)
        var body: Document?
        var sequences: [(String, [Value])] = []
        while r.remaining > 0 {
            switch try r.byte() {
            case 0:
                guard body == nil else { throw WireError("OP_MSG has more than one body section") }
                body = try r.document()
            case 1:
                let start = r.offset
                let size = Int(try r.int32())
                guard size >= 5, size <= r.remaining + 4 else { throw WireError("invalid document sequence length \(size)") }
                var s = MongoReader(bytes, from: r.offset, end: start + size)
                let identifier = try s.cString()
                var documents: [Value] = []
                while s.remaining > 0 { documents.append(.document(try s.document())) }
                sequences.append((identifier, documents))
                r.offset = start + size
            case let kind:
                throw WireError("unknown OP_MSG section kind \(kind)")
            }
        }
        guard var command = body else { throw WireError("OP_MSG has no body section") }
        for (identifier, documents) in sequences {
            guard command[identifier] == nil else { throw WireError("duplicate field \(identifier) in body and document sequence") }
            command.append(identifier, .array(documents))
        }
        return .message(header: header, flags: flags, body: command)
    }

    static func decodeQuery(_ header: WireHeader, _ bytes: [UInt8]) throws -> WireRequest {
        var r = MongoReader(bytes, from: headerSize)
        let flags = try r.int32()
        let namespace = try r.cString()
        _ = try r.int32() // numberToSkip
        _ = try r.int32() // numberToReturn
        var query = try r.document()
        if r.remaining > 0 { _ = try r.document() } // returnFieldsSelector
        guard r.remaining == 0 else { throw WireError("trailing bytes after OP_QUERY") }
        guard namespace.hasSuffix(".$cmd"), let dot = namespace.firstIndex(of: ".") else {
            throw WireError("OP_QUERY is only accepted for commands (namespace \(namespace))")
        }
        // A command wrapped with its read preference: {$query: {...}, $readPreference: {...}}.
        if case .document(let inner)? = query["$query"] ?? query["query"], query.keys.first?.hasPrefix("$") == true || query.keys.first == "query" {
            var unwrapped = inner
            if let pref = query["$readPreference"] { unwrapped.append("$readPreference", pref) }
            query = unwrapped
        }
        return .query(header: header, flags: flags, database: String(namespace[..<dot]), command: query)
    }
}

// MARK: - Encoding

extension MongoWire {
    static func frame(requestID: Int32, responseTo: Int32, opCode: Int32, payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + payload.count)
        out.appendLE(Int32(headerSize + payload.count))
        out.appendLE(requestID)
        out.appendLE(responseTo)
        out.appendLE(opCode)
        out += payload
        return out
    }

    /// An OP_MSG with one body section (kind 0) and, if asked, its CRC-32C checksum.
    public static func encodeMessage(requestID: Int32, responseTo: Int32, flags: UInt32 = 0, body: Document,
                                     sequences: [(String, [Document])] = []) throws -> [UInt8] {
        var payload: [UInt8] = []
        payload.appendLE(flags)
        payload.append(0)
        payload += try body.encode()
        for (identifier, documents) in sequences {
            var section: [UInt8] = Array(identifier.utf8) + [0]
            for d in documents { section += try d.encode() }
            payload.append(1)
            payload.appendLE(Int32(4 + section.count))
            payload += section
        }
        var out = frame(requestID: requestID, responseTo: responseTo, opCode: opMsg,
                        payload: payload + (flags & checksumPresent != 0 ? [0, 0, 0, 0] : []))
        if flags & checksumPresent != 0 {
            out.removeLast(4)
            let crc = CRC32C.checksum(out)
            out.appendLE(crc)
        }
        return out
    }

    /// An OP_QUERY command (the legacy handshake) on `database.$cmd`.
    public static func encodeQuery(requestID: Int32, flags: Int32 = 0, database: String, command: Document) throws -> [UInt8] {
        var payload: [UInt8] = []
        payload.appendLE(flags)
        payload += Array("\(database).$cmd".utf8) + [0]
        payload.appendLE(Int32(0))
        payload.appendLE(Int32(-1))
        payload += try command.encode()
        return frame(requestID: requestID, responseTo: 0, opCode: opQuery, payload: payload)
    }

    /// OP_REPLY with one document, cursor 0 (the answer to an OP_QUERY command).
    public static func encodeReply(requestID: Int32, responseTo: Int32, document: Document) throws -> [UInt8] {
        var payload: [UInt8] = []
        payload.appendLE(Int32(0)) // responseFlags
        payload.appendLE(Int64(0)) // cursorID
        payload.appendLE(Int32(0)) // startingFrom
        payload.appendLE(Int32(1)) // numberReturned
        payload += try document.encode()
        return frame(requestID: requestID, responseTo: responseTo, opCode: opReply, payload: payload)
    }

    /// The document of an OP_REPLY or the body of an OP_MSG reply (for Quorum's own client).
    public static func decodeReply(_ bytes: [UInt8]) throws -> (header: WireHeader, flags: UInt32, document: Document) {
        let header = try header(bytes)
        switch header.opCode {
        case opMsg:
            guard case let .message(h, flags, body) = try decodeMessage(header, bytes) else { throw WireError("not a reply") }
            return (h, flags, body)
        case opReply:
            var r = MongoReader(bytes, from: headerSize)
            _ = try r.int32(); _ = try r.int32(); _ = try r.int32(); _ = try r.int32(); _ = try r.int32()
            return (header, 0, try r.document())
        default:
            throw WireError("unexpected reply opCode \(header.opCode)")
        }
    }
}
