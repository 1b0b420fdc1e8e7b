import BSON
import Live
import RaftCluster

/// The two wire decoders a peer's bytes reach: the MongoDB server's (what a driver sends) and
/// the Dqlite client's (what a Dqlite node answers).
extension FuzzTargets {
    /// MongoDB wire: the byte stream is cut into messages as the server cuts it, and each is
    /// decoded; a decoded command must survive being encoded and decoded again unchanged.
    public static func mongoWireStream(_ input: UnsafeRawBufferPointer) -> FuzzVerdict {
        let messages: [[UInt8]]
        do {
            messages = try MongoWire.frames(Array(input)).messages
        } catch {
            return .rejected("\(error)")
        }
        guard !messages.isEmpty else { return .rejected("no whole message") }
        for bytes in messages {
            let request: WireRequest
            do {
                request = try MongoWire.decode(bytes)
            } catch {
                return .rejected("\(error)")
            }
            checkReencoding(request)
        }
        return .accepted
    }

    static func checkReencoding(_ request: WireRequest) {
        switch request {
        case .message(let header, let flags, let body):
            guard let again = try? MongoWire.encodeMessage(requestID: header.requestID, responseTo: header.responseTo, flags: flags, body: body),
                  again.count <= MongoWire.maxMessageSize else { return }
            guard case .message(_, let flags2, let body2)? = try? MongoWire.decode(again) else {
                fatalError("a re-encoded OP_MSG did not decode")
            }
            precondition(flags2 == flags && body2 == body, "OP_MSG changed through encode and decode")
        case .query(let header, let flags, let database, let command):
            // A command still wrapped after one unwrapping would be unwrapped again.
            guard let first = command.keys.first, !first.hasPrefix("$"), first != "query" else { return }
            guard let again = try? MongoWire.encodeQuery(requestID: header.requestID, flags: flags, database: database, command: command),
                  again.count <= MongoWire.maxMessageSize else { return }
            guard case .query(_, let flags2, let database2, let command2)? = try? MongoWire.decode(again) else {
                fatalError("a re-encoded OP_QUERY did not decode")
            }
            precondition(flags2 == flags && database2 == database && command2 == command, "OP_QUERY changed through encode and decode")
        }
    }

    /// Dqlite wire: a stream of server responses, each decoded by its type as the client does
    /// (a ROWS message that says more follow must be followed by ROWS); rows read back must
    /// survive being encoded and decoded again.
    public static func dqliteWireStream(_ input: UnsafeRawBufferPointer) -> FuzzVerdict {
        let bytes = Array(input)
        var offset = 0
        var pendingRows: QueryRows?
        var decoded = 0
        while bytes.count - offset >= 8 {
            do {
                let (type, length) = try DqliteResponses.header(Array(bytes[offset..<offset + 8]))
                guard bytes.count - offset - 8 >= length else { return .rejected("body truncated") }
                let body = Array(bytes[offset + 8..<offset + 8 + length])
                offset += 8 + length
                if var rows = pendingRows {
                    guard type == .rows else { return .rejected("ROWS said more follow; got \(type)") }
                    pendingRows = try DqliteResponses.rows(body, into: &rows) ? nil : rows
                    if pendingRows == nil { checkRowsRoundTrip(rows) }
                } else {
                    pendingRows = try decodeResponse(type, body)
                }
                decoded += 1
            } catch {
                return .rejected("\(error)")
            }
        }
        return decoded > 0 && pendingRows == nil ? .accepted : .rejected("no complete response")
    }

    /// Decodes one response; a ROWS batch that says more follow is returned unfinished.
    static func decodeResponse(_ type: DqliteWire.Response, _ body: [UInt8]) throws -> QueryRows? {
        var reader = WireReader(body)
        switch type {
        case .failure: _ = try DqliteResponses.failure(body)
        case .server: _ = try DqliteResponses.server(body)
        case .servers: _ = try DqliteResponses.servers(body)
        case .metadata: _ = try DqliteResponses.metadata(body)
        case .result: _ = try DqliteResponses.result(body)
        case .files: _ = try DqliteResponses.files(body)
        case .welcome: _ = try reader.uint64()
        case .db, .stmt: _ = try reader.uint32()
        case .empty: break
        case .rows:
            var rows = QueryRows(columns: [], rows: [], batches: 0)
            guard try DqliteResponses.rows(body, into: &rows) else { return rows }
            checkRowsRoundTrip(rows)
        }
        return nil
    }

    static func checkRowsRoundTrip(_ rows: QueryRows) {
        var writer = WireWriter()
        writer.uint64(UInt64(rows.columns.count))
        for name in rows.columns { writer.text(name) }
        for row in rows.rows {
            var header = [UInt8](repeating: 0, count: (row.count + 1) / 2)
            for (i, value) in row.enumerated() { header[i / 2] |= i % 2 == 0 ? value.wireType : value.wireType << 4 }
            writer.raw(header)
            writer.pad()
            for value in row { writer.value(value) }
        }
        writer.uint64(DqliteWire.rowsDone)
        var again = QueryRows(columns: [], rows: [], batches: 0)
        guard (try? DqliteResponses.rows(writer.bytes, into: &again)) == true else { fatalError("re-encoded rows did not decode") }
        precondition(again.columns == rows.columns && again.rows.map(comparable) == rows.rows.map(comparable),
                     "rows changed through encode and decode")
    }

    /// A row with each float by its bits, so a NaN compares equal to itself.
    static func comparable(_ row: [SQLValue]) -> [SQLValue] {
        row.map { value in if case .float(let f) = value { return .integer(Int64(bitPattern: f.bitPattern)) } else { return value } }
    }
}
