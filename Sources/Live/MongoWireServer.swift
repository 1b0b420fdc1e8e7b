import BSON
import NIOCore
import NIOPosix

/// Cuts the byte stream into whole wire messages by their header's length. A length that is
/// too short or over `maxMessageSizeBytes` is an error: that connection is closed.
struct MongoFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: Int32.self) else { return .needMoreData }
        let size = try MongoWire.messageLength(length)
        guard buffer.readableBytes >= size, let bytes = buffer.readBytes(length: size) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(bytes))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// One client connection of the wire server: decodes each message and hands it to the host;
/// a message that cannot be decoded closes this connection only.
final class MongoConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = [UInt8]

    let host: LegacyMemberHost
    let connectionID: Int

    init(host: LegacyMemberHost, connectionID: Int) {
        self.host = host
        self.connectionID = connectionID
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        do {
            let request = try MongoWire.decode(bytes)
            host.receive(request, on: context.channel, connection: connectionID)
        } catch {
            host.log("closing connection \(connectionID): \(error)")
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        host.log("closing connection \(connectionID): \(error)")
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        host.connectionClosed(connectionID)
        context.fireChannelInactive()
    }
}

/// Sends member-to-member messages to one peer over a TCP connection of its own, connecting
/// again after a failure; messages sent while it cannot connect are lost, as on a network.
final class PeerLink: @unchecked Sendable {
    let target: String
    let loop: EventLoop
    var channel: Channel?
    var connecting = false
    var queued: [[UInt8]] = []

    init(target: String, loop: EventLoop) {
        self.target = target
        self.loop = loop
    }

    func send(_ bytes: [UInt8]) {
        if let channel, channel.isActive {
            channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
            return
        }
        channel = nil
        if queued.count < 64 { queued.append(bytes) }
        guard !connecting, let (host, port) = splitHostPort(target) else { return }
        connecting = true
        ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(500))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                // Peers never answer on this connection; whatever arrives is read and dropped.
                channel.eventLoop.makeSucceededVoidFuture()
            }
            .connect(host: host, port: Int(port))
            .whenComplete { [self] result in
                connecting = false
                switch result {
                case .success(let c):
                    channel = c
                    let pending = queued
                    queued = []
                    for bytes in pending { c.write(c.allocator.buffer(bytes: bytes), promise: nil) }
                    c.flush()
                case .failure:
                    queued = []
                }
            }
    }

    func close() {
        channel?.close(promise: nil)
        channel = nil
    }
}
