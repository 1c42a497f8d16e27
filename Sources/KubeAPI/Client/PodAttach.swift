import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSOCKS
import NIOSSL
import NIOWebSocket
import Synchronization

/// What came back over one `pods/{pod}/attach` session.
///
/// Whatever was read before the stream ended is kept, however it ended: the
/// caller decides (by the container's own digest) whether it is the whole
/// output, and reads the log instead when it is not.
public struct AttachOutcome: Sendable {
    public enum Ending: Sendable, Equatable {
        /// The server sent its `Status` and closed: the container's output ended.
        case completed
        /// The stream ended without the server's `Status`: the connection was cut,
        /// the server closed early, or the client stopped reading (the reason says which).
        case cut(String)
    }

    /// The subprotocol the server chose (`v5.channel.k8s.io` or `v4.channel.k8s.io`).
    public var subprotocol: String
    public var stdout: [UInt8] = []
    public var stderr: [UInt8] = []
    /// True when the output passed the caller's limit and the rest was not kept.
    public var outputLimitReached = false
    /// The server's `Status` from the error stream; "Success" when the attach ended normally.
    public var status: Status?
    public var ending: Ending
    /// Whether the end of stdin could be signalled (v5), rather than only sent.
    public var stdinClosed = false
}

extension KubeClient {
    /// Attaches to a running container (`GET pods/{pod}/attach` upgraded to a
    /// WebSocket, as kubectl 1.31+ does), writes `stdin` to it, ends stdin where
    /// the protocol can say so (v5), and reads stdout and stderr until the
    /// server ends the session (the container's output closed) or `outputLimit`
    /// bytes were read.
    ///
    /// Needs RBAC `get` and `create` on `pods/attach` (a WebSocket upgrade is a
    /// GET, and the API server asks for `create` too). Errors before the upgrade
    /// throw (`KubeAPIError` with the server's `Status`, or the transport's; the
    /// server must answer the upgrade within `requestTimeout`); a 401 renews the
    /// credential once, as every other request does. Once attached, anything that
    /// goes wrong ends the session with what was read
    /// (``AttachOutcome/Ending/cut(_:)``). Cancelling the task closes the connection.
    /// A proxy from the kubeconfig is not spoken here: the caller delivers another way.
    public func attach(
        namespace: String, pod: String, container: String, stdin input: [UInt8], outputLimit: Int
    ) async throws -> AttachOutcome {
        let request = APIRequest(
            method: .GET, path: "/api/v1/namespaces/\(Self.segment(namespace))/pods/\(Self.segment(pod))/attach",
            query: [("container", container), ("stdin", "true"), ("stdout", "true"), ("stderr", "true")])
        var renewed = false
        while true {
            try await limiter.acquire()
            let credential = try await credentials.current()
            let started = ContinuousClock.now
            let channelBox = AttachChannelBox()
            do {
                let outcome = try await withTaskCancellationHandler {
                    try await attachSession(request: request, credential: credential, input: input, outputLimit: outputLimit,
                                            channelBox: channelBox)
                } onCancel: {
                    channelBox.cancel()
                }
                logRequest(request, code: 101, since: started)
                return outcome
            } catch let error as KubeAPIError {
                logRequest(request, code: error.statusCode ?? 0, since: started)
                if error.statusCode == 401, !renewed, credentials.canRenew {
                    renewed = true
                    await credentials.invalidate(generation: credential.generation)
                    continue
                }
                throw error
            } catch {
                logRequest(request, failure: error, since: started)
                if Task.isCancelled || channelBox.isCancelled { throw CancellationError() }
                throw classify(error, request: request)
            }
        }
    }

    private enum Upgrade: Sendable {
        case attached(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, subprotocol: String)
        case refused(NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>)
    }

