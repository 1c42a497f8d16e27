import Foundation
import NIOCore

/// Opens an HTTP CONNECT tunnel through the kubeconfig's proxy for a connection
/// AsyncHTTPClient does not make (the WebSocket of `pods/attach`): it sends
/// `CONNECT host:port`, with `Proxy-Authorization` when the proxy URL has a
/// user, and waits for the proxy's `200`. Then it steps aside, and TLS to the
/// API server runs end to end through the tunnel, as for every other request.
///
/// The proxy's reply is read up to its blank line and at most 16 KiB; any other
/// status fails `established` with the proxy's own status line, escaped by
/// whoever prints it.
final class ProxyTunnelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    private let target: String
    private let authorization: String?
    let established: EventLoopPromise<Void>
    private var reply: [UInt8] = []
    private var done = false
    private static let replyLimit = 16 * 1024

    /// `target` is `host:port` (an IPv6 host in brackets); `authorization` the whole
    /// header value (`Basic …`), or nil.
    init(target: String, authorization: String?, established: EventLoopPromise<Void>) {
        self.target = target
        self.authorization = authorization
        self.established = established
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendConnect(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendConnect(context: context)
        context.fireChannelActive()
    }

    private var sent = false
    private func sendConnect(context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        var text = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n"
        if let authorization { text += "Proxy-Authorization: \(authorization)\r\n" }
        text += "\r\n"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
    }

    /// Nothing goes to the API server before the tunnel stands.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard done else {
            promise?.fail(Refused(description: "the proxy tunnel was not open yet"))
            return
        }
        context.write(data, promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return context.fireChannelRead(data) }
        var buffer = unwrapInboundIn(data)
        reply += buffer.readBytes(length: buffer.readableBytes) ?? []
        guard let end = Self.headerEnd(reply) else {
            if reply.count > Self.replyLimit { fail(context: context, "the proxy's answer to CONNECT \(target) has no end within 16 KiB") }
            return
        }
        let statusLine = String(decoding: reply.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1] == "200" else {
            return fail(context: context, "the proxy answered CONNECT \(target) with \"\(statusLine)\"")
        }
        // The API server speaks only after the client's TLS hello: nothing may follow the reply.
        guard end == reply.count else {
            return fail(context: context, "the proxy sent \(reply.count - end) bytes after its answer to CONNECT \(target)")
        }
        done = true
        established.succeed(())
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done { fail(context: context, "the proxy closed the connection before it answered CONNECT \(target)") }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done { fail(context: context, "the connection to the proxy failed: \(error)") }
        context.fireErrorCaught(error)
    }

    private func fail(context: ChannelHandlerContext, _ message: String) {
        guard !done else { return }
        done = true
        established.fail(Refused(description: message))
        context.close(promise: nil)
    }

    /// The index just past the blank line ending the reply's head, if it has come.
    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count where bytes[index - 3] == 13 && bytes[index - 2] == 10 && bytes[index - 1] == 13 && bytes[index] == 10 {
            return index + 1
        }
        return nil
    }
}
