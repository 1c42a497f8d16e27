@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// Token files (a pod's projected service-account token) rotate: the client
/// re-reads the file after a 401, and in-cluster configuration works end to end.
@Suite("Service-account tokens")
struct ServiceAccountTokenTests {
    /// Accepts `accepted` only; the test switches it when it rotates the token.
    final class TokenGate: @unchecked Sendable {
        private let lock = NSLock()
        private var accepted: String
        init(_ accepted: String) { self.accepted = accepted }
        func accept(_ token: String) { lock.withLock { accepted = token } }
        func respond(_ request: ScriptedAPIServer.Request) -> ScriptedAPIServer.Action {
            let ok = lock.withLock { request.header("Authorization") == "Bearer \(accepted)" }
            if ok { return Fixtures.reply(200, "discovery/version.json") }
            return Fixtures.reply(401, "errors/401-bad-token.json")
        }
    }

    @Test("after the token file rotates, the 401 for the old token makes the client read the new one")
    func tokenFileReReadAfter401() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let tokenPath = try dir.write("token", "old-token\n")
        let gate = TokenGate("old-token")
        try await withServer(gate.respond) { server in
            try await withClient(server, in: dir, user: "    tokenFile: \(tokenPath)") { client in
                _ = try await client.serverVersion()
                try "new-token\n".write(toFile: tokenPath, atomically: true, encoding: .utf8)
                gate.accept("new-token")
                _ = try await client.serverVersion()
            }
            #expect(server.requests.map { $0.header("Authorization") } == ["Bearer old-token", "Bearer old-token", "Bearer new-token"])
        }
    }

    @Test("in-cluster configuration talks to the API server with the service account's CA and token")
    func inClusterEndToEnd() async throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("sa/token", "sa-token")
        try dir.write("sa/ca.crt", try pki.text(pki.caCert))
        try dir.write("sa/namespace", "shop")
        let gate = TokenGate("sa-token")
        try await withServer(tls: .standard(), gate.respond) { server in
            let connection = try KubeconfigLoader.load(
                .init(), environment: ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": String(server.port)],
                inClusterDirectory: dir.path + "/sa")
            #expect(connection.namespace == "shop")
            let version = try await KubeClient.withClient(connection: connection) { try await $0.serverVersion() }
            #expect(version.gitVersion == "v1.36.2")
            #expect(server.requests.first?.header("Authorization") == "Bearer sa-token")
        }
    }
}
