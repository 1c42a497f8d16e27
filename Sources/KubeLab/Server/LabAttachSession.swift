import NIOCore
import NIOWebSocket

/// One `pods/attach` session over WebSocket, framed as a v1.36 API server and
/// kubelet frame it (`v5.channel.k8s.io` or `v4.channel.k8s.io`): every binary
/// message starts with its stream's byte; the server first sends an empty
/// stdout message, then the container's output from the moment of the attach
/// on (not its history: that is the log's), and when the container's output
/// ends, `{"metadata":{},"status":"Success"}` on the error stream and a close
/// (1000).
///
/// stdin goes to the container's pipe. As on a real node: with `stdinOnce`
/// the end of stdin (v5's close signal, or the session's end) closes the
/// container's stdin and the session goes on until the container's output
/// ends; without it, the end of stdin ends the session and the container's
/// stdin stays open for the next attach.
///
/// The lab's log file carries stdout and stderr together, so all output goes
/// out as stdout (a real kubelet keeps them apart).
final class LabAttachSession: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let plan: AttachPlan
    private let logs: LabLogStore
    /// The `cutAttachStreams` fault: the session is cut after this many bytes of output.
    private let cutAfterBytes: Int?
    /// The `stallAttachStreams` fault: stdin is taken, nothing is sent back.
    private let stalled: Bool
    private var context: ChannelHandlerContext?
    private var followerID: Int?
    private var sentBytes = 0
    private var ended = false

    init(plan: AttachPlan, logs: LabLogStore, cutAfterBytes: Int?, stalled: Bool = false) {
        self.plan = plan
        self.logs = logs
        self.cutAfterBytes = cutAfterBytes
        self.stalled = stalled
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if stalled { return }
        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let (_, id) = logs.follow(namespace: plan.namespace, pod: plan.pod, container: plan.container) { chunk in
            loop.execute {
                switch chunk {
                case .records(let records): bound.value.send(records)
                case .end: bound.value.finish()
                }
            }
        }
        followerID = id
        if plan.stdout { write(stream: 1, []) }
        context.flush()
        if id == nil { finish() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary, .text:
            var payload = frame.unmaskedData
            guard let stream = payload.readInteger(as: UInt8.self) else { return }
            let bytes = payload.readBytes(length: payload.readableBytes) ?? []
            switch stream {
            case 0:
                plan.stdin?.write(bytes)
            case 255 where bytes.first == 0:
                endOfStdin()
            default:
                break  // resize and the rest: no tty here
            }
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            ended = true
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopFollowing()
        // The first attach session of a stdinOnce container ends its stdin.
        if plan.stdin?.once == true { plan.stdin?.close() }
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// How long a session without stdinOnce waits for output after stdin ended.
    static let lastOutputGrace = TimeAmount.milliseconds(200)

    private func endOfStdin() {
        guard let stdin = plan.stdin else { return }
        if stdin.once {
            stdin.close()
        } else {
            // A node's streams carry what the container answers to its last input within
            // milliseconds; the lab's output goes through the log file, so it gives the
            // container a moment, copies what it wrote (queued on this loop), then ends.
            guard let loop = context?.eventLoop else { return }
            loop.assumeIsolated().scheduleTask(in: Self.lastOutputGrace) {
                self.plan.refreshOutput()
                loop.assumeIsolated().execute { self.finish() }
            }
        }
    }

    private func send(_ records: [CRILogRecord]) {
        guard !ended, plan.stdout || plan.stderr else { return }
        var out: [UInt8] = []
        for record in records {
            out += record.content
            if !record.partial { out.append(0x0A) }
        }
        if let cut = cutAfterBytes, sentBytes + out.count > cut {
            // The fault: what fits goes out, then the connection is gone, without a status.
            write(stream: 1, Array(out.prefix(max(0, cut - sentBytes))))
            ended = true
            context?.flush()
            context?.close(promise: nil)
            return
        }
        sentBytes += out.count
        write(stream: 1, out)
        context?.flush()
    }

    /// The container's output ended (or, without stdinOnce, stdin did): the status, then the close.
    private func finish() {
        guard !ended, let context else { return }
        ended = true
        stopFollowing()
        write(stream: 3, Array(#"{"metadata":{},"status":"Success"}"#.utf8))
        var code = ByteBuffer()
        code.write(webSocketErrorCode: .normalClosure)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: code))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func write(stream: UInt8, _ bytes: [UInt8]) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count + 1)
        buffer.writeInteger(stream)
        buffer.writeBytes(bytes)
        context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .binary, data: buffer)), promise: nil)
    }

    private func stopFollowing() {
        if let id = followerID {
            logs.unfollow(namespace: plan.namespace, pod: plan.pod, container: plan.container, id: id)
            followerID = nil
        }
    }
}
