import Foundation
import Logging
import TestSupport
import Testing
@testable import KubeAPI

/// kubectl's connection flags override the kubeconfig with kubectl's meaning,
/// and a kubeconfig's impersonation and proxy are honoured, never ignored.
@Suite("Connection flags, impersonation and proxies")
struct ConnectionFlagTests {
    static let twoOfEach = """
        apiVersion: v1
        kind: Config
        current-context: main
        clusters:
        - name: main
          cluster:
            server: https://10.0.0.1:6443
            insecure-skip-tls-verify: true
            tls-server-name: api.main.example
        - name: other
          cluster:
            server: https://10.0.0.2:6443
        users:
        - name: alice
          user:
            token: alice-token
        - name: bob
          user:
            token: bob-token
        - name: basic
          user:
            username: carol
            password: secret
        contexts:
        - name: main
          context: {cluster: main, user: alice, namespace: shop}

        """

    func load(_ yaml: String, _ overrides: ConnectionOverrides, insecure: Bool? = nil, environment: [String: String] = [:]) throws -> ClusterConnection {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("config", yaml)
        return try KubeconfigLoader.load(.init(explicitPath: path, insecureSkipTLSVerify: insecure, overrides: overrides), environment: environment)
    }

    func bearer(_ connection: ClusterConnection) -> String? {
        if case .bearerToken(let token) = connection.credentials.method { return token }
        return nil
    }

