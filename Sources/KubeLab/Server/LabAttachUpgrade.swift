import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The WebSocket upgrade of `pods/attach`: asks `LabAPI` as for any request
/// (authentication, RBAC `create` on pods/attach, the pod, the container and its
/// state) and upgrades only an attach it accepts, with a subprotocol both sides
/// speak. Everything else (errors included) goes on to `LabHTTPHandler` as a
/// plain request, which answers it as the API server does.
enum LabAttachUpgrade {
    /// The subprotocols the lab speaks, as a v1.36 server: v5 adds the close signal.
    static let subprotocols = ["v5.channel.k8s.io", "v4.channel.k8s.io"]

    /// One connection's upgrader; the plan found when the upgrade was agreed waits in `pending`.
    /// An attach it does not upgrade leaves its answer in `answered`, for `LabHTTPHandler`:
    /// asking the API twice would spend a fault twice and count the request twice.
    static func upgrader(api: LabAPI, answered: LabMutex<LabResponse?>) -> NIOWebSocketServerUpgrader {
        let pending = LabMutex<AttachPlan?>(nil)
        return NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 20,
            shouldUpgrade: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    guard head.uri.contains("/attach"),
                          let chosen = choose(head.headers[canonicalForm: "sec-websocket-protocol"].map(String.init))
                    else { return nil }
                    let certificate = LabHTTPHandler.certificateIdentity(channel.pipeline.syncOperations)
                    let (identity, _) = LabHTTPHandler.identity(certificate: certificate, head: head, api: api)
                    let response = api.handle(LabRequest(head: head, body: [], identity: identity))
                    guard case .attach(let plan) = response else {
                        answered.withLock { $0 = response }
                        return nil
                    }
                    pending.withLock { $0 = plan }
                    var headers = HTTPHeaders()
                    headers.add(name: "Sec-WebSocket-Protocol", value: chosen)
                    return headers
                }
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    guard let plan = pending.withLock({ p -> AttachPlan? in defer { p = nil }; return p }) else {
                        throw ChannelError.inappropriateOperationForState
                    }
                    // The HTTP handler stays in the pipeline for requests that were not upgraded; gone now.
                    if let http = try? channel.pipeline.syncOperations.handler(type: LabHTTPHandler.self) {
                        channel.pipeline.syncOperations.removeHandler(http, promise: nil)
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        LabAttachSession(plan: plan, logs: api.logs, cutAfterBytes: api.faults.consumeCutAttachStream(),
                                         stalled: api.faults.consumeStalledAttachStream()))
                }
            })
    }

    /// The first subprotocol the client offers that the lab speaks.
    static func choose(_ offered: [String]) -> String? {
        offered.first { subprotocols.contains($0.trimmingCharacters(in: .whitespaces)) }
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
