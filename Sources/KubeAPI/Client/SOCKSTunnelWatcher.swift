import NIOCore
import NIOSOCKS

/// Opens a SOCKS5 tunnel (no authentication, the only kind a kubeconfig's
/// `socks5://` proxy-url may name here) for the attach's WebSocket: NIOSOCKS's
/// client handler speaks the protocol; this handler waits for its
/// "established" event (or its error) to say the tunnel stands, then both step
/// aside and TLS to the API server runs end to end through it.
final class SOCKSTunnelWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    let established: EventLoopPromise<Void>
    private let target: String
    private var done = false

    init(target: String, established: EventLoopPromise<Void>) {
        self.target = target
        self.established = established
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard !done, event is SOCKSProxyEstablishedEvent else { return context.fireUserInboundEventTriggered(event) }
        done = true
        established.succeed(())
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !done else { return context.fireErrorCaught(error) }
        done = true
        established.fail(Refused(description: "the SOCKS5 proxy did not open a tunnel to \(target): \(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            established.fail(Refused(description: "the SOCKS5 proxy closed the connection before it opened a tunnel to \(target)"))
        }
        context.fireChannelInactive()
    }
}