    @Test("--server and --token alone make a connection when there is no kubeconfig at all")
    func flagsWithoutKubeconfig() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let connection = try KubeconfigLoader.load(
            .init(namespace: "shop", overrides: .init(server: "https://10.1.2.3:6443", token: "flag-token")),
            environment: ["HOME": dir.path], inClusterDirectory: dir.path + "/none")
        #expect(connection.server == "https://10.1.2.3:6443")
        #expect(bearer(connection) == "flag-token")
        #expect(connection.namespace == "shop")
        #expect(connection.contextName == nil)
        #expect(connection.trustDescription == "the system trust store")
    }

    @Test("--cluster and --user pick other entries of the kubeconfig; the context's namespace stays")
    func clusterAndUser() throws {
        let connection = try load(Self.twoOfEach, .init(cluster: "other", user: "bob"))
        #expect(connection.server == "https://10.0.0.2:6443")
        #expect(connection.clusterName == "other")
        #expect(connection.userName == "bob")
        #expect(bearer(connection) == "bob-token")
        #expect(connection.namespace == "shop")
        #expect(connection.insecureSkipTLSVerify == false)
        let missing = #expect(throws: KubeconfigError.self) { try load(Self.twoOfEach, .init(user: "mallory")) }
        #expect(missing?.message.contains("\"mallory\" (from --user)") == true)
    }

    @Test("--server clears the kubeconfig's tls-server-name; --certificate-authority replaces an insecure cluster's trust")
    func serverAndCertificateAuthority() throws {
        let pki = try TestPKI.shared()
        let moved = try load(Self.twoOfEach, .init(server: "https://10.9.9.9:6443"))
        #expect(moved.server == "https://10.9.9.9:6443")
        #expect(moved.tlsServerName == nil)
        #expect(bearer(moved) == "alice-token")
        let named = try load(Self.twoOfEach, .init(server: "https://10.9.9.9:6443", tlsServerName: "api.other.example"))
        #expect(named.tlsServerName == "api.other.example")

        let trusted = try load(Self.twoOfEach, .init(certificateAuthority: pki.caCert))
        #expect(trusted.insecureSkipTLSVerify == false)
        #expect(trusted.caCertificates.count == 1)
        #expect(trusted.trustDescription.contains("--certificate-authority"))
        #expect(trusted.warnings.isEmpty)
        let contradiction = #expect(throws: KubeconfigError.self) {
            try load(Self.twoOfEach, .init(certificateAuthority: pki.caCert), insecure: true)
        }
        #expect(contradiction?.message.contains("contradict") == true)
        let badServer = #expect(throws: KubeconfigError.self) { try load(Self.twoOfEach, .init(server: "10.0.0.1 6443")) }
        #expect(badServer?.message.contains("given with --server is not a URL") == true)
    }

    @Test("--token replaces the user's token but not basic auth; --client-certificate needs --client-key")
    func tokenAndClientCertificate() throws {
        let pki = try TestPKI.shared()
        #expect(bearer(try load(Self.twoOfEach, .init(token: "flag-token"))) == "flag-token")
        let basic = #expect(throws: KubeconfigError.self) { try load(Self.twoOfEach, .init(user: "basic", token: "flag-token")) }
        #expect(basic?.message.contains("basic auth as carol") == true)
        let pair = try load(Self.twoOfEach, .init(clientCertificate: pki.clientRSACert, clientKey: pki.clientRSAKey))
        #expect(pair.credentials.clientCertificate != nil)
        let half = #expect(throws: KubeconfigError.self) { try load(Self.twoOfEach, .init(clientCertificate: pki.clientRSACert)) }
        #expect(half?.message.contains("go together") == true)
    }

    @Test("A kubeconfig user's as/as-groups/as-uid/as-user-extra is honoured and says where it came from; --as overrides it")
    func kubeconfigImpersonation() throws {
        let yaml = Self.twoOfEach.replacingOccurrences(of: "    token: alice-token", with: """
                token: alice-token
                as: break-glass
                as-uid: "1234"
                as-groups: [ops, oncall]
                as-user-extra:
                  scopes.example.com/team: [payments]
            """)
        let fromFile = try #require(try load(yaml, .init()).impersonation)
        #expect(fromFile.user == "break-glass")
        #expect(fromFile.uid == "1234")
        #expect(fromFile.groups == ["ops", "oncall"])
        #expect(fromFile.extra == ["scopes.example.com/team": ["payments"]])
        #expect(fromFile.origin.hasPrefix("users[alice].user.as in /"))

        let flag = try #require(try load(yaml, .init(impersonateUser: "jane", impersonateGroups: ["viewers"])).impersonation)
        #expect(flag.user == "jane")
        #expect(flag.groups == ["viewers"])
        #expect(flag.uid == nil)
        #expect(flag.origin == "--as --as-group")

        let groupsOnly = try #require(try load(yaml, .init(impersonateGroups: ["auditors"])).impersonation)
        #expect(groupsOnly.user == "break-glass")
        #expect(groupsOnly.groups == ["auditors"])
        #expect(groupsOnly.origin.hasSuffix(", with --as-group"))

        let noUser = #expect(throws: KubeconfigError.self) { try load(Self.twoOfEach, .init(impersonateGroups: ["ops"])) }
        #expect(noUser?.message.contains("need a user to impersonate") == true)
        let fileNoUser = Self.twoOfEach.replacingOccurrences(of: "    token: bob-token", with: "    token: bob-token\n    as-groups: [ops]")
        let fileError = #expect(throws: KubeconfigError.self) { try load(fileNoUser, .init(user: "bob")) }
        #expect(fileError?.field == "users[bob].user.as")
    }

    @Test("Impersonate-* headers reach the server on every request, extra keys escaped as client-go escapes them")
    func impersonationHeaders() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(tls: try .standard(), { _ in .json(200, #"{"major":"1","minor":"36","gitVersion":"v1.36.2"}"#) }) { server in
            var connection = try KubeconfigWriter.connection(server: server.url, in: dir, caFile: try TestPKI.shared().caCert)
            connection.impersonation = Impersonation(
                user: "jane", uid: "42", groups: ["ops", "oncall"], extra: ["scopes.example.com/team": ["payments"]], origin: "--as")
            _ = try await KubeClient.withClient(connection: connection) { try await $0.serverVersion() }
            let request = try #require(server.requests.first)
            #expect(request.header("Impersonate-User") == "jane")
            #expect(request.header("Impersonate-Uid") == "42")
            #expect(request.headers.filter { $0.0 == "Impersonate-Group" }.map(\.1) == ["ops", "oncall"])
            #expect(request.header("Impersonate-Extra-scopes.example.com%2Fteam") == "payments")
        }
    }

    @Test("proxy-url with credentials: requests tunnel through a real CONNECT proxy, TLS still checked end to end")
    func proxyURLTunnels() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let proxy = try ConnectProxy(requiredAuthorization: "Basic " + Data("egress:s3cret".utf8).base64EncodedString())
        defer { proxy.stop() }
        let ca = try TestPKI.shared().caCert
        try await withServer(tls: try .standard(), { _ in .json(200, #"{"major":"1","minor":"36","gitVersion":"v1.36.2"}"#) }) { server in
            let good = try KubeconfigWriter.connection(
                server: server.url, in: dir, cluster: "    proxy-url: http://egress:s3cret@127.0.0.1:\(proxy.port)\n", caFile: ca)
            #expect(good.proxy?.displayURL == "http://egress@127.0.0.1:\(proxy.port)")
            let version = try await KubeClient.withClient(connection: good) { try await $0.serverVersion() }
            #expect(version.gitVersion == "v1.36.2")
            #expect(proxy.tunnels == ["127.0.0.1:\(server.port)"])

            let wrong = try KubeconfigWriter.connection(
                server: server.url, in: dir, cluster: "    proxy-url: http://egress:wrong@127.0.0.1:\(proxy.port)\n", caFile: ca)
            let refused = await #expect(throws: KubeAPIError.self) {
                try await KubeClient.withClient(connection: wrong, options: .init(maxRetries: 0)) { try await $0.serverVersion() }
            }
            #expect(refused?.description.contains("407 Proxy Authentication Required") == true)
            #expect(proxy.authenticationRefusals >= 1)
            #expect(server.requests.count == 1)
        }
    }

    @Test("HTTPS_PROXY and NO_PROXY are read as Go reads them; loopback is never proxied")
    func environmentProxy() throws {
        func proxy(_ server: String, _ environment: [String: String]) throws -> String? {
            try ProxySetting.fromEnvironment(server: server, environment: environment)?.displayURL
        }
        let env = ["HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": "internal.example, 10.0.0.0/8,.svc,api.other:8443"]
        #expect(try proxy("https://api.example.com:6443", env) == "http://proxy.corp:3128")
        #expect(try proxy("https://k8s.internal.example:6443", env) == nil)
        #expect(try proxy("https://internal.example", env) == nil)
        #expect(try proxy("https://10.2.3.4:6443", env) == nil)
        #expect(try proxy("https://11.2.3.4:6443", env) == "http://proxy.corp:3128")
        #expect(try proxy("https://kubernetes.default.svc", env) == nil)
        #expect(try proxy("https://api.other:8443", env) == nil)
        #expect(try proxy("https://api.other:6443", env) == "http://proxy.corp:3128")
        #expect(try proxy("https://127.0.0.1:6443", env) == nil)
        #expect(try proxy("https://localhost:6443", env) == nil)
        #expect(try proxy("https://[::1]:6443", env) == nil)
        #expect(try proxy("http://api.example.com", env) == nil)
        #expect(try proxy("http://api.example.com", ["http_proxy": "http://p:8080"]) == "http://p:8080")
        #expect(try proxy("https://api.example.com", ["https_proxy": "socks5://p:1080"]) == "socks5://p:1080")
        #expect(try proxy("https://api.example.com", ["HTTPS_PROXY": "p:3128", "NO_PROXY": "*"]) == nil)
        let tlsProxy = #expect(throws: KubeconfigError.self) { try proxy("https://api.example.com", ["HTTPS_PROXY": "https://p:3128"]) }
        #expect(tlsProxy?.message.contains("HTTPS_PROXY environment variable") == true)
        #expect(throws: KubeconfigError.self) { try proxy("https://api.example.com", ["HTTPS_PROXY": "socks5://u:p@p:1080"]) }

        // A proxy and a tls-server-name other than the host cannot both be honoured: refused, not half-done.
        let both = #expect(throws: KubeconfigError.self) {
            try load(Self.twoOfEach, .init(), environment: ["HTTPS_PROXY": "http://proxy.corp:3128"])
        }
        #expect(both?.message.contains("tls-server-name") == true)
    }

    @Test("a token or password is not sent to a plain http:// server unless --allow-http-credentials; without credentials it is only a warning")
    func plainHTTP() throws {
        let yaml = Self.twoOfEach.replacingOccurrences(of: "    server: https://10.0.0.1:6443\n    insecure-skip-tls-verify: true\n    tls-server-name: api.main.example",
                                                       with: "    server: http://10.0.0.1:8080")
        let refused = #expect(throws: KubeconfigError.self) { try load(yaml, .init()) }
        #expect(refused?.message.contains("unencrypted") == true)
        #expect(refused?.message.contains("--allow-http-credentials") == true)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var selection = KubeconfigSelection(explicitPath: try dir.write("config", yaml))
        selection.allowHTTPCredentials = true
        let allowed = try KubeconfigLoader.load(selection, environment: [:])
        #expect(allowed.warnings.contains { $0.contains("plain http://") && $0.contains("credentials go with every request") })
        let anonymous = try KubeconfigLoader.load(.init(overrides: .init(server: "http://10.0.0.1:8080")), environment: ["HOME": dir.path],
                                                  inClusterDirectory: dir.path + "/none")
        #expect(anonymous.warnings.contains { $0.contains("plain http://") })
    }

    @Test("http:// to an HTTPS port: Go's 400 and a TLS server's silent close both say to use https://")
    func httpToHTTPSPort() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // What kube-apiserver (Go's net/http over TLS) answers a plain HTTP request with.
        try await withServer({ _ in .reply(status: 400, headers: [("Content-Type", "text/plain; charset=utf-8")],
                                          body: Array("Client sent an HTTP request to an HTTPS server.\n".utf8)) }) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { try await $0.serverVersion() }
            }
            if case .httpToHTTPSPort(let named)? = error { #expect(named == server.url) } else { Issue.record("got \(String(describing: error))") }
            #expect(error?.description.contains("use https://127.0.0.1:\(server.port) as the server URL") == true)
        }
        // A TLS server that hangs up on plain HTTP.
        try await withServer(tls: try .standard(), { _ in .json(200, "{}") }) { server in
            let plain = "http://127.0.0.1:\(server.port)"
            let connection = try KubeconfigWriter.connection(server: plain, in: dir)
            let error = await #expect(throws: KubeAPIError.self) {
                try await KubeClient.withClient(connection: connection, options: .init(maxRetries: 0)) { try await $0.serverVersion() }
            }
            #expect(error?.description.contains("if it speaks HTTPS, use https://127.0.0.1:\(server.port)") == true, "\(String(describing: error))")
        }
    }

    @Test("-v 6: one line per request with method, URL, status and duration")
    func requestLog() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lines = LineCollector()
        var options = ClientOptions(retryBaseDelay: 0.01)
        options.logger = lines.logger(level: .debug)
        try await withServer({ request in
            request.path == "/version" ? .json(200, #"{"major":"1","minor":"36","gitVersion":"v1.36.2"}"#) : .json(404, #"{"kind":"Status","code":404,"message":"no"}"#)
        }) { server in
            try await withClient(server, in: dir, options: options) { client in
                _ = try await client.serverVersion()
                _ = try? await client.getPod(namespace: "shop", name: "x")
            }
            let logged = lines.all
            #expect(logged.count == 2)
            #expect(logged.first?.range(of: #"^GET http://127\.0\.0\.1:\d+/version 200 OK in \d+ milliseconds$"#, options: .regularExpression) != nil)
            #expect(logged.last?.contains("/api/v1/namespaces/shop/pods/x 404 Not Found in") == true)
        }
    }

    @Test("-v 8: the headers of each request and reply, the token masked as kubectl masks it")
    func requestHeadersLog() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lines = LineCollector()
        var options = ClientOptions(retryBaseDelay: 0.01)
        options.logger = lines.logger(level: .trace)
        try await withServer({ _ in .json(200, #"{"major":"1","minor":"36","gitVersion":"v1.36.2"}"#) }) { server in
            try await withClient(server, in: dir, options: options) { client in
                _ = try await client.serverVersion()
            }
            // The request line and its headers are one message, as are the reply's headers: a handler
            // writes each whole, so that requests in flight at once do not mix their lines.
            #expect(lines.all.first?.contains("\nRequest Headers:\n    ") == true, "\(lines.all)")
            #expect(lines.all.contains { $0.hasPrefix("Response Headers:\n    ") }, "\(lines.all)")
            let logged = lines.all.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
            #expect(logged.first?.range(of: #"^GET http://127\.0\.0\.1:\d+/version$"#, options: .regularExpression) != nil, "\(logged)")
            #expect(logged.dropFirst().first == "Request Headers:", "\(logged)")
            #expect(logged.contains("    Authorization: Bearer <masked>"), "\(logged)")
            #expect(logged.contains { $0.hasPrefix("    User-Agent: ") })
            #expect(logged.contains { $0.hasPrefix("GET http://127.0.0.1:") && $0.contains("/version 200 OK in ") })
            #expect(logged.contains("Response Headers:"))
            #expect(logged.contains { $0.lowercased().hasPrefix("    content-type: application/json") }, "\(logged)")
            #expect(!logged.joined().contains("test-token"), "the kubeconfig's token never reaches the log")
        }
    }

    @Test("A credential header shows its scheme only; a cookie nothing", arguments: [
        ("Authorization", "Bearer abc.def", "Bearer <masked>"),
        ("authorization", "Basic dTpw", "Basic <masked>"),
        ("Authorization", "tokenwithoutscheme", "<masked>"),
        ("Proxy-Authorization", "Basic dTpw", "Basic <masked>"),
        ("Cookie", "session=abc", "<masked>"),
        ("Set-Cookie", "session=abc; Path=/", "<masked>"),
        ("Impersonate-User", "jane", "jane"),
    ])
    func credentialMasking(name: String, value: String, shown: String) {
        #expect(RequestLog.displayValue(name: name, value: value) == shown)
    }
}

final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }

    /// A swift-log logger at `level` whose messages land here.
    func logger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "test", factory: { _ in CollectingLogHandler(collector: self) })
        logger.logLevel = level
        return logger
    }
}

/// A LogHandler that adds each message to a LineCollector.
struct CollectingLogHandler: LogHandler {
    let collector: LineCollector
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { collector.add(event.message.description) }
}
