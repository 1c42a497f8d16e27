@testable import KubeAPI
import Foundation
import NIOSSL
import TestSupport

/// Runs `body` with a started loopback server and stops it afterwards.
@discardableResult
func withServer<R>(
    tls: NIOSSLServerTLS? = nil, _ responder: @escaping ScriptedAPIServer.Responder,
    _ body: (ScriptedAPIServer) async throws -> R
) async throws -> R {
    let server = try await ScriptedAPIServer.start(tls: try tls?.configuration(), responder: responder)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// Which certificate the loopback server presents, and whether it demands one back.
struct NIOSSLServerTLS {
    var certificate: String
    var key: String
    var clientCA: String?

    func configuration() throws -> NIOSSL.TLSConfiguration {
        try ScriptedAPIServer.tls(certificate: certificate, key: key, clientCA: clientCA)
    }

    static func standard(requireClientCertificate: Bool = false) throws -> NIOSSLServerTLS {
        let pki = try TestPKI.shared()
        return NIOSSLServerTLS(certificate: pki.serverCert, key: pki.serverKey, clientCA: requireClientCertificate ? pki.caCert : nil)
    }
}

/// A client for `server` through a kubeconfig written for it; shut down after `body`.
func withClient<R: Sendable>(
    _ server: ScriptedAPIServer, in dir: TemporaryDirectory, cluster: String = "", user: String = "    token: test-token",
    caFile: String? = nil, options: ClientOptions = .init(retryBaseDelay: 0.01), environment: [String: String] = [:],
    _ body: (KubeClient) async throws -> R
) async throws -> R {
    let connection = try KubeconfigWriter.connection(
        server: server.url, in: dir, cluster: cluster, user: user, caFile: caFile, environment: environment)
    return try await KubeClient.withClient(connection: connection, options: options, body)
}

/// Seconds elapsed while running `body`.
func measure(_ body: () async throws -> Void) async rethrows -> TimeInterval {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
