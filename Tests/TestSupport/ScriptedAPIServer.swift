import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A real HTTP(S) server on 127.0.0.1 whose every answer a test scripts, down
/// to the byte: a 429 with Retry-After, a connection dropped in the middle of
/// a chunk, a reply that never comes, TLS with a given CA, a required client
/// certificate. It speaks HTTP/1.1 over real sockets; the client under test is
/// not mocked in any way.
///
/// It is not an API server: KubeLab is, and it behaves as a v1.36 one (kept so
/// by kubectl and by the real cluster). This one is for the transport's corner
/// cases that no faithful server can be asked to produce on demand.
public final class ScriptedAPIServer: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var uri: String
        public var headers: [(String, String)]
        public var body: [UInt8]

        public var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }

        /// Query parameters, percent-decoded.
        public var query: [String: String] {
            guard let components = URLComponents(string: "http://x" + uri) else { return [:] }
            var result: [String: String] = [:]
            for item in components.queryItems ?? [] { result[item.name] = item.value ?? "" }
            return result
        }

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public struct Chunk: Sendable {
        public var delay: TimeInterval
        public var bytes: [UInt8]

        public init(delay: TimeInterval, bytes: [UInt8]) {
            self.delay = delay
            self.bytes = bytes
        }
    }

    public enum Action: Sendable {
        /// A complete reply with Content-Length.
        case reply(status: Int, headers: [(String, String)], body: [UInt8])
        /// A chunked reply written piece by piece; then the response ends properly,
        /// the connection is dropped without the terminating chunk, or it stays open.
        case stream(status: Int, chunks: [Chunk], ending: StreamEnding, endDelay: TimeInterval = 0.05)
        /// A chunked reply whose first part is sent at once and the rest only when
        /// the test opens `gate`: proves a client yields bytes as they arrive.
        case gated(status: Int, first: [UInt8], gate: StreamGate, rest: [UInt8], ending: StreamEnding = .finish)
        /// A chunked reply that stays open: the test writes to `feed` as the run
        /// goes (watch events one by one), then ends it or drops the connection.
        case feed(status: Int, LiveFeed)
        /// Close the connection without answering.
        case close
        /// Never answer.
        case hang

        public static func json(_ status: Int, _ body: [UInt8], headers: [(String, String)] = []) -> Action {
            .reply(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
        }

        public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Action {
            json(status, Array(text.utf8), headers: headers)
        }
    }

    public enum StreamEnding: Sendable {
        case finish, drop, hold
    }

    public typealias Responder = @Sendable (Request) -> Action

    private let channel: any Channel
    private let log: RequestLog
    public let port: Int
    public let scheme: String

    public var url: String { "\(scheme)://127.0.0.1:\(port)" }
    public var requests: [Request] { log.all }

    private init(channel: any Channel, log: RequestLog, port: Int, scheme: String) {
        self.channel = channel
        self.log = log
        self.port = port
        self.scheme = scheme
    }

    /// Starts a server; with `tls` it serves HTTPS (and, if the configuration says so, requires client certificates).
    public static func start(tls: TLSConfiguration? = nil, responder: @escaping Responder) async throws -> ScriptedAPIServer {
        let sslContext = try tls.map { try NIOSSLContext(configuration: $0) }
        let log = RequestLog()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ScriptedHandler(responder: responder, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedAPIServer(channel: channel, log: log, port: channel.localAddress?.port ?? 0, scheme: tls == nil ? "http" : "https")
    }

    public func stop() async {
        try? await channel.close()
    }

    /// Server-side TLS with a certificate from `TestPKI`; `clientCA` makes client certificates mandatory.
    public static func tls(certificate: String, key: String, clientCA: String? = nil) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        if let clientCA {
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCA))
        }
        return configuration
    }
}

/// Opened by a test to let a `.gated` reply continue.
public final class StreamGate: @unchecked Sendable {
    // The lock guards `isOpen` and `waiters`: the server registers on an event loop, the test opens from its task.
    private let lock = NSLock()
    private var isOpen = false
    private var waiters: [@Sendable () -> Void] = []

    public init() {}

    public func whenOpen(_ action: @escaping @Sendable () -> Void) {
        let runNow = lock.withLock { () -> Bool in
            if isOpen { return true }
            waiters.append(action)
            return false
        }
        if runNow { action() }
    }

    public func open() {
        let pending = lock.withLock { () -> [@Sendable () -> Void] in
            isOpen = true
            defer { waiters = [] }
            return waiters
        }
        pending.forEach { $0() }
    }
}

