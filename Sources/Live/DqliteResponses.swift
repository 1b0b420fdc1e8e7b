import RaftCluster

/// Decoding of what a Dqlite server sends (spec §5.2): the 8-byte response header and each
/// response body. Pure functions over bytes, so the connection and the `fuzz-dqlite-wire`
/// target decode with the same code; anything that is not the protocol is a
/// `DqliteError.protocolViolation`, never a trap.
public enum DqliteResponses {
    /// The largest body a response header may announce (in 8-byte words).
    public static let maxWords = 1 << 26
    /// Bounds on counts a server announces, so a corrupt count cannot make us allocate.
    static let maxServers: UInt64 = 10_000
    static let maxColumns: UInt64 = 4_096
    static let maxFiles: UInt64 = 16

    /// The response header: its type and the length of the body that follows, in bytes.
    public static func header(_ bytes: [UInt8]) throws -> (type: DqliteWire.Response, bodyBytes: Int) {
        var reader = WireReader(bytes)
        let words = try reader.uint32()
        guard words < maxWords else { throw DqliteError.protocolViolation("response of \(words) words") }
        guard bytes.count >= 8 else { throw DqliteError.protocolViolation("message truncated") }
        guard let type = DqliteWire.Response(rawValue: bytes[4]) else {
            throw DqliteError.protocolViolation("unknown response type \(bytes[4])")
        }
        return (type, Int(words) * 8)
    }

    /// FAILURE: the code and message, as the typed error the client throws.
    public static func failure(_ body: [UInt8]) throws -> DqliteError {
        var r = WireReader(body)
        let code = try r.uint64()
        let message = (try? r.text()) ?? ""
        return DqliteError.from(code: code, message: message)
    }

    /// SERVER (the answer to LEADER): the leader's id and address; 0 and "" for none.
    public static func server(_ body: [UInt8]) throws -> (id: UInt64, address: String) {
        var r = WireReader(body)
        return (try r.uint64(), try r.text())
    }

    /// SERVERS (CLUSTER format 1): every node with its role.
    public static func servers(_ body: [UInt8]) throws -> [DqliteNode] {
        var r = WireReader(body)
        let n = try r.uint64()
        guard n < maxServers else { throw DqliteError.protocolViolation("\(n) servers") }
        return try (0..<n).map { _ in
            DqliteNode(id: try r.uint64(), address: try r.text(), role: DqliteRole(wireCode: try r.uint64()))
        }
    }

    /// METADATA (DESCRIBE format 0): failure domain and weight.
    public static func metadata(_ body: [UInt8]) throws -> NodeMetadata {
        var r = WireReader(body)
        return NodeMetadata(failureDomain: try r.uint64(), weight: try r.uint64())
    }

    /// RESULT (EXEC_SQL): last insert id and rows affected.
    public static func result(_ body: [UInt8]) throws -> (lastInsertID: UInt64, rowsAffected: UInt64) {
        var r = WireReader(body)
        return (try r.uint64(), try r.uint64())
    }

    /// One ROWS message added to `result`; true when it ended with the done marker, false
    /// when another ROWS message follows.
    public static func rows(_ body: [UInt8], into result: inout QueryRows) throws -> Bool {
        var r = WireReader(body)
        result.batches += 1
        let columnCount = try r.uint64()
        guard columnCount < maxColumns else { throw DqliteError.protocolViolation("\(columnCount) columns") }
        let columns = try (0..<Int(columnCount)).map { _ in try r.text() }
        guard result.batches == 1 || columns == result.columns else {
            throw DqliteError.protocolViolation("a later ROWS batch has other columns")
        }
        result.columns = columns
        while true {
            // A row starts with its 4-bit type header; a whole word of 0xff or 0xee ends the batch.
            let save = r.offset
            let word = try r.uint64()
            if word == DqliteWire.rowsDone || word == DqliteWire.rowsPart { return word == DqliteWire.rowsDone }
            r.offset = save
            // With no columns a row has no bytes at all: anything but a marker is garbage.
            guard !columns.isEmpty else { throw DqliteError.protocolViolation("a row in a result without columns") }
            result.rows.append(try row(&r, columns: columns.count))
        }
    }

    static func row(_ r: inout WireReader, columns: Int) throws -> [SQLValue] {
        let headerBytes = try r.bytes((columns + 1) / 2)
        r.align()
        var row: [SQLValue] = []
        row.reserveCapacity(columns)
        for i in 0..<columns {
            let byte = headerBytes[i / 2]
            row.append(try r.value(type: i % 2 == 0 ? byte & 0x0f : byte >> 4))
        }
        return row
    }

    /// FILES (DUMP): each file's name and bytes.
    public static func files(_ body: [UInt8]) throws -> [(name: String, data: [UInt8])] {
        var r = WireReader(body)
        let n = try r.uint64()
        guard n < maxFiles else { throw DqliteError.protocolViolation("\(n) files") }
        return try (0..<n).map { _ in
            let name = try r.text()
            let data = try r.bytes(try r.count())
            r.align()
            return (name, data)
        }
    }
}
