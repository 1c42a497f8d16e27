@testable import KubeAPI
import Foundation
import Testing
import TestSupport

/// The attach client against sessions recorded from a real v1.36 API server
/// (`Tests/Fixtures/k8s/attach`), replayed byte for byte.
@Suite("pods/attach over WebSocket, against recorded sessions")
struct PodAttachTests {
    static func attach(_ server: ReplayedConnection, limit: Int = 1 << 20) async throws -> AttachOutcome {
        let dir = try TemporaryDirectory(prefix: "attach")
        let connection = try KubeconfigWriter.connection(server: server.url, in: dir)
        return try await KubeClient.withClient(connection: connection, options: .init(retryBaseDelay: 0.01)) { client in
            try await client.attach(namespace: "att", pod: "web", container: "rec6", stdin: Array("hello\n".utf8), outputLimit: limit)
        }
    }

    @Test("v5: stdin goes out as stream 0 and is ended with [255, 0]; stdout, stderr and the Success status come back; the session is complete")
    func v5Session() async throws {
        let server = try await ReplayedConnection.start(recorded: try Fixtures.bytes("attach/attach-v5-stdinonce.http"))
        let outcome = try await Self.attach(server)
        await server.stop()
        #expect(outcome.subprotocol == "v5.channel.k8s.io")
        #expect(String(decoding: outcome.stdout, as: UTF8.self) == "got:hello\nbye\n")
        #expect(String(decoding: outcome.stderr, as: UTF8.self) == "err\n")
        #expect(outcome.status?.status == "Success")
        #expect(outcome.ending == .completed && outcome.stdinClosed)
        let request = server.request
        #expect(request.head.hasPrefix("GET /api/v1/namespaces/att/pods/web/attach?container=rec6&stdin=true&stdout=true&stderr=true HTTP/1.1"), "\(request.head)")
        #expect(request.head.contains("Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io"))
        #expect(request.head.contains("Authorization: Bearer test-token"))
        let binary = request.messages.filter { $0.0 == 0x2 }.map(\.1)
        #expect(binary.first == [0] + Array("hello\n".utf8))
        #expect(binary.dropFirst().first == [255, 0])
    }

