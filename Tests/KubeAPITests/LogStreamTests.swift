@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// Container logs arrive as they are sent, byte for byte.
@Suite("Streaming container logs")
struct LogStreamTests {
    @Test("the recorded log arrives byte for byte, its first part before the server has sent the rest")
    func streamsAsItArrives() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = try Fixtures.bytes("ephemeral/log.txt")
        let split = log.count / 3
        // The server sends the rest only once the test has received the first part: a client
        // that waited for the whole body would never see it (and the collection below times out).
        let gate = StreamGate()
        let action = ScriptedAPIServer.Action.gated(status: 200, first: Array(log[..<split]), gate: gate, rest: Array(log[split...]))
        try await withServer({ _ in action }) { server in
            let received = try await withClient(server, in: dir) { client in
                try await WatchTests.withTimeout(seconds: 60) {  // a hang guard, loose for a loaded CI machine
                    var received: [UInt8] = []
                    for try await chunk in client.streamLog(namespace: "fixtures", pod: "checkout-78b65f974c-7mtxn", container: "evidence-1") {
                        received += chunk
                        if received.count >= split { gate.open() }
                    }
                    return received
                }
            }
            #expect(received == log)
            let request = try #require(server.requests.first)
            #expect(request.path == "/api/v1/namespaces/fixtures/pods/checkout-78b65f974c-7mtxn/log")
            #expect(request.query["container"] == "evidence-1")
        }
    }

    @Test("readLog gathers the whole log")
    func readWholeLog() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = try Fixtures.bytes("ephemeral/log.txt")
        try await withServer({ _ in .reply(status: 200, headers: [("Content-Type", "text/plain")], body: log) }) { server in
            let bytes = try await withClient(server, in: dir) { try await $0.readLog(namespace: "fixtures", pod: "p", container: "c") }
            #expect(bytes == log)
        }
    }

    @Test("a log cut by a dropped connection is an error, not a short log")
    func droppedLogIsAnError() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = try Fixtures.bytes("ephemeral/log.txt")
        try await withServer({ _ in .stream(status: 200, chunks: [.init(delay: 0, bytes: Array(log.prefix(50)))], ending: .drop) }) { server in
            await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { try await $0.readLog(namespace: "fixtures", pod: "p", container: "c") }
            }
        }
    }

    @Test("the log of a container that does not exist: the server's 400 message")
    func missingContainer() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let body = try Fixtures.bytes("errors/400-log-container-not-found.json")
        let expected = try JSONDecoder().decode(Status.self, from: Data(body))
        try await withServer({ _ in .json(400, body) }) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { try await $0.readLog(namespace: "fixtures", pod: "checkout-78b65f974c-7mtxn", container: "evidence-nope") }
            }
            #expect(error?.serverStatus == expected)
            #expect(error?.description.contains(expected.message ?? "?") == true)
        }
    }
}
