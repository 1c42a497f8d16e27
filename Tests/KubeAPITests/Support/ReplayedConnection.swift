import Crypto
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A loopback server that answers every connection with bytes recorded from a real
/// API server (`Tests/Fixtures/k8s/attach/*.http`: the response head and the
/// WebSocket messages, exactly as sent), and keeps what the client sent: its
/// request head and its WebSocket messages, unmasked.
///
/// The recorded `Sec-WebSocket-Accept` answers the recording's key; it is replaced
/// with the answer to this client's key, the one thing that must change.
final class ReplayedConnection: Sendable {
    struct Received: Sendable {
        var head = ""
        /// The client's messages after the upgrade: (opcode, payload).
        var messages: [(UInt8, [UInt8])] = []
    }

    private let channel: Channel
    private let box: ReceivedBox
    var url: String { "http://127.0.0.1:\(channel.localAddress?.port ?? 0)" }
    var request: Received { box.received.withLock { $0 } }

    /// Serves `recorded` (cut to its first `limit` bytes when given) to each connection,
    /// then closes the connection `closeAfter` seconds later.
    static func start(recorded: [UInt8], limit: Int? = nil, closeAfter: TimeInterval = 0.3) async throws -> ReplayedConnection {
        let box = ReceivedBox()
        let reply = limit.map { Array(recorded.prefix($0)) } ?? recorded
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ReplayHandler(reply: reply, closeAfter: closeAfter, box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ReplayedConnection(channel: channel, box: box)
    }

    private init(channel: Channel, box: ReceivedBox) {
        self.channel = channel
        self.box = box
    }

    func stop() async { try? await channel.close() }

    /// The answer to a WebSocket key (RFC 6455): base64 of SHA-1 of the key and the GUID.
    static func accept(key: String) -> String {
        Data(Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
    }
}

/// What a connection's handler writes what it reads into.
final class ReceivedBox: Sendable {
    let received = Mutex(ReplayedConnection.Received())
}

private final class ReplayHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: touched only on its channel's event loop.
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let reply: [UInt8]
    let closeAfter: TimeInterval
    let box: ReceivedBox
    var buffer: [UInt8] = []
    var answered = false

    init(reply: [UInt8], closeAfter: TimeInterval, box: ReceivedBox) {
        self.reply = reply
        self.closeAfter = closeAfter
        self.box = box
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer += bytes.readBytes(length: bytes.readableBytes) ?? []
        if !answered, let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
            answered = true
            let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
            buffer.removeSubrange(..<end.upperBound)
            box.received.withLock { $0.head = head }
            var out = reply
            let key = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }
                .map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) }
            if let key, let text = String(bytes: out, encoding: .isoLatin1),
               let line = text.range(of: "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") {
                let replaced = text.replacingCharacters(in: line, with: "Sec-WebSocket-Accept: \(ReplayedConnection.accept(key: key))")
                out = Array(replaced.data(using: .isoLatin1) ?? Data(out))
            }
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: out)), promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(closeAfter * 1000))) { context.close(promise: nil) }
        }
        if answered { parseMessages() }
    }

    /// Client frames: masked, lengths up to 64 bits.
    func parseMessages() {
        while buffer.count >= 2 {
            let opcode = buffer[0] & 0x0F
            var length = Int(buffer[1] & 0x7F)
            var offset = 2
            if length == 126 {
                guard buffer.count >= 4 else { return }
                length = Int(buffer[2]) << 8 | Int(buffer[3])
                offset = 4
            } else if length == 127 {
                guard buffer.count >= 10 else { return }
                length = buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }
                offset = 10
            }
            let masked = buffer[1] & 0x80 != 0
            let maskLength = masked ? 4 : 0
            guard buffer.count >= offset + maskLength + length else { return }
            let mask = Array(buffer[offset..<(offset + maskLength)])
            let start = offset + maskLength
            var payload = Array(buffer[start..<(start + length)])
            if masked { for i in payload.indices { payload[i] ^= mask[i % 4] } }
            buffer.removeSubrange(..<(start + length))
            box.received.withLock { $0.messages.append((opcode, payload)) }
        }
    }
}
