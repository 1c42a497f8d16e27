@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// An exec credential plugin written as a shell script: its token is used,
/// cached until expirationTimestamp, and renewed once after a 401.
@Suite("Exec credential plugins")
struct ExecPluginTests {
    /// Counts its runs in $COUNTER, saves KUBERNETES_EXEC_INFO to $INFO_OUT, prints token-<run>.
    static let script = """
        #!/bin/sh
        count=$(cat "$COUNTER" 2>/dev/null || echo 0)
        count=$((count + 1))
        echo "$count" > "$COUNTER"
        printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO_OUT"
        printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"token-%s","expirationTimestamp":"%s"}}\\n' "$API_VERSION" "$count" "$EXPIRY"

        """

    struct Plugin {
        let dir: TemporaryDirectory
        var counter: String { dir.path + "/count" }
        var info: String { dir.path + "/exec-info.json" }

        var runs: Int {
            (try? String(contentsOfFile: counter, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        }

        /// The `user:` block of a kubeconfig running the plugin (relative command path).
        func user(expiry: String, apiVersion: String = "client.authentication.k8s.io/v1", provideClusterInfo: Bool = false) -> String {
            """
                exec:
                  apiVersion: \(apiVersion)
                  command: ./plugins/get-token.sh
                  provideClusterInfo: \(provideClusterInfo)
                  env:
                  - {name: COUNTER, value: \(counter)}
                  - {name: INFO_OUT, value: \(info)}
                  - {name: EXPIRY, value: "\(expiry)"}
                  - {name: API_VERSION, value: \(apiVersion)}
            """
        }

        init() throws {
            dir = try TemporaryDirectory()
            try dir.write("plugins/get-token.sh", ExecPluginTests.script, executable: true)
        }
    }

    static let version: ScriptedAPIServer.Responder = { _ in Fixtures.reply(200, "discovery/version.json") }

    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }

    @Test("the token is sent, and cached until it expires: three requests, one plugin run")
    func cachedUntilExpiry() async throws {
        let plugin = try Plugin()
        defer { plugin.dir.remove() }
        try await withServer(Self.version) { server in
            try await withClient(server, in: plugin.dir, user: plugin.user(expiry: Self.rfc3339(Date().addingTimeInterval(3600)))) { client in
                for _ in 0..<3 { _ = try await client.serverVersion() }
            }
            #expect(plugin.runs == 1)
            #expect(server.requests.map { $0.header("Authorization") } == Array(repeating: "Bearer token-1", count: 3))
        }
    }

    @Test("an expired credential is fetched again for the next request")
    func expiredIsRenewed() async throws {
        let plugin = try Plugin()
        defer { plugin.dir.remove() }
        try await withServer(Self.version) { server in
            try await withClient(server, in: plugin.dir, user: plugin.user(expiry: "2000-01-01T00:00:00Z")) { client in
                _ = try await client.serverVersion()
                _ = try await client.serverVersion()
            }
            #expect(plugin.runs == 2)
            #expect(server.requests.map { $0.header("Authorization") } == ["Bearer token-1", "Bearer token-2"])
        }
    }

    @Test("a 401 renews the credential once and the request succeeds")
    func renewedAfter401() async throws {
        let plugin = try Plugin()
        defer { plugin.dir.remove() }
        let unauthorized = try Fixtures.bytes("errors/401-bad-token.json")
        try await withServer({ request in
            request.header("Authorization") == "Bearer token-1" ? .json(401, unauthorized) : Self.version(request)
        }) { server in
            let version = try await withClient(server, in: plugin.dir, user: plugin.user(expiry: Self.rfc3339(Date().addingTimeInterval(3600)))) {
                try await $0.serverVersion()
            }
            #expect(version.major == "1")
            #expect(plugin.runs == 2)
            #expect(server.requests.map { $0.header("Authorization") } == ["Bearer token-1", "Bearer token-2"])
        }
    }

