import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One API call before it is sent: method, path, query, body.
struct APIRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var query: [(String, String)] = []
    var body: [UInt8]? = nil
    var contentType: String? = nil
    var accept: String = "application/json"

    /// A request whose body says what the object should look like (a strategic
    /// merge, merge or apply PATCH), so that sending it twice is the same as
    /// sending it once: the second finds it done. client-go repeats only GET;
    /// but an injection PATCH whose reply was lost to a connection reset would
    /// otherwise fail a pod whose evidence container was in fact added.
    var isDeclarative = false

    /// True for a request whose caller retries it itself and must hear of each
    /// failure at once: a watch, whose consumer stops relying on it while it is
    /// down. The transport then neither resends it after a reset nor waits out
    /// a 429 or 503 (whose Retry-After could outlast the watch's idle limit).
    var retriedByCaller = false

    /// May the request be repeated after a connection reset?
    var isIdempotent: Bool { method == .GET || method == .HEAD || isDeclarative }

    /// The path and query as shown in error messages.
    var pathAndQuery: String {
        query.isEmpty ? path : path + "?" + KubeClient.encodeQuery(query)
    }
}

/// A complete reply to a non-streaming request.
struct Reply: Sendable {
    var code: Int
    var headers: HTTPHeaders
    var body: [UInt8]
}

extension KubeClient {
    // MARK: - Sending

