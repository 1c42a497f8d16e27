@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// Failures before any reply are named: refused, unknown host, timeout.
@Suite("Transport failures are named")
struct TransportFailureTests {
    @Test("an unreachable server: connection refused, with the server URL")
    func connectionRefused() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // A port that was just free: start a server, note its URL, stop it.
        let server = try await ScriptedAPIServer.start { _ in .close }
        await server.stop()
        let connection = try KubeconfigWriter.connection(server: server.url, in: dir)
        let error = await #expect(throws: KubeAPIError.self) {
            try await KubeClient.withClient(connection: connection) { try await $0.listPods(namespace: "shop", labelSelector: "app=checkout") }
        }
        guard case .connectionRefused(let url, let method, let path) = error else {
            Issue.record("expected connectionRefused, got \(String(describing: error))")
            return
        }
        #expect(url == server.url)
        #expect(method == "GET")
        #expect(path == "/api/v1/namespaces/shop/pods?labelSelector=app%3Dcheckout")
        #expect(error?.description.contains("refused") == true)
        #expect(error?.description.contains(server.url) == true)
    }

    @Test("a host name that does not resolve: host not found")
    func hostNotFound() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let connection = try KubeconfigWriter.connection(server: "https://api.no-such-cluster.invalid:6443", in: dir)
        let error = await #expect(throws: KubeAPIError.self) {
            try await KubeClient.withClient(connection: connection, options: .init(requestTimeout: 10)) { try await $0.serverVersion() }
        }
        guard case .hostNotFound(let host, let server) = error else {
            Issue.record("expected hostNotFound, got \(String(describing: error))")
            return
        }
        #expect(host == "api.no-such-cluster.invalid")
        #expect(server == "https://api.no-such-cluster.invalid:6443")
    }

    @Test("a server that never answers: timed out, naming the request and the time")
    func timeout() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await withServer({ _ in .hang }) { server in
            let elapsed = await measure {
                let error = await #expect(throws: KubeAPIError.self) {
                    try await withClient(server, in: dir, options: .init(requestTimeout: 0.5)) {
                        try await $0.getPod(namespace: "shop", name: "checkout-1")
                    }
                }
                guard case .timedOut(let method, let path, _, let after, _) = error else {
                    Issue.record("expected timedOut, got \(String(describing: error))")
                    return
                }
                #expect(method == "GET")
                #expect(path == "/api/v1/namespaces/shop/pods/checkout-1")
                #expect(after == 0.5)
                #expect(error?.description.contains("timed out after 0.5 s") == true)
            }
            // Loose: only that the 0.5 s timeout ended the wait, not a retry loop or the server.
            #expect(elapsed < 20)
        }
    }
}