/// An open chunked reply a test writes to: the watch stream of a scripted API
/// server. What is sent before the reply is open is kept and written first.
public final class LiveFeed: @unchecked Sendable {
    public enum Piece: Sendable {
        case bytes([UInt8])
        case finish
        case drop
    }

    // The lock guards `pending`, `writer` and `ended`: the test sends from its task, the server attaches on an event loop.
    private let lock = NSLock()
    private var pending: [Piece] = []
    private var writer: (@Sendable (Piece) -> Void)?
    private var ended = false

    public init() {}

    /// Sends bytes as one chunk.
    public func send(_ bytes: [UInt8]) { deliver(.bytes(bytes)) }

    /// Sends one line (a watch event) with its newline.
    public func sendLine(_ line: String) { deliver(.bytes(Array((line + "\n").utf8))) }

    /// Ends the reply properly (the server's watch timeout).
    public func finish() { deliver(.finish) }

    /// Drops the connection without ending the reply (an API server killed, a network cut).
    public func drop() { deliver(.drop) }

    /// True once the reply was ended or dropped.
    public var isEnded: Bool { lock.withLock { ended } }

    /// True once the server has opened the reply for this feed.
    public var isOpen: Bool { lock.withLock { writer != nil } }

    private func deliver(_ piece: Piece) {
        let write = lock.withLock { () -> (@Sendable (Piece) -> Void)? in
            if ended { return nil }
            if case .bytes = piece {} else { ended = true }
            if writer == nil { pending.append(piece) }
            return writer
        }
        write?(piece)
    }

    func attach(_ write: @escaping @Sendable (Piece) -> Void) {
        let queued = lock.withLock { () -> [Piece] in
            writer = write
            defer { pending = [] }
            return pending
        }
        queued.forEach(write)
    }
}

/// The requests a server received, in order; a lock guards it because NIO
/// event-loop threads append while the test thread reads.
final class RequestLog: @unchecked Sendable {
    private let lock = NSLock()
    private var requests: [ScriptedAPIServer.Request] = []

    func append(_ request: ScriptedAPIServer.Request) {
        lock.withLock { requests.append(request) }
    }

    var all: [ScriptedAPIServer.Request] {
        lock.withLock { requests }
    }

}

/// Collects one request, asks the responder what to do, does it.
private final class ScriptedHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: ScriptedAPIServer.Responder
    private let log: RequestLog
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(responder: @escaping ScriptedAPIServer.Responder, log: RequestLog) {
        self.responder = responder
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            let request = ScriptedAPIServer.Request(
                method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: body)
            log.append(request)
            perform(responder(request), context: context)
        }
    }

    private func perform(_ action: ScriptedAPIServer.Action, context: ChannelHandlerContext) {
        switch action {
        case .reply(let status, let headers, let body):
            var responseHeaders = HTTPHeaders(headers)
            responseHeaders.replaceOrAdd(name: "Content-Length", value: String(body.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: responseHeaders))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case .stream(let status, let chunks, let ending, let endDelay):
            let headers = HTTPHeaders([("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers))), promise: nil)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            var delay: TimeInterval = 0
            for chunk in chunks {
                delay += chunk.delay
                context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay * 1e9))) {
                    let context = bound.value
                    context.writeAndFlush(handler.value.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: chunk.bytes)))), promise: nil)
                }
            }
            context.eventLoop.scheduleTask(in: .nanoseconds(Int64((delay + endDelay) * 1e9))) {
                let context = bound.value
                switch ending {
                case .drop: context.close(promise: nil)
                case .finish: context.writeAndFlush(handler.value.wrapOutboundOut(.end(nil)), promise: nil)
                case .hold: break
                }
            }
        case .gated(let status, let first, let gate, let rest, let ending):
            let headers = HTTPHeaders([("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: first)))), promise: nil)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            gate.whenOpen {
                eventLoop.execute {
                    let context = bound.value
                    context.writeAndFlush(handler.value.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: rest)))), promise: nil)
                    switch ending {
                    case .finish: context.writeAndFlush(handler.value.wrapOutboundOut(.end(nil)), promise: nil)
                    case .drop: context.close(promise: nil)
                    case .hold: break
                    }
                }
            }
        case .feed(let status, let feed):
            let headers = HTTPHeaders([("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers))), promise: nil)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            feed.attach { piece in
                eventLoop.execute {
                    let context = bound.value
                    switch piece {
                    case .bytes(let bytes):
                        context.writeAndFlush(handler.value.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
                    case .finish:
                        context.writeAndFlush(handler.value.wrapOutboundOut(.end(nil)), promise: nil)
                    case .drop:
                        context.close(promise: nil)
                    }
                }
            }
        case .close:
            context.close(promise: nil)
        case .hang:
            break
        }
    }
}
