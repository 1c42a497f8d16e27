@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// 429 and 503 are retried with backoff, honouring Retry-After; reset
/// connections are retried for GETs only; the token bucket spaces requests.
@Suite("Retries and the client-side rate limit")
struct RetryAndRateLimitTests {
    static let tooMany = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429}"#

    /// Answers the first `failures` requests with `failure`, then /version.
    final class Script: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        let failures: Int
        let failure: ScriptedAPIServer.Action
        init(failures: Int, failure: ScriptedAPIServer.Action) {
            self.failures = failures
            self.failure = failure
        }
        func respond(_ request: ScriptedAPIServer.Request) -> ScriptedAPIServer.Action {
            let n = lock.withLock { count += 1; return count }
            if n <= failures { return failure }
            return Fixtures.reply(200, "discovery/version.json")
        }
    }

    @Test("a 429 with Retry-After: 1 is retried after about one second")
    func retryAfterIsHonoured() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = Script(failures: 1, failure: .json(429, Self.tooMany, headers: [("Retry-After", "1")]))
        try await withServer(script.respond) { server in
            let elapsed = try await measure {
                let version = try await withClient(server, in: dir) { try await $0.serverVersion() }
                #expect(version.major == "1")
            }
            #expect(server.requests.count == 2)
            #expect(elapsed >= 0.95, "waited only \(elapsed) s")
            #expect(elapsed < 20, "a loose bound: the retry did not wait for some much longer backoff")
        }
    }

    @Test("503 without Retry-After is retried with a short backoff")
    func serviceUnavailableRetried() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = Script(failures: 2, failure: .reply(status: 503, headers: [], body: Array("upstream busy".utf8)))
        try await withServer(script.respond) { server in
            let version = try await withClient(server, in: dir) { try await $0.serverVersion() }
            #expect(version.gitVersion == "v1.36.2")
            #expect(server.requests.count == 3)
        }
    }

    @Test("after maxRetries the last 429 is thrown with the server's Status")
    func givesUpAfterMaxRetries() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = Script(failures: 100, failure: .json(429, Self.tooMany, headers: [("Retry-After", "0")]))
        try await withServer(script.respond) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir, options: .init(maxRetries: 2, retryBaseDelay: 0.01)) { try await $0.serverVersion() }
            }
            #expect(error?.statusCode == 429)
            #expect(error?.serverStatus?.reason == "TooManyRequests")
            #expect(error?.description.contains("GET /version") == true)
            #expect(server.requests.count == 3)
        }
    }

    @Test("a GET whose connection is closed without a reply is sent again")
    func resetGETIsRetried() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = Script(failures: 1, failure: .close)
        try await withServer(script.respond) { server in
            let version = try await withClient(server, in: dir) { try await $0.serverVersion() }
            #expect(version.major == "1")
            #expect(server.requests.count == 2)
        }
    }

    @Test("a POST whose connection is closed is not repeated, and the error says the connection was lost")
    func resetPOSTIsNotRetried() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = Script(failures: 1, failure: .close)
        try await withServer(script.respond) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { client in
                    try await client.selfSubjectAccessReview(.init(namespace: "shop", verb: "list", resource: "pods"))
                }
            }
            #expect(server.requests.count == 1)
            guard case .connectionLost(let method, let path, _, _) = error else {
                Issue.record("expected connectionLost, got \(String(describing: error))")
                return
            }
            #expect(method == "POST")
            #expect(path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
        }
    }

    @Test("qps 10 with burst 2 spaces 6 requests over at least 0.4 s")
    func tokenBucketSpacesRequests() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = Script(failures: 0, failure: .close)
        try await withServer(script.respond) { server in
            let elapsed = try await measure {
                try await withClient(server, in: dir, options: .init(qps: 10, burst: 2)) { client in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for _ in 0..<6 { group.addTask { _ = try await client.serverVersion() } }
                        try await group.waitForAll()
                    }
                }
            }
            #expect(server.requests.count == 6)
            // 2 at once, then one every 0.1 s: the sixth starts at 0.4 s.
            #expect(elapsed >= 0.38, "6 requests took only \(elapsed) s")
        }
    }

    @Test("the token bucket allows a burst at once and then qps per second")
    func tokenBucketArithmetic() async {
        let bucket = TokenBucket(qps: 4, burst: 3)
        var waits: [Duration] = []
        for _ in 0..<5 { waits.append(await bucket.reserve()) }
        #expect(waits[0] == .zero && waits[1] == .zero && waits[2] == .zero)
        #expect(waits[3] > .milliseconds(200) && waits[3] <= .milliseconds(250))
        #expect(waits[4] > .milliseconds(450) && waits[4] <= .milliseconds(500))
    }
}
