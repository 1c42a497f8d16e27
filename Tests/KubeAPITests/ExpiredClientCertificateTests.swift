import Foundation
import TestSupport
import Testing

@testable import KubeAPI

/// An expired client certificate is named, with its date, whichever way the
/// server refuses it: kube-apiserver with a bare 401 "Unauthorized" (recorded
/// from the kit's v1.36.2), a server that checks it in the TLS handshake with
/// an alert. Neither message carries a path of the build.
@Suite("expired client certificate")
struct ExpiredClientCertificateTests {
    static let expiry = "expired on 2020-01-02 00:00:00 UTC ("

    func user(_ pki: TestPKI) -> String {
        "    client-certificate: \(pki.clientExpiredCert)\n    client-key: \(pki.clientExpiredKey)"
    }

    @Test("kube-apiserver's 401 (the handshake succeeded) says which certificate expired, and when")
    func unauthorized() async throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(tls: .standard(), { _ in Fixtures.reply(401, "errors/401-expired-client-certificate.json") }) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir, user: user(pki), caFile: pki.caCert) { try await $0.serverVersion() }
            }
            let text = "\(try #require(error))"
            #expect(text.hasPrefix("The API server rejected GET /version with 401 Unauthorized: Unauthorized. The client certificate in the file \(pki.clientExpiredCert) (named by users[tester].user.client-certificate in "), "\(text)")
            #expect(text.contains(Self.expiry), "\(text)")
            #expect(text.contains("ago); renew it, or ask for a new kubeconfig."), "\(text)")
        }
    }

    @Test("a server that checks client certificates in the handshake: the alert comes with the certificate's expiry, and no source path")
    func handshake() async throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(tls: .standard(requireClientCertificate: true), TLSConnectionTests.versionReply) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir, user: user(pki), caFile: pki.caCert) { try await $0.serverVersion() }
            }
            let text = "\(try #require(error))"
            #expect(text.contains("the TLS handshake failed ("), "\(text)")
            #expect(text.contains("The client certificate in the file \(pki.clientExpiredCert)"), "\(text)")
            #expect(text.contains(Self.expiry), "\(text)")
            #expect(!text.contains(".build/"), "\(text)")
            #expect(!text.contains(".cc:"), "\(text)")
            #expect(server.requests.isEmpty)
        }
    }

    @Test("a valid client certificate adds nothing to a 401")
    func validCertificate() async throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await withServer(tls: .standard(), { _ in Fixtures.reply(401, "errors/401-bad-token.json") }) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir, user: "    client-certificate: \(pki.clientECCert)\n    client-key: \(pki.clientECKey)",
                                     caFile: pki.caCert) { try await $0.serverVersion() }
            }
            let text = "\(try #require(error))"
            #expect(text == "The API server rejected GET /version with 401 Unauthorized: Unauthorized.")
        }
    }
}
