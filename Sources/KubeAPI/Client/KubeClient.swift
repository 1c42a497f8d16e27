import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A Kubernetes API client for the few calls kubectl-evidence makes.
///
/// One `HTTPClient` per `KubeClient` (its own connection pool, TLS trust and
/// DNS override for `tls-server-name`); call `shutdown()` when done — an
/// `HTTPClient` dropped without it traps in debug builds. `withClient` does
/// both for you.
public final class KubeClient: Sendable {
    public let connection: ClusterConnection
    public let options: ClientOptions

    let http: HTTPClient
    /// Scheme, host (the tls-server-name when set) and port, plus any path prefix of the server URL.
    let baseURL: String
    let baseTLS: TLSConfiguration
    let limiter: TokenBucket
    let credentials: CredentialProvider

    public init(connection: ClusterConnection, options: ClientOptions = .init()) throws {
        self.connection = connection
        self.options = options

        guard var components = URLComponents(string: connection.server), let host = components.host else {
            throw KubeconfigError(file: connection.sourceFiles.first, field: "server", message: "The server \"\(connection.server)\" is not a URL.")
        }
        var dnsOverride: [String: String] = [:]
        if let sni = connection.tlsServerName, sni != host {
            // AsyncHTTPClient verifies and sends SNI for the URL's host; connect to the real address instead.
            dnsOverride[sni] = host
            components.host = sni
        }
        var base = components.string ?? connection.server
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base

        var tls = TLSConfiguration.makeClientConfiguration()
        // When we close a connection (a watch or log stream we stopped reading, shutdown), NIOSSL
        // waits for the server's close_notify, 5 s by default; a server busy streaming may never
        // send it. We initiated the close and need nothing more from the peer, so wait briefly.
        tls.shutdownTimeout = .milliseconds(200)
        if connection.insecureSkipTLSVerify {
            tls.certificateVerification = .none
        } else if !connection.caCertificates.isEmpty {
            tls.trustRoots = .certificates(connection.caCertificates)  // the kubeconfig CA is the only root
        }
        if let certificate = connection.credentials.clientCertificate {
            tls.certificateChain = certificate.chain.map { .certificate($0) }
            tls.privateKey = .privateKey(certificate.key)
        }
        self.baseTLS = tls

        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(Int64(max(1, min(options.requestTimeout, 10))))),
            decompression: .disabled)
        configuration.httpVersion = .http1Only
        configuration.dnsOverride = dnsOverride
        // Fail a request as soon as its connection cannot be made, with the real cause
        // (refused, DNS, TLS), instead of retrying silently until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, options.maxConnections)
        if let proxy = connection.proxy {
            switch proxy.kind {
            case .http:
                let authorization = proxy.username.map { HTTPClient.Authorization.basic(username: $0, password: proxy.password ?? "") }
                configuration.proxy = .server(host: proxy.host, port: proxy.port, authorization: authorization)
            case .socks5:
                configuration.proxy = .socksServer(host: proxy.host, port: proxy.port)
            }
        }
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.limiter = TokenBucket(qps: options.qps, burst: options.burst)
        self.credentials = CredentialProvider(connection: connection)
    }

    /// Closes connections; no request may be made afterwards.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Creates a client, runs `body`, and shuts the client down whatever happens.
    public static func withClient<R: Sendable>(
        connection: ClusterConnection, options: ClientOptions = .init(),
        _ body: (KubeClient) async throws -> R
    ) async throws -> R {
        let client = try KubeClient(connection: connection, options: options)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    // MARK: - Typed calls that are not about pods

    /// `GET /version`.
    public func serverVersion() async throws -> ServerVersion {
        let request = APIRequest(method: .GET, path: "/version")
        return try await decode(ServerVersion.self, from: send(request), request: request)
    }

    /// POSTs `body` as JSON to `path` (e.g. `/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`).
    public func create<Body: Encodable, Reply: Decodable>(path: String, body: Body) async throws -> Reply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(body))
        let request = APIRequest(method: .POST, path: path, body: bytes, contentType: "application/json")
        return try await decode(Reply.self, from: send(request), request: request)
    }

    /// "May I do this?" — `kubectl auth can-i`.
    public func selfSubjectAccessReview(_ attributes: ResourceAttributes) async throws -> SelfSubjectAccessReview {
        try await create(
            path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            body: SelfSubjectAccessReview(spec: .init(resourceAttributes: attributes)))
    }

    /// "Who am I?" — `kubectl auth whoami`. Servers without authentication.k8s.io/v1
    /// SelfSubjectReview (before 1.28) answer 404: the error's `isNotFound` is then true.
    public func selfSubjectReview() async throws -> SelfSubjectReview {
        try await create(path: "/apis/authentication.k8s.io/v1/selfsubjectreviews", body: SelfSubjectReview())
    }

    func decode<T: Decodable>(_ type: T.Type, from reply: Reply, request: APIRequest) throws -> T {
        do {
            return try JSONDecoderFactory.shared.decode(type, from: reply.body)
        } catch {
            throw KubeAPIError.invalidResponse(method: request.method.rawValue, path: request.path, detail: "\(error)")
        }
    }
}