    @Test("through the kubeconfig's HTTP proxy (with its credentials): the same session, in a CONNECT tunnel; a wrong password is the proxy's 407")
    func throughProxy() async throws {
        let proxy = try ConnectProxy(requiredAuthorization: "Basic " + Data("egress:s3cret".utf8).base64EncodedString())
        defer { proxy.stop() }
        let dir = try TemporaryDirectory(prefix: "attach")
        defer { dir.remove() }
        let server = try await ReplayedConnection.start(recorded: try Fixtures.bytes("attach/attach-v5-stdinonce.http"))
        let proxied = try KubeconfigWriter.connection(
            server: server.url, in: dir, cluster: "    proxy-url: http://egress:s3cret@127.0.0.1:\(proxy.port)\n")
        let outcome = try await KubeClient.withClient(connection: proxied, options: .init(retryBaseDelay: 0.01)) { client in
            try await client.attach(namespace: "att", pod: "web", container: "rec6", stdin: Array("hello\n".utf8), outputLimit: 1 << 20)
        }
        let port = try #require(URLComponents(string: server.url)?.port)
        await server.stop()
        #expect(String(decoding: outcome.stdout, as: UTF8.self) == "got:hello\nbye\n")
        #expect(outcome.ending == .completed)
        #expect(proxy.tunnels == ["127.0.0.1:\(port)"])

        let wrong = try KubeconfigWriter.connection(
            server: server.url, in: dir, cluster: "    proxy-url: http://egress:wrong@127.0.0.1:\(proxy.port)\n")
        let refused = await #expect(throws: (any Error).self) {
            try await KubeClient.withClient(connection: wrong, options: .init(maxRetries: 0)) { client in
                try await client.attach(namespace: "att", pod: "web", container: "rec6", stdin: [], outputLimit: 1024)
            }
        }
        #expect("\(refused.map { "\($0)" } ?? "")".contains("407 Proxy Authentication Required"), "\(String(describing: refused))")
        #expect(proxy.authenticationRefusals >= 1)
    }

    @Test("through a socks5:// proxy-url: the same session, in a SOCKS5 tunnel")
    func throughSOCKSProxy() async throws {
        let proxy = try ConnectProxy()
        defer { proxy.stop() }
        let dir = try TemporaryDirectory(prefix: "attach")
        defer { dir.remove() }
        let server = try await ReplayedConnection.start(recorded: try Fixtures.bytes("attach/attach-v5-stdinonce.http"))
        let port = try #require(URLComponents(string: server.url)?.port)
        let proxied = try KubeconfigWriter.connection(server: server.url, in: dir, cluster: "    proxy-url: \(proxy.socksURL)\n")
        let outcome = try await KubeClient.withClient(connection: proxied, options: .init(retryBaseDelay: 0.01)) { client in
            try await client.attach(namespace: "att", pod: "web", container: "rec6", stdin: Array("hello\n".utf8), outputLimit: 1 << 20)
        }
        await server.stop()
        #expect(String(decoding: outcome.stdout, as: UTF8.self) == "got:hello\nbye\n")
        #expect(outcome.ending == .completed)
        #expect(proxy.tunnels == ["127.0.0.1:\(port)"])
    }

    @Test("v4: the same messages, and no close signal (v4 has none): the bootstrap reads a length, not to the end")
    func v4Session() async throws {
        let server = try await ReplayedConnection.start(recorded: try Fixtures.bytes("attach/attach-v4-stdinonce.http"))
        let outcome = try await Self.attach(server)
        await server.stop()
        #expect(outcome.subprotocol == "v4.channel.k8s.io")
        #expect(String(decoding: outcome.stdout, as: UTF8.self) == "got:hello\nbye\n")
        #expect(outcome.ending == .completed && !outcome.stdinClosed)
        #expect(!server.request.messages.contains { $0.1 == [255, 0] })
    }

    @Test("a stream cut before the status keeps what came and says it was cut")
    func cutStream() async throws {
        let recorded = try Fixtures.bytes("attach/attach-v5-stdinonce.http")
        // Up to and including the `got:hello` message.
        let cut = try #require(recorded.firstRange(of: Array("got:hello\n".utf8))).upperBound
        let server = try await ReplayedConnection.start(recorded: recorded, limit: cut, closeAfter: 0.05)
        let outcome = try await Self.attach(server)
        await server.stop()
        #expect(String(decoding: outcome.stdout, as: UTF8.self) == "got:hello\n")
        #expect(outcome.status == nil)
        guard case .cut(let reason) = outcome.ending else {
            Issue.record("a cut stream was reported complete")
            return
        }
        #expect(reason.contains("without"), "\(reason)")
    }

    @Test("output past the limit is not kept, and the session says so")
    func outputLimit() async throws {
        let server = try await ReplayedConnection.start(recorded: try Fixtures.bytes("attach/attach-v5-stdinonce.http"))
        let outcome = try await Self.attach(server, limit: 5)
        await server.stop()
        #expect(outcome.stdout == Array("got:h".utf8) && outcome.outputLimitReached)
        guard case .cut(let reason) = outcome.ending else {
            Issue.record("a session past its limit was reported complete")
            return
        }
        #expect(reason.contains("limit of 5 bytes"), "\(reason)")
    }

    @Test("the kubelet's 500 for a container that is not running, the API server's 400 and an admission policy's 422 become errors in their own words", arguments: [
        ("attach/attach-terminated-500.http", 500, "container rec6 not found in pod web_att"),
        ("attach/attach-unknown-container-400.http", 400, "container nope is not valid for pod web"),
        ("attach/attach-denied-by-policy-422.http", 422, "denied request: attaching to pods in this namespace is not allowed by policy"),
    ])
    func refusals(file: String, code: Int, message: String) async throws {
        let server = try await ReplayedConnection.start(recorded: try Fixtures.bytes(file))
        do {
            _ = try await Self.attach(server)
            Issue.record("a refused attach returned")
        } catch let error as KubeAPIError {
            #expect(error.statusCode == code)
            #expect("\(error)".contains(message), "\(error)")
        }
        await server.stop()
    }
}
