import Foundation
import RaftCluster

/// Dqlite wire protocol constants (spec §5.1, §5.2).
public enum DqliteWire {
    /// The handshake word (`DQLITE_PROTOCOL_VERSION`).
    public static let protocolVersion: UInt64 = 1

    public enum Request: UInt8 {
        case leader = 0, client = 1, heartbeat = 2, open = 3, prepare = 4, exec = 5, query = 6, finalize = 7
        case execSQL = 8, querySQL = 9, interrupt = 10, connect = 11, add = 12, assign = 13, remove = 14
        case dump = 15, cluster = 16, transfer = 17, describe = 18, weight = 19
    }

    public enum Response: UInt8 {
        case failure = 0, server = 1, welcome = 2, servers = 3, db = 4, stmt = 5, result = 6, rows = 7, empty = 8
        case files = 9, metadata = 10
    }

    /// Rows end with `done`, or with `part` when another ROWS message follows.
    public static let rowsDone: UInt64 = 0xffff_ffff_ffff_ffff
    public static let rowsPart: UInt64 = 0xeeee_eeee_eeee_eeee

    /// `SQLITE_IOERR_NOT_LEADER` and `SQLITE_IOERR_LEADERSHIP_LOST`.
    public static let notLeaderCode: UInt64 = 10250
    public static let leadershipLostCode: UInt64 = 10506
    public static let busyCode: UInt64 = 5
    public static let notFoundCode: UInt64 = 1002
}

/// A failure a Dqlite server answered with (FAILURE response), or a broken exchange.
public enum DqliteError: Error, Equatable, CustomStringConvertible {
    /// 10250: the request needs the leader and this node is not it.
    case notLeader(String)
    /// 10506: the node lost leadership while the request was in flight.
    case leadershipLost(String)
    /// SQLITE_BUSY (5): a configuration change already in progress, a database already open…
    case busy(String)
    /// Unknown node id, unknown database.
    case notFound(String)
    /// Any other FAILURE response.
    case failure(code: UInt64, message: String)
    /// No server answered LEADER with a leader.
    case noLeader(String)
    /// The connection broke or the server sent something that is not the protocol.
    case io(String)
    case protocolViolation(String)

    public static func from(code: UInt64, message: String) -> DqliteError {
        switch code {
        case DqliteWire.notLeaderCode: return .notLeader(message)
        case DqliteWire.leadershipLostCode: return .leadershipLost(message)
        case _ where code & 0xff == DqliteWire.busyCode: return .busy(message)
        case DqliteWire.notFoundCode: return .notFound(message)
        case _ where message == "Resource not found" || message == "server ID is not valid" || message.hasSuffix("not found") || message.contains("does not exist"):
            return .notFound(message)
        default: return .failure(code: code, message: message)
        }
    }

    public var description: String {
        switch self {
        case .notLeader(let m): return "not leader (\(m))"
        case .leadershipLost(let m): return "leadership lost (\(m))"
        case .busy(let m): return "busy (\(m))"
        case .notFound(let m): return "not found (\(m))"
        case .failure(let code, let m): return "dqlite error \(code): \(m)"
        case .noLeader(let m): return m
        case .io(let m): return "dqlite connection: \(m)"
        case .protocolViolation(let m): return "dqlite protocol: \(m)"
        }
    }

    /// Whether trying again against the (possibly new) leader can help.
    public var isLeadershipChange: Bool {
        switch self {
        case .notLeader, .leadershipLost, .noLeader, .io: return true
        default: return false
        }
    }
}