    @Test("a second 401 is the user's answer: Unauthorized, after exactly one renewal")
    func persistent401() async throws {
        let plugin = try Plugin()
        defer { plugin.dir.remove() }
        let unauthorized = try Fixtures.bytes("errors/401-bad-token.json")
        try await withServer({ _ in .json(401, unauthorized) }) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: plugin.dir, user: plugin.user(expiry: Self.rfc3339(Date().addingTimeInterval(3600)))) {
                    try await $0.serverVersion()
                }
            }
            #expect(error?.statusCode == 401)
            #expect(error?.serverStatus?.reason == "Unauthorized")
            #expect(plugin.runs == 2)
            #expect(server.requests.count == 2)
        }
    }

    @Test("v1beta1 works, and provideClusterInfo passes the server and CA in KUBERNETES_EXEC_INFO")
    func clusterInfo() async throws {
        let plugin = try Plugin()
        defer { plugin.dir.remove() }
        let pki = try TestPKI.shared()
        try await withServer(tls: .standard(), Self.version) { server in
            _ = try await withClient(
                server, in: plugin.dir, user: plugin.user(expiry: "", apiVersion: "client.authentication.k8s.io/v1beta1", provideClusterInfo: true),
                caFile: pki.caCert
            ) { try await $0.serverVersion() }
            #expect(server.requests.first?.header("Authorization") == "Bearer token-1")
        }
        struct Info: Decodable {
            struct Spec: Decodable {
                struct Cluster: Decodable {
                    var server: String
                    var certificateAuthorityData: String?
                    enum CodingKeys: String, CodingKey {
                        case server
                        case certificateAuthorityData = "certificate-authority-data"
                    }
                }
                var interactive: Bool
                var cluster: Cluster?
            }
            var apiVersion: String
            var kind: String
            var spec: Spec
        }
        let info = try JSONDecoder().decode(Info.self, from: Data(contentsOf: URL(fileURLWithPath: plugin.info)))
        #expect(info.apiVersion == "client.authentication.k8s.io/v1beta1")
        #expect(info.kind == "ExecCredential")
        #expect(info.spec.interactive == false)
        #expect(info.spec.cluster?.server.hasPrefix("https://127.0.0.1:") == true)
        #expect(info.spec.cluster?.certificateAuthorityData == (try pki.text(pki.caCert)).base64)
    }

    @Test("without provideClusterInfo the plugin gets no cluster")
    func noClusterInfo() async throws {
        let plugin = try Plugin()
        defer { plugin.dir.remove() }
        try await withServer(Self.version) { server in
            _ = try await withClient(server, in: plugin.dir, user: plugin.user(expiry: "")) { try await $0.serverVersion() }
        }
        let info = try String(contentsOfFile: plugin.info, encoding: .utf8)
        #expect(info.contains("\"interactive\":false"))
        #expect(!info.contains("\"cluster\""))
    }

    @Test("a missing plugin command shows the installHint and names the kubeconfig")
    func missingCommandShowsInstallHint() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let user = """
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: kubectl-evidence-test-no-such-plugin
                  installHint: |
                    Install the plugin with: brew install no-such-plugin
            """
        try await withServer(Self.version) { server in
            let error = await #expect(throws: ExecPluginError.self) {
                try await withClient(server, in: dir, user: user, environment: ["PATH": dir.path]) { try await $0.serverVersion() }
            }
            let message = error?.message ?? ""
            #expect(message.contains("kubectl-evidence-test-no-such-plugin"))
            #expect(message.contains("was not found in PATH"))
            #expect(message.contains("Install the plugin with: brew install no-such-plugin"))
            #expect(message.contains(dir.path + "/kubeconfig-"))
            #expect(server.requests.isEmpty)
        }
    }

    @Test("a plugin that fails shows its exit status and stderr")
    func failingPlugin() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("fail.sh", "#!/bin/sh\necho 'token expired, run: login --sso' >&2\nexit 3\n", executable: true)
        let user = "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./fail.sh"
        try await withServer(Self.version) { server in
            let error = await #expect(throws: ExecPluginError.self) {
                try await withClient(server, in: dir, user: user) { try await $0.serverVersion() }
            }
            #expect(error?.message.contains("exited with status 3") == true, "\(String(describing: error?.message))")
            #expect(error?.message.contains("token expired, run: login --sso") == true)
        }
    }

    /// The config of a plugin script written into `dir`, run directly (no server needed).
    static func config(_ script: String, in dir: TemporaryDirectory) throws -> ExecPluginConfig {
        try dir.write("plugin.sh", script, executable: true)
        return ExecPluginConfig(
            apiVersion: "client.authentication.k8s.io/v1", command: dir.path + "/plugin.sh", args: [], env: [], installHint: nil,
            provideClusterInfo: false, file: dir.path + "/config", userName: "u", baseEnvironment: ["PATH": "/usr/bin:/bin"])
    }

    static let credential = #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}}"#

    @Test("a plugin that hangs is stopped at the timeout, with a sentence that says so")
    func hangingPlugin() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try Self.config("#!/bin/sh\nexec sleep 600\n", in: dir)
        let started = Date()
        let error = await #expect(throws: ExecPluginError.self) {
            try await ExecPluginRunner.run(config, cluster: .init(server: "https://127.0.0.1:1", insecureSkipTLSVerify: false), timeout: 1)
        }
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(error?.message.contains("did not finish within 1 s and was stopped") == true, "\(String(describing: error))")
    }

    @Test("a plugin that prints without end is stopped past 1 MiB; memory stays bounded")
    func endlessPlugin() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try Self.config("#!/bin/sh\nexec yes 0123456789abcdef\n", in: dir)
        let error = await #expect(throws: ExecPluginError.self) {
            try await ExecPluginRunner.run(config, cluster: .init(server: "https://127.0.0.1:1", insecureSkipTLSVerify: false), timeout: 30)
        }
        #expect(error?.message.contains("printed more than 1 MiB on stdout") == true, "\(String(describing: error))")
    }

    @Test("a plugin that exits leaving a child holding its stdout still gives its credential at once")
    func childHoldsStdout() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try Self.config("#!/bin/sh\nsleep 8 &\necho '\(Self.credential)'\n", in: dir)
        let started = Date()
        let credential = try await ExecPluginRunner.run(config, cluster: .init(server: "https://127.0.0.1:1", insecureSkipTLSVerify: false), timeout: 30)
        #expect(credential.token == "t")
        #expect(Date().timeIntervalSince(started) < 5, "waited for the child that holds stdout (8 s)")
    }

    @Test("a plugin's client certificate is presented to a server that requires one")
    func pluginClientCertificate() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = try TestPKI.shared()
        struct Output: Encodable {
            struct Status: Encodable { var clientCertificateData: String; var clientKeyData: String }
            var apiVersion = "client.authentication.k8s.io/v1"
            var kind = "ExecCredential"
            var status: Status
        }
        let output = Output(status: .init(clientCertificateData: try pki.text(pki.clientECCert), clientKeyData: try pki.text(pki.clientECKey)))
        try dir.write("credential.json", String(decoding: try JSONEncoder().encode(output), as: UTF8.self))
        try dir.write("cert-plugin.sh", "#!/bin/sh\ncat \"$(dirname \"$0\")/credential.json\"\n", executable: true)
        let user = "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./cert-plugin.sh"
        try await withServer(tls: .standard(requireClientCertificate: true), Self.version) { server in
            let version = try await withClient(server, in: dir, user: user, caFile: pki.caCert) { try await $0.serverVersion() }
            #expect(version.gitVersion == "v1.36.2")
            #expect(server.requests.first?.header("Authorization") == nil)
        }
    }
}