    private func attachSession(
        request: APIRequest, credential: CredentialProvider.Current, input: [UInt8], outputLimit: Int,
        channelBox: AttachChannelBox
    ) async throws -> AttachOutcome {
        let endpoint = try attachEndpoint()
        var tls: TLSConfiguration?
        if endpoint.https {
            var configuration = baseTLS
            if let certificate = credential.pluginCertificate {
                configuration.certificateChain = certificate.chain.map { .certificate($0) }
                configuration.privateKey = .privateKey(certificate.key)
            }
            tls = configuration
        }
        let sslContext = try tls.map { try NIOSSLContext(configuration: $0) }

        var headers = HTTPHeaders()
        headers.add(name: "Host", value: endpoint.hostHeader)
        headers.add(name: "User-Agent", value: options.userAgent)
        headers.add(name: "Sec-WebSocket-Protocol", value: RemoteCommandStream.subprotocols.joined(separator: ", "))
        if let authorization = credential.authorization { headers.add(name: "Authorization", value: authorization) }
        for header in connection.impersonation?.headers ?? [] { headers.add(name: header.name, value: header.value) }
        requestLog.sending("GET", baseURL + request.pathAndQuery, headers: headers)
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: endpoint.pathPrefix + request.pathAndQuery, headers: headers)