/// Builds a message body: 8-byte words, little-endian, text NUL-terminated and zero-padded.
public struct WireWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func uint64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func int64(_ v: Int64) { uint64(UInt64(bitPattern: v)) }

    public mutating func uint32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func text(_ s: String) {
        bytes.append(contentsOf: Array(s.utf8))
        bytes.append(0)
        pad()
    }

    public mutating func blob(_ b: [UInt8]) {
        uint64(UInt64(b.count))
        bytes.append(contentsOf: b)
        pad()
    }

    /// Bytes as they are (a row's type header).
    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    public mutating func pad() {
        while bytes.count % 8 != 0 { bytes.append(0) }
    }

    /// A schema-0 parameter tuple: one count byte, one type byte per value, padded, then values.
    public mutating func parameters(_ values: [SQLValue]) throws {
        guard values.count <= 255 else { throw DqliteError.protocolViolation("at most 255 parameters per statement") }
        bytes.append(UInt8(values.count))
        // libdqlite binds no UNIXTIME parameter (go-dqlite never sends one): its integer goes as INTEGER.
        for value in values { bytes.append(value.wireType == 9 ? 1 : value.wireType) }
        pad()
        for value in values { self.value(value) }
    }

    public mutating func value(_ value: SQLValue) {
        switch value {
        case .integer(let v), .unixTime(let v): int64(v)
        case .float(let v): uint64(v.bitPattern)
        case .text(let s), .iso8601(let s): text(s)
        case .blob(let b): blob(b)
        case .null: uint64(0)
        case .boolean(let b): uint64(b ? 1 : 0)
        }
    }

    /// Header + body for request `type`.
    public static func message(_ type: DqliteWire.Request, schema: UInt8 = 0, _ build: (inout WireWriter) throws -> Void) rethrows -> [UInt8] {
        var body = WireWriter()
        try build(&body)
        body.pad()
        if body.bytes.isEmpty { body.uint64(0) }
        var header = WireWriter()
        header.uint32(UInt32(body.bytes.count / 8))
        header.bytes.append(contentsOf: [type.rawValue, schema, 0, 0])
        return header.bytes + body.bytes
    }
}

/// Reads a message body written by a Dqlite server.
public struct WireReader {
    public let bytes: [UInt8]
    public internal(set) var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var atEnd: Bool { offset >= bytes.count }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - offset else { throw DqliteError.protocolViolation("message truncated") }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    public mutating func uint64() throws -> UInt64 {
        let slice = try take(8)
        var v: UInt64 = 0
        for (i, b) in slice.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }

    public mutating func int64() throws -> Int64 { Int64(bitPattern: try uint64()) }

    public mutating func uint32() throws -> UInt32 {
        let slice = try take(4)
        var v: UInt32 = 0
        for (i, b) in slice.enumerated() { v |= UInt32(b) << (8 * UInt32(i)) }
        return v
    }

    public mutating func text() throws -> String {
        guard offset < bytes.count, let end = bytes[offset...].firstIndex(of: 0) else { throw DqliteError.protocolViolation("unterminated text") }
        let s = String(decoding: bytes[offset..<end], as: UTF8.self)
        offset = end + 1
        align()
        return s
    }

    /// A length word; one larger than what is left cannot be right (and may not fit an Int).
    public mutating func count() throws -> Int {
        let n = try uint64()
        guard n <= UInt64(bytes.count - offset) else { throw DqliteError.protocolViolation("length \(n) is past the end of the message") }
        return Int(n)
    }

    public mutating func blob() throws -> [UInt8] {
        let b = Array(try take(try count()))
        align()
        return b
    }

    /// Skips the padding to the next word; never past the end of the message.
    public mutating func align() {
        offset = min((offset + 7) / 8 * 8, max(bytes.count, offset))
    }

    public mutating func bytes(_ n: Int) throws -> [UInt8] { Array(try take(n)) }

    /// One value of wire type `type` (row tuples and parameter tuples use the same encodings).
    public mutating func value(type: UInt8) throws -> SQLValue {
        switch type {
        case 1: return .integer(try int64())
        case 2: return .float(Double(bitPattern: try uint64()))
        case 3: return .text(try text())
        case 4: return .blob(try blob())
        case 5: _ = try uint64(); return .null
        case 9: return .unixTime(try int64())
        case 10: return .iso8601(try text())
        case 11: return .boolean(try uint64() != 0)
        default: throw DqliteError.protocolViolation("unknown value type \(type)")
        }
    }
}

/// The rows of a QUERY_SQL, all batches joined.
public struct QueryRows: Equatable, Sendable {
    public var columns: [String]
    public var rows: [[SQLValue]]
    /// How many ROWS messages the server sent.
    public var batches: Int

    public init(columns: [String], rows: [[SQLValue]], batches: Int = 1) {
        self.columns = columns
        self.rows = rows
        self.batches = batches
    }

    /// The column `name` of every row.
    public func column(_ name: String) -> [SQLValue] {
        guard let i = columns.firstIndex(of: name) else { return [] }
        return rows.map { $0[i] }
    }
}

extension SQLValue {
    /// The value as text, for display and for columns read back as text.
    public var textValue: String? {
        switch self {
        case .text(let s), .iso8601(let s): return s
        case .integer(let v), .unixTime(let v): return String(v)
        case .float(let v): return String(v)
        case .boolean(let b): return b ? "true" : "false"
        case .null: return nil
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        }
    }
}
