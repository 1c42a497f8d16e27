@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// TLS against a real HTTPS server on loopback: the kubeconfig's CA is the
/// only trust root, tls-server-name sets the name checked, client certificates
/// (RSA, EC, with a chain) are presented.
@Suite("TLS and client certificates")
struct TLSConnectionTests {
    static let versionReply: ScriptedAPIServer.Responder = { request in
        guard request.path == "/version" else {
            return .json(404, #"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#)
        }
        return Fixtures.reply(200, "discovery/version.json")
    }

    @Test("the kubeconfig CA verifies the server; the manifest fingerprint is that CA's")
    func rightCA() async throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(tls: .standard(), Self.versionReply) { server in
            let version = try await withClient(server, in: dir, caFile: pki.caCert) { client in
                #expect(client.connection.caFingerprintSHA256 == (try KubeconfigCredentialTests.opensslFingerprint(pki.caCert)))
                return try await client.serverVersion()
            }
            #expect(version.gitVersion == "v1.36.2")
        }
    }

    @Test("a wrong CA fails with a TLS error naming the CA file and the server")
    func wrongCA() async throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(tls: .standard(), Self.versionReply) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir, caFile: pki.otherCACert) { try await $0.serverVersion() }
            }
            guard case .tlsVerificationFailed(let serverURL, let trust, _) = error else {
                Issue.record("expected tlsVerificationFailed, got \(String(describing: error))")
                return
            }
            #expect(serverURL == server.url)
            #expect(trust.contains(pki.otherCACert))
            let message = error?.description ?? ""
            #expect(message.contains(pki.otherCACert))
            #expect(message.contains(server.url))
            #expect(server.requests.isEmpty, "no request may reach a server that failed verification")
        }
    }

    @Test("without a CA in the kubeconfig the system roots are used, and a private CA fails")
    func systemRootsRejectPrivateCA() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(tls: .standard(), Self.versionReply) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { try await $0.serverVersion() }
            }
            #expect(error?.description.contains("the system trust store") == true, "\(String(describing: error))")
        }
    }

    @Test("tls-server-name is the name checked against a certificate that lacks the IP")
    func tlsServerName() async throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let tls = NIOSSLServerTLS(certificate: pki.sniServerCert, key: pki.sniServerKey)
        try await withServer(tls: tls, Self.versionReply) { server in
            // The certificate is only for kubernetes.test: connecting to 127.0.0.1 must fail without tls-server-name…
            await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir, caFile: pki.caCert) { try await $0.serverVersion() }
            }
            // …and succeed with it.
            let version = try await withClient(server, in: dir, cluster: "    tls-server-name: kubernetes.test\n", caFile: pki.caCert) {
                try await $0.serverVersion()
            }
            #expect(version.major == "1")
        }
    }

    @Test("insecure-skip-tls-verify connects despite a wrong CA")
    func insecureSkipVerify() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(tls: .standard(), Self.versionReply) { server in
            let version = try await withClient(server, in: dir, cluster: "    insecure-skip-tls-verify: true\n") {
                #expect(!$0.connection.warnings.isEmpty)
                return try await $0.serverVersion()
            }
            #expect(version.minor == "36")
        }
    }

    @Test("a server that demands a client certificate accepts RSA, PKCS#1, EC and chained ones", arguments: ["rsa", "pkcs1", "ec", "chain"])
    func clientCertificates(kind: String) async throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (certificate, key): (String, String) = switch kind {
        case "rsa": (pki.clientRSACert, pki.clientRSAKey)
        case "pkcs1": (pki.clientRSACert, pki.clientRSAPKCS1Key)
        case "ec": (pki.clientECCert, pki.clientECKey)
        default: (pki.clientChainCert, pki.clientChainKey)
        }
        try await withServer(tls: .standard(requireClientCertificate: true), Self.versionReply) { server in
            let version = try await withClient(
                server, in: dir, user: "    client-certificate: \(certificate)\n    client-key: \(key)", caFile: pki.caCert
            ) { try await $0.serverVersion() }
            #expect(version.gitVersion == "v1.36.2")
            #expect(server.requests.count == 1)
            #expect(server.requests.first?.header("Authorization") == nil)
        }
    }

    @Test("without a client certificate that server refuses the connection")
    func clientCertificateRequired() async throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(tls: .standard(requireClientCertificate: true), Self.versionReply) { server in
            await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir, caFile: pki.caCert) { try await $0.serverVersion() }
            }
            #expect(server.requests.isEmpty)
        }
    }
}
