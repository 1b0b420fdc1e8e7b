import Foundation
import RaftCluster

/// One connection to one Dqlite node, speaking the wire protocol (spec §5.1–§5.2) over a
/// blocking socket. One request in flight at a time; not thread-safe.
public final class DqliteConnection {
    public let address: String
    private let stream: TCPStream
    /// The database opened on this connection (Dqlite allows one), if any.
    public private(set) var database: UInt32?

    /// Connects and sends the version-1 handshake (the server does not answer it).
    public init(address: String, timeout: Double = 5) throws {
        self.address = address
        // An agent whose links to this machine are cut cannot reach it either.
        if LinkFilter.shared.isBlocked(address) { throw DqliteError.io("link to \(address) is cut") }
        do {
            stream = try TCPStream.connect(to: address, timeout: timeout)
            var hello = WireWriter()
            hello.uint64(DqliteWire.protocolVersion)
            try stream.send(hello.bytes)
        } catch let error as SocketError {
            throw DqliteError.io(error.message)
        }
    }

    public var timeout: Double {
        get { stream.timeout }
        set { stream.timeout = newValue }
    }

    public func close() { stream.close() }

    // MARK: - Exchange

    /// Sends one request and returns the response type and body; FAILURE becomes a typed error.
    func roundTrip(_ request: [UInt8]) throws -> (DqliteWire.Response, [UInt8]) {
        do {
            try stream.send(request)
            return try receive()
        } catch let error as SocketError {
            stream.close()
            throw DqliteError.io(error.message)
        }
    }

    private func receive() throws -> (DqliteWire.Response, [UInt8]) {
        do {
            let (type, length) = try DqliteResponses.header(try stream.receive(exactly: 8))
            let body = try stream.receive(exactly: length)
            if type == .failure { throw try DqliteResponses.failure(body) }
            return (type, body)
        } catch let error as SocketError {
            stream.close()
            throw DqliteError.io(error.message)
        }
    }

    /// The body of the response, which must be of type `type`.
    private func expect(_ type: DqliteWire.Response, _ got: (DqliteWire.Response, [UInt8])) throws -> [UInt8] {
        guard got.0 == type else { throw DqliteError.protocolViolation("expected response \(type), got \(got.0)") }
        return got.1
    }

    // MARK: - Requests

    /// LEADER: the leader this node knows of; id 0 and "" when it knows none.
    public func leader() throws -> (id: UInt64, address: String) {
        try DqliteResponses.server(expect(.server, roundTrip(WireWriter.message(.leader) { $0.uint64(0) })))
    }

    /// CLIENT: registers the client id; returns the heartbeat timeout the server reports.
    @discardableResult
    public func client(id: UInt64) throws -> UInt64 {
        var r = WireReader(try expect(.welcome, roundTrip(WireWriter.message(.client) { $0.uint64(id) })))
        return try r.uint64()
    }

    /// ADD: the node joins the configuration as a spare.
    public func add(id: UInt64, address: String) throws {
        _ = try expect(.empty, roundTrip(WireWriter.message(.add) { $0.uint64(id); $0.text(address) }))
    }

    /// ASSIGN: changes a node's role (catch-up first when promoting to voter).
    public func assign(id: UInt64, role: DqliteRole) throws {
        _ = try expect(.empty, roundTrip(WireWriter.message(.assign) { $0.uint64(id); $0.uint64(role.wireCode) }))
    }

    public func remove(id: UInt64) throws {
        _ = try expect(.empty, roundTrip(WireWriter.message(.remove) { $0.uint64(id) }))
    }

    public func transfer(to id: UInt64) throws {
        _ = try expect(.empty, roundTrip(WireWriter.message(.transfer) { $0.uint64(id) }))
    }

    /// CLUSTER format 1: every node with its role.
    public func cluster() throws -> [DqliteNode] {
        try DqliteResponses.servers(expect(.servers, roundTrip(WireWriter.message(.cluster) { $0.uint64(1) })))
    }

    /// DESCRIBE format 0: this node's failure domain and weight.
    public func describe() throws -> NodeMetadata {
        try DqliteResponses.metadata(expect(.metadata, roundTrip(WireWriter.message(.describe) { $0.uint64(0) })))
    }

    public func weight(_ weight: UInt64) throws {
        _ = try expect(.empty, roundTrip(WireWriter.message(.weight) { $0.uint64(weight) }))
    }

