import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket

/// One HTTP/1.1 connection: gathers a request, authenticates it (verified client
/// certificate or bearer token), applies the latency fault, asks `LabAPI`, and writes
/// the answer — a whole body, or a chunked watch stream (`LabWatchSession`).
final class LabHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maxBodyBytes = 16 << 20

    let api: LabAPI
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var bodyTooLarge = false
    /// The client certificate's identity, looked up once per connection.
    private var certificateIdentity: LabIdentity??
    private var watch: LabWatchSession?
    private var log: LabLogSession?

    /// An answer the attach upgrader already got from the API for this request (it did not upgrade).
    private let answered: LabMutex<LabResponse?>

    init(api: LabAPI, answered: LabMutex<LabResponse?> = LabMutex(nil)) {
        self.api = api
        self.answered = answered
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
            bodyTooLarge = false
            // curl asks before sending a larger body; Go's server answers 100 Continue, so does the lab.
            if h.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: .continue))), promise: nil)
            }
        case .body(var buffer):
            if body.count + buffer.readableBytes > LabHTTPHandler.maxBodyBytes {
                bodyTooLarge = true
            } else if let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body.append(contentsOf: bytes)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let bytes = body
            body = []
            handle(context: context, head: head, body: bytes)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        watch?.stop()
        watch = nil
        log?.stop()
        log = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A WebSocket upgrade the lab declined (not an attach it accepts): NIO says so as an
        // error, then hands the request on as a plain one, which is answered as the API server does.
        if error is NIOWebSocketUpgradeError { return }
        // TLS failures (an untrusted client certificate, a client hanging up) end the connection.
        watch?.stop()
        watch = nil
        log?.stop()
        log = nil
        context.close(promise: nil)
    }

    private func identity(context: ChannelHandlerContext, head: HTTPRequestHead) -> (LabIdentity?, badToken: Bool) {
        if certificateIdentity == nil {
            certificateIdentity = .some(Self.certificateIdentity(context.pipeline.syncOperations))
        }
        return Self.identity(certificate: certificateIdentity ?? nil, head: head, api: api)
    }

    /// The identity of the connection's verified client certificate, if it has one.
    static func certificateIdentity(_ pipeline: ChannelPipeline.SynchronousOperations) -> LabIdentity? {
        let peer = (try? pipeline.nioSSL_peerCertificate()) ?? nil
        let der = peer.flatMap { try? $0.toDERBytes() }
        return der.flatMap { LabCertificates.identity(fromDER: $0) }
    }

    /// Who sent `head`: the client certificate's identity, else the bearer token's.
    static func identity(certificate: LabIdentity?, head: HTTPRequestHead, api: LabAPI) -> (LabIdentity?, badToken: Bool) {
        if let cert = certificate { return (cert, false) }
        if let auth = head.headers.first(name: "authorization") {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].trimmingCharacters(in: .whitespaces)
                if let id = api.users.authenticate(token: token) { return (id, false) }
            }
            return (nil, true)
        }
        return (nil, false)
    }

    private func handle(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let (identity, _) = self.identity(context: context, head: head)
        let request = LabRequest(head: head, body: body, identity: identity)
        if bodyTooLarge {
            let e = APIError(code: 413, reason: "RequestEntityTooLarge", message: "the request body is larger than the lab accepts (16 MiB)", details: nil)
            write(context: context, head: head, response: .error(e, pretty: request.wantsPretty))
            return
        }
        let delay = request.path.hasPrefix("/kubelab/") ? 0 : api.faults.latencyMilliseconds
        if delay > 0 {
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(delay))) {
                self.respond(context: context, head: head, request: request)
            }
        } else {
            respond(context: context, head: head, request: request)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, request: LabRequest) {
        let response = answered.withLock { a -> LabResponse? in defer { a = nil }; return a } ?? api.handle(request)
        switch response {
        case .body(let status, _, _, _):
            if status == 200, head.method == .PATCH, request.path.hasSuffix("/ephemeralcontainers"), request.query["dryRun"] == nil,
                api.faults.consumeLostEphemeralPatchReply()
            {
                // Applied and stored; the reply is lost with the connection (a fault).
                context.close(promise: nil)
                return
            }
            write(context: context, head: head, response: response)
        case .watch(let plan):
            let session = LabWatchSession(
                context: context, plan: plan, store: api.store, dropAfter: api.faults.dropWatchAfterEvents, keepAlive: head.isKeepAlive,
                version: head.version, pretty: request.wantsPretty)
            watch = session
            session.start()
        case .log(let plan):
            let session = LabLogSession(context: context, plan: plan, logs: api.logs, keepAlive: head.isKeepAlive, version: head.version)
            log = session
            session.start()
        case .attach:
            // Not upgraded (`LabAttachUpgrade` takes every attach it can). A v1.36 server
            // answers a plain request 400, and a WebSocket offering none of its
            // subprotocols a bare 403 that closes the connection.
            if head.headers.first(name: "upgrade")?.lowercased() == "websocket" {
                var headers = HTTPHeaders()
                headers.add(name: "Connection", value: "close")
                headers.add(name: "Content-Length", value: "0")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .forbidden, headers: headers))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            } else {
                write(context: context, head: head, response: .error(.badRequest("Upgrade request required"), pretty: request.wantsPretty))
            }
        }
    }

    static func standardHeaders(contentType: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "Audit-Id", value: LabNames.uuid())
        headers.add(name: "Cache-Control", value: "no-cache, private")
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Date", value: LabHTTPHandler.httpDate(Date()))
        return headers
    }

    private func write(context: ChannelHandlerContext, head: HTTPRequestHead, response: LabResponse) {
        guard case .body(let status, let contentType, let bytes, let extra) = response else { return }
        var headers = LabHTTPHandler.standardHeaders(contentType: contentType)
        for (name, value) in extra { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(bytes.count))
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if head.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let keepAlive = head.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    /// `Sun, 29 Nov 2026 00:08:39 GMT`
    static func httpDate(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var tm = tm()
        gmtime_r(&t, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) \(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) GMT"
    }
}