    /// Sends a request and reads the whole body, within `options.requestTimeout`,
    /// with the rate limit, the retries and the 401 renewal.
    func send(_ request: APIRequest) async throws -> Reply {
        let timeout = options.requestTimeout
        let limit = options.maxResponseBytes
        let outcome = try await withRetries(request) { httpRequest in
            let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout * 1e9))
            let response = try await self.http.execute(httpRequest, deadline: deadline)
            let buffer = try await response.body.collect(upTo: limit)
            let reply = Reply(code: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
            return (200..<300).contains(reply.code) ? .finished(.reply(reply)) : .rejected(reply)
        }
        guard case .reply(let reply) = outcome else { preconditionFailure("send always finishes with a reply") }
        return reply
    }

    /// Opens a streaming request (watch, log): retries apply until the reply's head
    /// arrives; a non-2xx reply becomes an error; the caller reads the body, for as
    /// long as it likes (no deadline).
    func open(_ request: APIRequest) async throws -> HTTPClientResponse {
        let outcome = try await withRetries(request) { httpRequest in
            let response = try await self.http.execute(httpRequest, deadline: .distantFuture)
            let code = Int(response.status.code)
            if (200..<300).contains(code) { return .finished(.stream(response)) }
            // An error reply: read it (bounded) so it can be decoded as a Status.
            let buffer = try await response.body.collect(upTo: 1 << 20)
            return .rejected(Reply(code: code, headers: response.headers, body: Array(buffer.readableBytesView)))
        }
        guard case .stream(let response) = outcome else { preconditionFailure("open always finishes with a stream") }
        return response
    }

    enum Outcome: Sendable {
        case reply(Reply)
        case stream(HTTPClientResponse)
    }

    enum Attempt: Sendable {
        case finished(Outcome)
        /// A non-2xx reply: retried (429, 503, 401 once) or turned into an error.
        case rejected(Reply)
    }

    /// The loop shared by `send` and `open`: rate limit, credentials, retries
    /// of 429/503 honouring Retry-After, one renewal after 401, resend of GETs
    /// after a reset connection. Gives up after `maxRetries` with the last error.
    private func withRetries(
        _ request: APIRequest, _ perform: @escaping @Sendable (HTTPClientRequest) async throws -> Attempt
    ) async throws -> Outcome {
        var retries = 0
        var renewed = false
        while true {
            try Task.checkCancellation()
            try await limiter.acquire()
            let credential = try await credentials.current()
            let httpRequest = try makeHTTPRequest(request, credential: credential)
            requestLog.sending(request.method.rawValue, baseURL + request.pathAndQuery, headers: httpRequest.headers)
            let reply: Reply
            let started = ContinuousClock.now
            do {
                switch try await perform(httpRequest) {
                case .finished(let outcome):
                    logRequest(request, outcome: outcome, since: started)
                    return outcome
                case .rejected(let rejected):
                    reply = rejected
                    logRequest(request, code: rejected.code, since: started, headers: rejected.headers)
                }
            } catch {
                logRequest(request, failure: error, since: started)
                if retries < options.maxRetries, request.isIdempotent, !request.retriedByCaller, Self.isRetryableTransportFailure(error) {
                    retries += 1
                    try await options.time.sleep(seconds: backoff(attempt: retries, retryAfter: nil))
                    continue
                }
                throw classify(error, request: request)
            }

            if reply.code == 401, !renewed, credentials.canRenew {
                renewed = true
                await credentials.invalidate(generation: credential.generation)
                continue
            }
            if reply.code == 429 || reply.code == 503, retries < options.maxRetries, !request.retriedByCaller {
                retries += 1
                let retryAfter = reply.headers.first(name: "Retry-After").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                try await options.time.sleep(seconds: backoff(attempt: retries, retryAfter: retryAfter))
                continue
            }
            throw errorFor(reply, request: request)
        }
    }

    // MARK: - The request log (-v 6, -v 8)

    var requestLog: RequestLog { RequestLog(logger: options.logger) }

    private func logRequest(_ request: APIRequest, outcome: Outcome, since started: ContinuousClock.Instant) {
        switch outcome {
        case .reply(let reply): logRequest(request, code: reply.code, since: started, headers: reply.headers)
        case .stream(let response): logRequest(request, code: Int(response.status.code), since: started, headers: response.headers)
        }
    }

    func logRequest(_ request: APIRequest, code: Int, since started: ContinuousClock.Instant, headers: HTTPHeaders? = nil) {
        requestLog.completed(request.method.rawValue, baseURL + request.pathAndQuery, code: code, milliseconds: Self.milliseconds(since: started))
        if let headers { requestLog.headers("Response Headers", headers) }
    }

    func logRequest(_ request: APIRequest, failure: any Error, since started: ContinuousClock.Instant) {
        requestLog.failed(request.method.rawValue, baseURL + request.pathAndQuery, error: failure, milliseconds: Self.milliseconds(since: started))
    }

    static func milliseconds(since started: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - started
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    /// Exponential backoff with full jitter, or the server's Retry-After (capped).
    func backoff(attempt: Int, retryAfter: Double?) -> TimeInterval {
        if let retryAfter, retryAfter >= 0 {
            return min(retryAfter, options.maxRetryDelay)
        }
        let ceiling = min(options.maxRetryDelay, options.retryBaseDelay * pow(2, Double(min(attempt, 30) - 1)))
        return ceiling / 2 + Double.random(in: 0...(ceiling / 2))
    }

    // MARK: - Building requests

    func makeHTTPRequest(_ request: APIRequest, credential: CredentialProvider.Current) throws -> HTTPClientRequest {
        var httpRequest = HTTPClientRequest(url: baseURL + request.pathAndQuery)
        httpRequest.method = request.method
        httpRequest.headers.add(name: "User-Agent", value: options.userAgent)
        httpRequest.headers.add(name: "Accept", value: request.accept)
        if let authorization = credential.authorization {
            httpRequest.headers.add(name: "Authorization", value: authorization)
        }
        for header in connection.impersonation?.headers ?? [] {
            httpRequest.headers.add(name: header.name, value: header.value)
        }
        if let body = request.body {
            httpRequest.headers.add(name: "Content-Type", value: request.contentType ?? "application/json")
            httpRequest.body = .bytes(ByteBuffer(bytes: body))
        }
        if let certificate = credential.pluginCertificate {
            var tls = baseTLS
            tls.certificateChain = certificate.chain.map { .certificate($0) }
            tls.privateKey = .privateKey(certificate.key)
            httpRequest.tlsConfiguration = tls
        }
        return httpRequest
    }

    /// Query strings percent-encoded strictly (label selectors hold spaces, '!', '(', ',', '=').
    static func encodeQuery(_ query: [(String, String)]) -> String {
        query.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A path segment (a namespace or pod name), escaped in case it is not a DNS label.
    static func segment(_ text: String) -> String {
        percentEncode(text)
    }

    // MARK: - Errors

    /// A non-2xx reply as a typed error: the server's Status if the body is one.
    func errorFor(_ reply: Reply, request: APIRequest) -> KubeAPIError {
        let method = request.method.rawValue
        let path = request.pathAndQuery
        if let status = try? JSONDecoderFactory.shared.decode(StatusProbe.self, from: reply.body), status.kind == "Status" {
            var decoded = (try? JSONDecoderFactory.shared.decode(Status.self, from: reply.body)) ?? Status()
            if decoded.code == nil { decoded.code = reply.code }
            if decoded.code == 410 {
                return .gone(resourceVersion: nil, message: decoded.message ?? "Gone", path: path)
            }
            // The server says only "Unauthorized"; a certificate out of its validity is the likeliest reason we can see.
            if decoded.code == 401, let problem = connection.credentials.clientCertificate?.validityProblem() {
                let message = (decoded.message ?? "Unauthorized").trimmingCharacters(in: .whitespacesAndNewlines)
                decoded.message = (message.hasSuffix(".") ? message : message + ".") + " " + problem
            }
            return .status(decoded, method: method, path: path)
        }
        let prefix = String(decoding: reply.body.prefix(200), as: UTF8.self)
        // Go's TLS server answers a plain HTTP request with this 400: the URL says http:// to an HTTPS port.
        if reply.code == 400, prefix.contains("Client sent an HTTP request to an HTTPS server") {
            return .httpToHTTPSPort(server: connection.server)
        }
        return .unexpectedResponse(code: reply.code, method: method, path: path, bodyPrefix: prefix)
    }

    private struct StatusProbe: Decodable { var kind: String? }

    /// Names a transport failure: refused, DNS, TLS, timeout, lost connection.
    func classify(_ error: any Error, request: APIRequest) -> any Error {
        if error is KubeAPIError || error is CancellationError || error is KubeconfigError || error is ExecPluginError {
            return error
        }
        let method = request.method.rawValue
        let path = request.pathAndQuery
        let server = connection.server
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return KubeAPIError.timedOut(method: method, path: path, server: server, after: options.requestTimeout, phase: "waiting for the response")
            case .connectTimeout, .getConnectionFromPoolTimeout:
                return KubeAPIError.timedOut(
                    method: method, path: path, server: server, after: max(1, min(options.requestTimeout, 10)), phase: "connecting")
            case .tlsHandshakeTimeout:
                return KubeAPIError.timedOut(method: method, path: path, server: server, after: max(1, min(options.requestTimeout, 10)), phase: "doing the TLS handshake")
            case .remoteConnectionClosed:
                if URLComponents(string: server)?.scheme?.lowercased() == "http" {
                    return KubeAPIError.connectionLost(
                        method: method, path: path, server: server,
                        detail: "the server closed the connection without an HTTP reply, as a TLS server does when it gets plain HTTP; if it speaks HTTPS, use \(Self.httpsForm(server))")
                }
                return KubeAPIError.connectionLost(method: method, path: path, server: server, detail: "the server closed the connection")
            case .cancelled:
                return CancellationError()
            case .proxyAuthenticationRequired:
                let proxy = connection.proxy.map { "The proxy \($0.displayURL) (\($0.origin))" } ?? "The proxy"
                return KubeAPIError.transport(
                    method: method, path: path, server: server,
                    detail: "\(proxy) asked for credentials (407 Proxy Authentication Required); put them in the proxy URL as http://USER:PASSWORD@HOST:PORT")
            case .invalidProxyResponse:
                let proxy = connection.proxy.map { "the proxy \($0.displayURL) (\($0.origin))" } ?? "the proxy"
                return KubeAPIError.transport(
                    method: method, path: path, server: server,
                    detail: "\(proxy) did not open a tunnel to the server (its reply to CONNECT was not 200)")
            default:
                return KubeAPIError.transport(method: method, path: path, server: server, detail: "\(error)")
            }
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return KubeAPIError.hostNotFound(host: error.host, server: server)
            }
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return KubeAPIError.connectionRefused(server: server, method: method, path: path)
            }
            return KubeAPIError.transport(method: method, path: path, server: server, detail: "\(error)")
        }
        if let error = error as? IOError {
            if error.errnoCode == ECONNREFUSED {
                return KubeAPIError.connectionRefused(server: server, method: method, path: path)
            }
            if error.errnoCode == ECONNRESET || error.errnoCode == EPIPE {
                return KubeAPIError.connectionLost(method: method, path: path, server: server, detail: "the connection was reset")
            }
        }
        if error is SocketAddressError.UnknownHost {
            let host = URLComponents(string: server)?.host ?? server
            return KubeAPIError.hostNotFound(host: host, server: server)
        }
        if let tlsDetail = Self.tlsVerificationDetail(error) {
            return KubeAPIError.tlsVerificationFailed(server: server, trust: connection.trustDescription, detail: tlsDetail)
        }
        if let error = error as? NIOSSLError, case .uncleanShutdown = error {
            return KubeAPIError.connectionLost(method: method, path: path, server: server, detail: "the TLS connection ended without a proper close")
        }
        if error is NIOSSLError || error is BoringSSLError {
            // Not our check of the server: the server refused the handshake (often: it wants a client certificate).
            let certificate = connection.credentials.clientCertificate
            let hint = certificate == nil
                ? " The server may require a client certificate; this user has none (client-certificate / client-key in the kubeconfig)."
                : certificate?.validityProblem().map { " " + $0 } ?? " The server may not accept this user's client certificate."
            return KubeAPIError.transport(
                method: method, path: path, server: server, detail: "the TLS handshake failed (\(Self.withoutSourcePaths(error))).\(hint)")
        }
        return KubeAPIError.transport(method: method, path: path, server: server, detail: Self.withoutSourcePaths(error))
    }

    /// An error's text without the source locations BoringSSL adds to its
    /// errors ("at /…/.build/checkouts/swift-nio-ssl/…/handshake.cc:1234"):
    /// they name a file of the build, not anything the reader can act on.
    static func withoutSourcePaths(_ error: any Error) -> String {
        String(describing: error).replacing(#/ at /[^\s\]\),]*:\d+/#, with: "")
    }

    /// The server URL with https:// instead of http://, for hints.
    static func httpsForm(_ server: String) -> String {
        server.lowercased().hasPrefix("http://") ? "https://" + server.dropFirst("http://".count) : server
    }

    /// A readable reason when `error` is a failed certificate check, else nil.
    static func tlsVerificationDetail(_ error: any Error) -> String? {
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the certificate is not valid for this host name (\(error))"
        }
        let text = withoutSourcePaths(error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            if text.contains("self signed") || text.contains("SELF_SIGNED") || text.contains("unable to get local issuer") {
                return "the certificate was not issued by a trusted CA (\(text))"
            }
            return "certificate verify failed (\(text))"
        }
        return nil
    }

    /// Failures after which the same GET may simply be sent again.
    static func isRetryableTransportFailure(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError {
            return error == .remoteConnectionClosed
        }
        if let error = error as? IOError {
            return error.errnoCode == ECONNRESET || error.errnoCode == EPIPE
        }
        if let error = error as? NIOSSLError, case .uncleanShutdown = error { return true }
        return false
    }
}
