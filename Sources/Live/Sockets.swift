#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A failure of the socket layer: a refused or timed-out connection, a closed peer.
public struct SocketError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func errno(_ what: String) -> SocketError {
        SocketError("\(what): \(String(cString: strerror(Glibc.errno)))")
    }
}

/// Splits `host:port`; the host must be an IPv4 literal (the live runtime is loopback only).
public func splitHostPort(_ address: String) -> (host: String, port: UInt16)? {
    guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else { return nil }
    return (String(address[..<colon]), port)
}

/// Monotonic seconds, for deadlines.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A blocking TCP stream with a deadline on every operation.
public final class TCPStream {
    public private(set) var fd: Int32
    /// Seconds each send/receive may take.
    public var timeout: Double

    public init(fd: Int32, timeout: Double) {
        self.fd = fd
        self.timeout = timeout
    }

    /// Connects to `host:port` within `timeout` seconds, optionally from a given local address.
    public static func connect(to address: String, timeout: Double, from local: String? = nil) throws -> TCPStream {
        TCPStream(fd: try connectSocket(to: address, timeout: timeout, from: local), timeout: timeout)
    }

    deinit { close() }

    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        let deadline = monotonicSeconds() + timeout
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT), until: deadline)
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw SocketError.errno("send")
            }
            offset += n
        }
    }

    public func receive(exactly count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        let deadline = monotonicSeconds() + timeout
        while offset < count {
            try wait(for: Int16(POLLIN), until: deadline)
            let n = buffer.withUnsafeMutableBytes { raw in
                Glibc.recv(fd, raw.baseAddress! + offset, count - offset, 0)
            }
            if n == 0 { throw SocketError("connection closed by peer") }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw SocketError.errno("recv")
            }
            offset += n
        }
        return buffer
    }

    /// Reads one `\n`-terminated line (without the newline).
    public func receiveLine(limit: Int = 1 << 20) throws -> String {
        var bytes: [UInt8] = []
        while true {
            let b = try receive(exactly: 1)[0]
            if b == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(b)
            if bytes.count > limit { throw SocketError("line too long") }
        }
    }

    private func wait(for events: Int16, until deadline: Double) throws {
        while true {
            guard fd >= 0 else { throw SocketError("connection closed") }
            let remaining = deadline - monotonicSeconds()
            if remaining <= 0 { throw SocketError("timed out after \(timeout)s") }
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&pfd, 1, Int32(min(remaining * 1000, 60_000)) + 1)
            if rc < 0 {
                if errno == EINTR { continue }
                throw SocketError.errno("poll")
            }
            if rc > 0 { return }
        }
    }
}

func makeSockaddr(_ host: String, _ port: UInt16) throws -> sockaddr_in {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw SocketError("invalid IPv4 address \"\(host)\"") }
    return addr
}

/// A connected blocking socket (non-blocking connect bounded by `timeout`).
public func connectSocket(to address: String, timeout: Double, from local: String? = nil) throws -> Int32 {
    guard let (host, port) = splitHostPort(address) else { throw SocketError("invalid address \"\(address)\"") }
    var addr = try makeSockaddr(host, port)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SocketError.errno("socket") }
    var ok = false
    defer { if !ok { Glibc.close(fd) } }
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    if let local {
        var from = try makeSockaddr(local, 0)
        let rc = withUnsafePointer(to: &from) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw SocketError.errno("bind \(local)") }
    }
    let flags = fcntl(fd, F_GETFL)
    _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if rc != 0 {
        guard errno == EINPROGRESS else { throw SocketError.errno("connect \(address)") }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let n = poll(&pfd, 1, Int32(timeout * 1000))
        guard n > 0 else { throw SocketError("connect \(address): timed out") }
        var soError: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
        guard soError == 0 else { throw SocketError("connect \(address): \(String(cString: strerror(soError)))") }
    }
    _ = fcntl(fd, F_SETFL, flags)
    ok = true
    return fd
}

/// A listening TCP socket on `host:port` (port 0 picks a free one).
public func listenSocket(host: String, port: UInt16, backlog: Int32 = 64) throws -> (fd: Int32, port: UInt16) {
    var addr = try makeSockaddr(host, port)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SocketError.errno("socket") }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else {
        let error = SocketError.errno("bind \(host):\(port)")
        Glibc.close(fd)
        throw error
    }
    guard listen(fd, backlog) == 0 else {
        let error = SocketError.errno("listen")
        Glibc.close(fd)
        throw error
    }
    var bound = sockaddr_in()
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &bound) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return (fd, UInt16(bigEndian: bound.sin_port))
}

/// A port that was free on `host` a moment ago (tests pick ports with it).
public func freePort(host: String = "127.0.0.1") throws -> UInt16 {
    let (fd, port) = try listenSocket(host: host, port: 0)
    Glibc.close(fd)
    return port
}
