import Foundation
import NIOCore

/// The API server's listening socket and the connections it accepted, so that the
/// `apiServerOutage` fault can do what killing and restarting kube-apiserver does: every
/// open connection ends at once (its socket is closed under TLS, as the kernel closes a
/// killed process's sockets: no close_notify, no terminating chunk), nothing listens on
/// the port for the outage (connects are refused), then the server listens on the same
/// port again. The store is untouched: as etcd keeps the history, a watch resumes from the
/// resourceVersion it had (a v1.36 kube-apiserver, restarted, serves such a watch too).
final class LabListener: Sendable {
    /// Binds a new listening socket on the given port.
    typealias Bind = @Sendable (_ port: Int) -> EventLoopFuture<Channel>

    private struct Listening: Sendable {
        let bind: Bind
        let port: Int
        let timers: EventLoop
    }

    private struct State: Sendable {
        var listening: Listening?
        var channel: Channel?
        /// How to close each open connection's socket, by connection id.
        var connections: [Int: @Sendable () -> Void] = [:]
        var nextConnectionID = 1
        /// When the current outage ends; nil while the server is up.
        var outageEnds: NIODeadline?
        /// Counts outages, so that a late bind of an earlier one is not kept.
        var outage = 0
        var resume: Scheduled<Void>?
        var stopped = false
    }

    private let state = LabMutex(State())

    init() {}

    /// Listens for the first time; `port` 0 picks a free port, which every later bind reuses.
    func start(port: Int, timers: EventLoop, bind: @escaping Bind) async throws -> Channel {
        let channel = try await bind(port).get()
        let bound = channel.localAddress?.port ?? port
        state.withLock { s in
            s.listening = Listening(bind: bind, port: bound, timers: timers)
            s.channel = channel
        }
        return channel
    }

    /// Registers an accepted connection with how to cut it; nil when the server is down
    /// (the caller closes the connection at once).
    func register(cut: @escaping @Sendable () -> Void) -> Int? {
        state.withLock { s in
            guard !s.stopped, s.outageEnds == nil else { return nil }
            let id = s.nextConnectionID
            s.nextConnectionID += 1
            s.connections[id] = cut
            return id
        }
    }

    func unregister(_ id: Int) {
        state.withLock { s in _ = s.connections.removeValue(forKey: id) }
    }

    /// Milliseconds until the current outage ends; 0 while the server is up.
    var outageRemainingMilliseconds: Int {
        state.withLock { s in
            guard let ends = s.outageEnds else { return 0 }
            let left = (ends - NIODeadline.now()).nanoseconds
            return left > 0 ? Int((left + 999_999) / 1_000_000) : 0
        }
    }

    /// The server goes down for `milliseconds`: stops listening and cuts every open
    /// connection. A request being answered when this is called (the faults PUT itself)
    /// gets its reply first: each connection is closed on its own event loop, after the
    /// task running now. An outage during an outage moves its end.
    func beginOutage(milliseconds: Int) {
        guard milliseconds > 0 else { return }
        let (listening, cuts) = state.withLock { s -> (Channel?, [@Sendable () -> Void]) in
            guard !s.stopped, let timers = s.listening?.timers else { return (nil, []) }
            s.outage += 1
            let outage = s.outage
            let deadline = NIODeadline.now() + .milliseconds(Int64(milliseconds))
            s.outageEnds = deadline
            s.resume?.cancel()
            s.resume = timers.scheduleTask(deadline: deadline) { self.resume(outage: outage, attempt: 0) }
            let channel = s.channel
            s.channel = nil
            let cuts = Array(s.connections.values)
            s.connections = [:]
            return (channel, cuts)
        }
        listening?.close(promise: nil)
        for cut in cuts { cut() }
    }

    /// Ends the current outage now (the server listens again); nothing when it is up.
    func endOutage() {
        let outage = state.withLock { s -> Int? in
            guard !s.stopped, s.outageEnds != nil else { return nil }
            s.resume?.cancel()
            s.resume = nil
            return s.outage
        }
        if let outage { resume(outage: outage, attempt: 0) }
    }

    /// Listens again after an outage. The port is normally free at once (SO_REUSEADDR
    /// covers the connections in TIME_WAIT); should another socket hold it for a moment,
    /// the bind is tried again every 50 ms for 10 s.
    private func resume(outage: Int, attempt: Int) {
        let listening = state.withLock { s -> Listening? in
            guard !s.stopped, s.outage == outage, s.channel == nil, let listening = s.listening else { return nil }
            s.outageEnds = nil
            s.resume = nil
            return listening
        }
        guard let listening else { return }
        listening.bind(listening.port).whenComplete { result in
            switch result {
            case .success(let channel):
                let kept = self.state.withLock { s -> Bool in
                    guard !s.stopped, s.outage == outage, s.channel == nil else { return false }
                    s.channel = channel
                    return true
                }
                if !kept { channel.close(promise: nil) }
            case .failure(let error):
                let retrying = self.state.withLock { s -> Bool in
                    guard !s.stopped, s.outage == outage, s.channel == nil, attempt < 200 else { return false }
                    s.resume = listening.timers.scheduleTask(in: .milliseconds(50)) { self.resume(outage: outage, attempt: attempt + 1) }
                    return true
                }
                if !retrying && attempt >= 200 {
                    FileHandle.standardError.write(
                        Data("kubelab: cannot listen on port \(listening.port) again after the apiServerOutage fault: \(error)\n".utf8))
                }
            }
        }
    }

    /// Stops listening for good (also during an outage); open connections are left to the caller.
    func stop() async {
        let channel = state.withLock { s -> Channel? in
            s.stopped = true
            s.resume?.cancel()
            s.resume = nil
            defer { s.channel = nil }
            return s.channel
        }
        try? await channel?.close()
    }
}

/// First in every connection's pipeline, under TLS: registers the connection with the
/// listener, so that an outage can close its socket directly, as the kernel does for a
/// killed process (no TLS close_notify, a watch or log stream without its terminating chunk).
final class LabConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let listener: LabListener
    private var id: Int?

    init(listener: LabListener) { self.listener = listener }

    func channelActive(context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let bound = NIOLoopBound(context, eventLoop: loop)
        // From this handler's context a close goes straight to the socket, past TLS and HTTP.
        id = listener.register { loop.execute { bound.value.close(promise: nil) } }
        guard id != nil else {
            // Accepted just as the server went down.
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        unregister()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { unregister() }

    private func unregister() {
        if let id { listener.unregister(id) }
        id = nil
    }
}
