import NIOCore
import NIOHTTP1

/// One log response: `text/plain`, chunked, as the kubelet streams it through the API
/// server. It reads the container's current log file as the kubelet does
/// (``ContainerLogWriter``: tail, since, timestamps, limit); without `follow` it sends that
/// and ends; with `follow` it goes on with each record written until the container ends,
/// `limitBytes` is used up, or the client goes away.
final class LabLogSession {
    private let context: ChannelHandlerContext
    private let plan: LogPlan
    private let logs: LabLogStore
    private let keepAlive: Bool
    private let version: HTTPVersion
    private var writer: ContainerLogWriter
    private var followerID: Int?
    private var finished = false

    init(context: ChannelHandlerContext, plan: LogPlan, logs: LabLogStore, keepAlive: Bool, version: HTTPVersion) {
        self.context = context
        self.plan = plan
        self.logs = logs
        self.keepAlive = keepAlive
        self.version = version
        self.writer = ContainerLogWriter(timestamps: plan.timestamps, since: plan.since, limitBytes: plan.limitBytes)
    }

    private func wrap(_ part: HTTPServerResponsePart) -> NIOAny { NIOAny(part) }

    func start() {
        var headers = LabHTTPHandler.standardHeaders(contentType: "text/plain")
        headers.add(name: "Transfer-Encoding", value: "chunked")
        context.write(wrap(.head(HTTPResponseHead(version: version, status: .ok, headers: headers))), promise: nil)
        if plan.stall {
            // Held until the client goes away.
            context.flush()
            return
        }
        let file: [UInt8]
        if plan.follow {
            let loop = context.eventLoop
            let bound = NIOLoopBound(self, eventLoop: loop)
            let (current, id) = logs.follow(namespace: plan.namespace, pod: plan.pod, container: plan.container) { chunk in
                loop.execute {
                    switch chunk {
                    case .records(let records): bound.value.send(records)
                    case .end: bound.value.finish()
                    }
                }
            }
            file = current
            followerID = id
        } else {
            file = logs.file(namespace: plan.namespace, pod: plan.pod, container: plan.container)
        }
        var body: [UInt8] = []
        writer.write(file: file, tailLines: plan.tailLines, into: &body)
        write(body)
        // The kubelet writes zero bytes before it waits for the log, so the client has the
        // 200 at once even when a followed log stays quiet.
        context.flush()
        if followerID == nil || writer.isDone { finish() }
    }

    func send(_ records: [CRILogRecord]) {
        guard !finished else { return }
        var body: [UInt8] = []
        for record in records { writer.write(record, into: &body) }
        write(body)
        if writer.isDone { finish() }
    }

    private func write(_ bytes: [UInt8]) {
        guard !finished, !bytes.isEmpty else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.writeAndFlush(wrap(.body(.byteBuffer(buffer))), promise: nil)
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

/// A log read the connection handler carries out: whose log, and the kubelet's options for it.
struct LogPlan: Sendable {
    var namespace: String
    var pod: String
    var container: String
    var follow: Bool
    var tailLines: Int?
    var limitBytes: Int?
    var timestamps = false
    /// Records older than this are left out (`sinceSeconds`/`sinceTime`, fixed when the request came).
    var since: CRILogTime? = nil
    /// Send the 200 and then nothing, as a node cut off mid-read (a fault).
    var stall = false
}