    /// OPEN: opens `name` on this connection; the id is always 0 with libdqlite.
    @discardableResult
    public func open(_ name: String) throws -> UInt32 {
        var r = WireReader(try expect(.db, roundTrip(WireWriter.message(.open) { $0.text(name); $0.uint64(0); $0.text("volatile") })))
        let id = try r.uint32()
        database = id
        return id
    }

    private func requireDatabase() throws -> UInt32 {
        guard let database else { throw DqliteError.protocolViolation("no database open on this connection") }
        return database
    }

    /// EXEC_SQL: runs statements; returns (last insert id, rows affected).
    @discardableResult
    public func exec(_ sql: String, _ parameters: [SQLValue] = []) throws -> (lastInsertID: UInt64, rowsAffected: UInt64) {
        let db = try requireDatabase()
        return try DqliteResponses.result(expect(.result, roundTrip(try WireWriter.message(.execSQL) {
            $0.uint64(UInt64(db)); $0.text(sql); try $0.parameters(parameters)
        })))
    }

    public func exec(_ statement: SQLStatement) throws {
        try exec(statement.sql, statement.parameters)
    }

    /// QUERY_SQL: every row, following further ROWS batches until the done marker.
    public func query(_ sql: String, _ parameters: [SQLValue] = []) throws -> QueryRows {
        let db = try requireDatabase()
        var response = try roundTrip(try WireWriter.message(.querySQL) {
            $0.uint64(UInt64(db)); $0.text(sql); try $0.parameters(parameters)
        })
        var result = QueryRows(columns: [], rows: [], batches: 0)
        while try !DqliteResponses.rows(expect(.rows, response), into: &result) {
            response = try receive()
        }
        return result
    }

    /// DUMP: the database file and its WAL, as named by the server.
    public func dump(_ name: String) throws -> [(name: String, data: [UInt8])] {
        try DqliteResponses.files(expect(.files, roundTrip(WireWriter.message(.dump) { $0.text(name) })))
    }
}

/// go-dqlite's leader connector (spec §5.3) over a list of node addresses: the last known
/// leader first, then the others; a node naming another as leader redirects there.
public final class DqliteClient {
    public private(set) var addresses: [String]
    public private(set) var lastLeader: String?
    public var dialTimeout: Double
    public var clientID: UInt64

    public init(addresses: [String], dialTimeout: Double = 2, clientID: UInt64 = 0) {
        self.addresses = addresses
        self.dialTimeout = dialTimeout
        self.clientID = clientID
    }

    public func setAddresses(_ addresses: [String]) { self.addresses = addresses }

    /// A connection to the current leader, CLIENT already sent; `.noLeader` when nobody leads.
    public func connectToLeader() throws -> DqliteConnection {
        var order = addresses
        if let lastLeader, let i = order.firstIndex(of: lastLeader) {
            order.remove(at: i)
            order.insert(lastLeader, at: 0)
        }
        var failures: [String] = []
        for address in order {
            var target = address
            // Follow at most one redirect per address, as go-dqlite does.
            for _ in 0..<2 {
                do {
                    let connection = try DqliteConnection(address: target, timeout: dialTimeout)
                    let leader = try connection.leader()
                    if leader.address.isEmpty {
                        connection.close()
                        failures.append("\(target): no known leader")
                        break
                    }
                    if leader.address == target {
                        try connection.client(id: clientID)
                        lastLeader = target
                        return connection
                    }
                    connection.close()
                    target = leader.address
                } catch {
                    failures.append("\(target): \(error)")
                    break
                }
            }
        }
        throw DqliteError.noLeader("no available dqlite leader server found" + (failures.isEmpty ? "" : " (" + failures.joined(separator: "; ") + ")"))
    }

    /// Runs `body` on a leader connection, retrying through leadership changes until `timeout`.
    public func withLeader<T>(timeout: Double = 10, database: String? = nil, _ body: (DqliteConnection) throws -> T) throws -> T {
        let deadline = monotonicSeconds() + timeout
        while true {
            do {
                let connection = try connectToLeader()
                defer { connection.close() }
                if let database { try connection.open(database) }
                return try body(connection)
            } catch let error as DqliteError where error.isLeadershipChange && monotonicSeconds() < deadline {
                if case .io = error { lastLeader = nil }
                usleep(200_000)
            }
        }
    }

    /// The leader's address and id as one LEADER exchange sees it, nil when none is known.
    public func findLeader() -> (id: UInt64, address: String)? {
        guard let connection = try? connectToLeader() else { return nil }
        defer { connection.close() }
        return try? connection.leader()
    }
}
