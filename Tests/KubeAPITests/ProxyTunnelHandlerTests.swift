import NIOCore
import NIOEmbedded
import Testing
@testable import KubeAPI

/// The CONNECT tunnel the attach's WebSocket takes through an HTTP proxy: what it
/// sends, and how it reads the proxy's answer, byte by byte as a proxy may send it.
@Suite("HTTP CONNECT tunnel for pods/attach")
struct ProxyTunnelHandlerTests {
    /// An active channel with the handler; what it wrote first; its promise.
    func connected(authorization: String? = nil) throws -> (EmbeddedChannel, String, EventLoopFuture<Void>) {
        let channel = EmbeddedChannel()
        let promise = channel.eventLoop.makePromise(of: Void.self)
        try channel.pipeline.syncOperations.addHandler(
            ProxyTunnelHandler(target: "10.0.0.5:6443", authorization: authorization, established: promise))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3128)).wait()
        var written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        return (channel, written.readString(length: written.readableBytes) ?? "", promise.futureResult)
    }

    @Test("CONNECT names the API server, with Proxy-Authorization when the proxy URL has a user")
    func request() throws {
        let (_, plain, _) = try connected()
        #expect(plain == "CONNECT 10.0.0.5:6443 HTTP/1.1\r\nHost: 10.0.0.5:6443\r\n\r\n")
        let (_, authorized, _) = try connected(authorization: "Basic dTpw")
        #expect(authorized == "CONNECT 10.0.0.5:6443 HTTP/1.1\r\nHost: 10.0.0.5:6443\r\nProxy-Authorization: Basic dTpw\r\n\r\n")
    }

    @Test("200 in pieces: the tunnel stands, the handler steps aside and what follows passes through")
    func established() throws {
        let (channel, _, future) = try connected()
        for piece in ["HTTP/1.1 200 Conn", "ection established\r\n", "Proxy-Agent: squid\r\n\r", "\n"] {
            try channel.writeInbound(channel.allocator.buffer(string: piece))
        }
        try future.wait()
        try channel.writeInbound(channel.allocator.buffer(string: "tls bytes"))
        var through = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(through.readString(length: through.readableBytes) == "tls bytes")
        try channel.writeAndFlush(channel.allocator.buffer(string: "hello")).wait()
        var out = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(out.readString(length: out.readableBytes) == "hello")
    }

    @Test("407 fails the tunnel with the proxy's status line and closes the connection")
    func refused() throws {
        let (channel, _, future) = try connected()
        try channel.writeInbound(channel.allocator.buffer(string: "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"))
        #expect(throws: ProxyTunnelHandler.Refused.self) { try future.wait() }
        do { try future.wait() } catch { #expect("\(error)".contains("407 Proxy Authentication Required"), "\(error)") }
        #expect(!channel.isActive)
    }

    @Test("a proxy that hangs up, or talks past its answer, fails the tunnel")
    func brokenProxy() throws {
        let (hangUp, _, hungUp) = try connected()
        hangUp.pipeline.fireChannelInactive()
        do { try hungUp.wait(); Issue.record("a hang-up opened the tunnel") } catch { #expect("\(error)".contains("closed the connection")) }
        let (chatty, _, talked) = try connected()
        try chatty.writeInbound(chatty.allocator.buffer(string: "HTTP/1.1 200 OK\r\n\r\nextra"))
        do { try talked.wait(); Issue.record("bytes after the answer were accepted") } catch { #expect("\(error)".contains("5 bytes after its answer")) }
    }

    @Test("nothing is written toward the API server before the proxy has answered")
    func gated() throws {
        let (channel, _, _) = try connected()
        #expect(throws: (any Error).self) { try channel.writeAndFlush(channel.allocator.buffer(string: "early")).wait() }
    }
}