        let connectSeconds = max(1, min(options.requestTimeout, 10))
        // TLS and the WebSocket upgrade, on a connection to the API server or on a tunnel to it.
        @Sendable func configure(_ channel: Channel) throws -> EventLoopFuture<Upgrade> {
            if let sslContext {
                let handler = try NIOSSLClientHandler(context: sslContext, serverHostname: endpoint.serverName)
                try channel.pipeline.syncOperations.addHandler(handler)
            }
            let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(maxFrameSize: 1 << 20) { channel, response in
                channel.eventLoop.makeCompletedFuture {
                    // Kubernetes sends its output in whole messages; an aggregator keeps a fragmented one whole.
                    try channel.pipeline.syncOperations.addHandler(
                        NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 64,
                                                    maxAccumulatedFrameSize: 1 << 22))
                    let chosen = response.headers.first(name: "Sec-WebSocket-Protocol") ?? ""
                    return .attached(try NIOAsyncChannel(wrappingChannelSynchronously: channel), subprotocol: chosen)
                }
            }
            let configuration = NIOTypedHTTPClientUpgradeConfiguration<Upgrade>(
                upgradeRequestHead: head, upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        .refused(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                    }
                })
            var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: configuration)
            // The server's first messages can come in the same read as its 101: they are
            // the stream's, not leftovers of the HTTP reply to drop (NIO's default).
            pipeline.leftOverBytesStrategy = .forwardBytes
            return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
        }
        // Through the kubeconfig's proxy: to the proxy, a tunnel (HTTP CONNECT or SOCKS5), then the same as without.
        let tunnel = connection.proxy.map { proxy in
            (host: proxy.host, port: proxy.port, kind: proxy.kind, authorization: proxy.basicAuthorization)
        }
        let (channel, upgrade): (Channel, EventLoopFuture<Upgrade>) = try await ClientBootstrap(group: HTTPClient.defaultEventLoopGroup)
            .connectTimeout(.milliseconds(Int64(connectSeconds * 1000)))
            .connect(host: tunnel?.host ?? endpoint.host, port: tunnel?.port ?? endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let tunnel else { return (channel, try configure(channel)) }
                    let established = channel.eventLoop.makePromise(of: Void.self)
                    switch tunnel.kind {
                    case .http:
                        try channel.pipeline.syncOperations.addHandler(
                            ProxyTunnelHandler(target: endpoint.authority, authorization: tunnel.authorization, established: established))
                    case .socks5:
                        // The server's name goes to the proxy to resolve (socks5h), an address as one.
                        let address: SOCKSAddress = (try? SocketAddress(ipAddress: endpoint.host, port: endpoint.port)).map { .address($0) }
                            ?? .domain(endpoint.host, port: endpoint.port)
                        try channel.pipeline.syncOperations.addHandlers([
                            SOCKSClientHandler(targetAddress: address),
                            SOCKSTunnelWatcher(target: endpoint.authority, established: established),
                        ])
                    }
                    return (channel, established.futureResult.flatMapThrowing { try configure(channel) }.flatMap { $0 })
                }
            }
        // The connection that won (not one of the attempts NIO made on the way): a cancellation
        // closes it, also one that came while connecting.
        try channelBox.hold(channel)
        // A server that takes the connection and never answers the upgrade does not hold the pod.
        let answerTimeout = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(max(1, options.requestTimeout) * 1000))) {
            channel.close(promise: nil)
        }
        let answer: Upgrade
        do {
            answer = try await upgrade.get()
            answerTimeout.cancel()
        } catch {
            answerTimeout.cancel()
            try? await channel.close()
            throw error
        }
        try Task.checkCancellation()
        switch answer {
        case .refused(let channel):
            throw try await refusal(channel, request: request)
        case .attached(let channel, let subprotocol):
            guard RemoteCommandStream.subprotocols.contains(subprotocol) else {
                try? await channel.channel.close()
                throw KubeAPIError.invalidResponse(
                    method: "GET", path: request.pathAndQuery,
                    detail: "the server upgraded the attach to a WebSocket without choosing one of the subprotocols offered (\(RemoteCommandStream.subprotocols.joined(separator: ", "))): \"\(subprotocol)\"")
            }
            return await exchange(on: channel, subprotocol: subprotocol, input: input, outputLimit: outputLimit)
        }
    }

    /// The server answered the upgrade with an HTTP reply: its `Status`, as an error.
    private func refusal(_ channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>, request: APIRequest) async throws -> any Error {
        var code = 0
        var headers = HTTPHeaders()
        var body: [UInt8] = []
        try await channel.executeThenClose { inbound, _ in
            for try await part in inbound {
                switch part {
                case .head(let head):
                    code = Int(head.status.code)
                    headers = head.headers
                case .body(var buffer):
                    if body.count < 1 << 20, let bytes = buffer.readBytes(length: min(buffer.readableBytes, (1 << 20) - body.count)) {
                        body += bytes
                    }
                case .end:
                    return
                }
            }
        }
        return errorFor(Reply(code: code, headers: headers, body: body), request: request)
    }

    /// Sends stdin, ends it (v5), and reads until the server's status and close, a cut, or the limit.
    private func exchange(
        on channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, subprotocol: String, input: [UInt8], outputLimit: Int
    ) async -> AttachOutcome {
        var outcome = AttachOutcome(subprotocol: subprotocol, ending: .cut("the stream ended before the server's status"))
        var statusSeen = false
        do {
            try await channel.executeThenClose { inbound, outbound in
                // One message per 32 KiB, as kubectl writes stdin.
                var offset = 0
                while offset < input.count {
                    let end = min(input.count, offset + 32 * 1024)
                    try await outbound.write(Self.frame(stream: .stdin, input[offset..<end]))
                    offset = end
                }
                if RemoteCommandStream.canCloseStdin(subprotocol) {
                    try await outbound.write(Self.frame(stream: .close, [RemoteCommandStream.stdin.rawValue]))
                    outcome.stdinClosed = true
                }
                for try await frame in inbound {
                    switch frame.opcode {
                    case .binary, .text:
                        var data = frame.unmaskedData
                        guard let first = data.readInteger(as: UInt8.self) else { continue }
                        let payload = data.readBytes(length: data.readableBytes) ?? []
                        switch RemoteCommandStream(rawValue: first) {
                        case .stdout?, .stderr?:
                            let kept = outcome.stdout.count + outcome.stderr.count
                            let room = max(0, outputLimit - kept)
                            if payload.count > room { outcome.outputLimitReached = true }
                            if first == RemoteCommandStream.stdout.rawValue {
                                outcome.stdout += payload.prefix(room)
                            } else {
                                outcome.stderr += payload.prefix(room)
                            }
                            if outcome.outputLimitReached {
                                outcome.ending = .cut("the output passed the limit of \(outputLimit) bytes; the rest was not read")
                                return
                            }
                        case .error?:
                            statusSeen = true
                            outcome.status = try? JSONDecoderFactory.shared.decode(Status.self, from: payload)
                            if outcome.status == nil {
                                outcome.status = Status(status: "Failure", message: String(decoding: payload.prefix(2048), as: UTF8.self))
                            }
                        default:
                            continue
                        }
                    case .ping:
                        try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData))
                    case .connectionClose:
                        outcome.ending = Self.ending(statusSeen: statusSeen, status: outcome.status,
                                                     otherwise: "the server closed the stream without a status")
                        try? await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: ByteBuffer()))
                        return
                    default:
                        continue
                    }
                }
                outcome.ending = Self.ending(statusSeen: statusSeen, status: outcome.status,
                                             otherwise: "the connection ended without the server's status or close")
            }
        } catch {
            outcome.ending = .cut(Task.isCancelled ? "the read was stopped" : "the connection failed: \(Self.connectionFailure(error))")
        }
        return outcome
    }

    /// What went wrong with an open connection, in words: NIO's errors name the
    /// system call (`read(descriptor:pointer:size:): Connection reset by peer (errno: 104)`).
    static func connectionFailure(_ error: any Error) -> String {
        if let io = error as? IOError {
            return "\(String(cString: strerror(io.errnoCode)).lowercased()) (errno \(io.errnoCode))"
        }
        return withoutSourcePaths(error)
    }

    /// Complete only with the server's "Success": a Failure status (the kubelet lost the
    /// container's streams) is a session that did not carry everything.
    static func ending(statusSeen: Bool, status: Status?, otherwise: String) -> AttachOutcome.Ending {
        guard statusSeen else { return .cut(otherwise) }
        if let status, status.status != "Success" {
            return .cut("the server ended the session with \(status.status ?? "no outcome"): \(status.message ?? "no message")")
        }
        return .completed
    }

    static func frame(stream: RemoteCommandStream, _ bytes: some Collection<UInt8>) -> WebSocketFrame {
        var buffer = ByteBuffer()
        buffer.writeInteger(stream.rawValue)
        buffer.writeBytes(bytes)
        return WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: buffer)
    }

    /// Where the API server listens, read from the kubeconfig's server URL (not
    /// `baseURL`, which carries the tls-server-name as its host).
    struct AttachEndpoint {
        var https: Bool
        var host: String
        var port: Int
        /// The TLS server name to send and verify: tls-server-name, else the host (nil for an IP address).
        var serverName: String?
        var hostHeader: String
        var pathPrefix: String
        /// `host:port` as a CONNECT names it (an IPv6 address in brackets).
        var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    func attachEndpoint() throws -> AttachEndpoint {
        guard let components = URLComponents(string: connection.server), let host = components.host else {
            throw KubeconfigError(file: connection.sourceFiles.first, field: "server", message: "The server \"\(connection.server)\" is not a URL.")
        }
        let https = components.scheme?.lowercased() != "http"
        let port = components.port ?? (https ? 443 : 80)
        let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let isAddress = IPv4Address(bareHost) != nil || bareHost.contains(":")
        let name = connection.tlsServerName ?? (isAddress ? nil : bareHost)
        let shownHost = connection.tlsServerName ?? host
        var prefix = components.path
        while prefix.hasSuffix("/") { prefix.removeLast() }
        return AttachEndpoint(https: https, host: bareHost, port: port, serverName: name,
                              hostHeader: components.port.map { "\(shownHost):\($0)" } ?? shownHost, pathPrefix: prefix)
    }
}

/// The attach's connection, once made, so that a cancellation can close it,
/// whether it comes before, while or after the connection is made.
final class AttachChannelBox: Sendable {
    private let state = Mutex<(channel: Channel?, cancelled: Bool)>((nil, false))

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Keeps `channel`; closes it and throws if the attach was cancelled meanwhile.
    func hold(_ channel: Channel) throws {
        let cancelled = state.withLock { s -> Bool in
            s.channel = channel
            return s.cancelled
        }
        if cancelled {
            channel.close(promise: nil)
            throw CancellationError()
        }
    }

    func cancel() {
        let channel = state.withLock { s -> Channel? in
            s.cancelled = true
            return s.channel
        }
        channel?.close(promise: nil)
    }
}

/// Enough of an IPv4 literal check to tell an address from a DNS name for SNI.
private struct IPv4Address {
    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return nil }
    }
}
