import NIOCore
import NIOHTTP1

/// One log response: `text/plain`, chunked, as the kubelet streams it through the API
/// server. Without `follow` it sends what the log holds and ends; with `follow` it
/// keeps sending until the container ends or the client goes away.
final class LabLogSession {
    private let context: ChannelHandlerContext
    private let plan: LogPlan
    private let logs: LabLogStore
    private let keepAlive: Bool
    private let version: HTTPVersion
    private var followerID: Int?
    private var finished = false
    private var sentBytes = 0

    init(context: ChannelHandlerContext, plan: LogPlan, logs: LabLogStore, keepAlive: Bool, version: HTTPVersion) {
        self.context = context
        self.plan = plan
        self.logs = logs
        self.keepAlive = keepAlive
        self.version = version
    }

    private func wrap(_ part: HTTPServerResponsePart) -> NIOAny { NIOAny(part) }

    func start() {
        var headers = LabHTTPHandler.standardHeaders(contentType: "text/plain")
        headers.add(name: "Transfer-Encoding", value: "chunked")
        context.write(wrap(.head(HTTPResponseHead(version: version, status: .ok, headers: headers))), promise: nil)
        var initial: [UInt8]
        if plan.follow {
            let loop = context.eventLoop
            let bound = NIOLoopBound(self, eventLoop: loop)
            let (bytes, id) = logs.follow(namespace: plan.namespace, pod: plan.pod, container: plan.container) { chunk in
                loop.execute {
                    switch chunk {
                    case .bytes(let b): bound.value.send(b)
                    case .end: bound.value.finish()
                    }
                }
            }
            initial = bytes
            followerID = id
        } else {
            initial = logs.read(namespace: plan.namespace, pod: plan.pod, container: plan.container)
        }
        if let tail = plan.tailLines { initial = LabLogSession.lastLines(initial, tail) }
        send(initial)
        if followerID == nil { finish() }
    }

    /// The last `n` lines (a final line without newline counts as a line).
    static func lastLines(_ bytes: [UInt8], _ n: Int) -> [UInt8] {
        guard n >= 0 else { return bytes }
        if n == 0 { return [] }
        var count = 0
        var i = bytes.count
        if i > 0, bytes[i - 1] == 0x0A { i -= 1 }
        while i > 0 {
            if bytes[i - 1] == 0x0A {
                count += 1
                if count == n { return Array(bytes[i...]) }
            }
            i -= 1
        }
        return bytes
    }

    func send(_ bytes: [UInt8]) {
        guard !finished, !bytes.isEmpty else { return }
        var chunk = bytes
        if let limit = plan.limitBytes {
            let room = limit - sentBytes
            if room <= 0 { return finish() }
            if chunk.count > room { chunk = Array(chunk.prefix(room)) }
        }
        sentBytes += chunk.count
        var buffer = context.channel.allocator.buffer(capacity: chunk.count)
        buffer.writeBytes(chunk)
        context.writeAndFlush(wrap(.body(.byteBuffer(buffer))), promise: nil)
        if let limit = plan.limitBytes, sentBytes >= limit { finish() }
    }

    func finish() {
        guard !finished else { return }
        stop()
        let keepAlive = self.keepAlive
        let context = self.context
        context.writeAndFlush(wrap(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    func stop() {
        guard !finished else { return }
        finished = true
        if let id = followerID { logs.unfollow(namespace: plan.namespace, pod: plan.pod, container: plan.container, id: id) }
        followerID = nil
    }
}

/// A log read the connection handler carries out.
struct LogPlan: Sendable {
    var namespace: String
    var pod: String
    var container: String
    var follow: Bool
    var tailLines: Int?
    var limitBytes: Int?
}
