@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// The watch resumes from the last resourceVersion after drops, never
/// repeating or missing an event, and surfaces 410 Gone.
@Suite("Watching pods")
struct WatchTests {
    /// The four recorded MODIFIED events of pod C (rv 2056, 2059, 2063, 2066).
    static func recordedLines() throws -> [[UInt8]] {
        try Fixtures.bytes("watch/stream.jsonl").split(separator: UInt8(ascii: "\n")).map { Array($0) + [UInt8(ascii: "\n")] }
    }

    static func resourceVersion(of line: [UInt8]) -> Int {
        (try? WatchEvent.decode(line: Array(line.dropLast())).resourceVersion).flatMap { Int($0) } ?? 0
    }

    /// A watch endpoint that, like the API server, sends only events newer than the
    /// requested resourceVersion; `plan` says how each successive connection behaves.
    final class WatchEndpoint: @unchecked Sendable {
        typealias Plan = (_ newer: [[UInt8]]) -> ScriptedAPIServer.Action
        private let lock = NSLock()
        private var connections = 0
        private let lines: [[UInt8]]
        private let plans: [Plan]
        private let list: [UInt8]?

        init(lines: [[UInt8]], list: [UInt8]? = nil, plans: [Plan]) {
            self.lines = lines
            self.list = list
            self.plans = plans
        }

        func respond(_ request: ScriptedAPIServer.Request) -> ScriptedAPIServer.Action {
            guard request.query["watch"] == "1" else {
                return .json(200, list ?? [])
            }
            let from = Int(request.query["resourceVersion"] ?? "") ?? 0
            let newer = lines.filter { WatchTests.resourceVersion(of: $0) > from }
            let index = lock.withLock { () -> Int in
                connections += 1
                return connections - 1
            }
            guard index < plans.count else { return .stream(status: 200, chunks: [], ending: .hold) }
            return plans[index](newer)
        }
    }

    /// Collects `count` events from `sequence` in a task, then cancels it.
    static func collect<S: AsyncSequence & Sendable>(_ count: Int, from sequence: S, timeout: TimeInterval = 10) async throws -> [S.Element]
    where S.Element: Sendable {
        try await withThrowingTaskGroup(of: [S.Element]?.self) { group in
            group.addTask {
                var collected: [S.Element] = []
                for try await element in sequence {
                    collected.append(element)
                    if collected.count == count { break }
                }
                return collected
            }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw CollectTimeout(count: count) }
            return first
        }
    }

    /// Runs `body`, failing with `CollectTimeout` if it takes longer than `seconds`.
    static func withTimeout<R: Sendable>(seconds: TimeInterval, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw CollectTimeout(count: 0) }
            return first
        }
    }

    struct CollectTimeout: Error, CustomStringConvertible {
        var count: Int
        var description: String { count > 0 ? "fewer than \(count) elements arrived in time" : "the operation did not finish in time" }
    }

    @Test("a dropped connection (mid-line) and a server-ended response resume from the last resourceVersion: no event repeated or missed")
    func resumesAfterDrops() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lines = try Self.recordedLines()
        // Opened once the client has yielded the first event, so the cut comes after it, whatever the scheduling.
        let firstEventSeen = StreamGate()
        let endpoint = WatchEndpoint(lines: lines, plans: [
            // 1st connection: the first event; once the client has it, half of the second, then the connection drops.
            { newer in .gated(status: 200, first: newer[0], gate: firstEventSeen, rest: Array(newer[1].prefix(newer[1].count / 2)), ending: .drop) },
            // 2nd connection: two events in one chunk, then the server ends the response (its watch timeout).
            { newer in .stream(status: 200, chunks: [.init(delay: 0, bytes: Array(newer.prefix(2).joined()))], ending: .finish) },
            // 3rd connection: the rest, one byte at a time for the first few bytes, and the connection stays open.
            { newer in
                let rest = Array(newer.joined())
                return .stream(status: 200, chunks: rest.prefix(5).map { .init(delay: 0.005, bytes: [$0]) } + [.init(delay: 0.01, bytes: Array(rest.dropFirst(5)))], ending: .hold)
            },
        ])
        try await withServer(endpoint.respond) { server in
            let events = try await withClient(server, in: dir) { client in
                let watch = client.watchPods(namespace: "fixtures", labelSelector: "app=checkout", resourceVersion: "2055")
                return try await Self.withTimeout(seconds: 60) {  // a hang guard, loose for a loaded CI machine
                    var events: [WatchEvent] = []
                    for try await event in watch {
                        events.append(event)
                        if events.count == 1 { firstEventSeen.open() }
                        if events.count == 4 { break }
                    }
                    return events
                }
            }
            #expect(events.map(\.resourceVersion) == ["2056", "2059", "2063", "2066"])
            #expect(events.allSatisfy { $0.type == .modified && $0.pod?.metadata.name == "checkout-78b65f974c-hvn9z" })
            // Each event's pod keeps the recorded object bytes.
            for (event, line) in zip(events, lines) {
                let object = String(decoding: line, as: UTF8.self)
                #expect(object.contains(String(decoding: event.pod?.rawJSON ?? [], as: UTF8.self)))
            }
            let watches = server.requests.filter { $0.query["watch"] == "1" }
            #expect(watches.prefix(3).map { $0.query["resourceVersion"] } == ["2055", "2056", "2063"])
            #expect(watches.allSatisfy { $0.query["allowWatchBookmarks"] == "true" && $0.query["labelSelector"] == "app=checkout" })
        }
    }

    @Test("a BOOKMARK moves the resourceVersion the watch resumes from")
    func bookmarkAdvancesResourceVersion() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bookmark = try Fixtures.bytes("watch/stream-timeoutseconds15.jsonl")
        let endpoint = WatchEndpoint(lines: [], plans: [
            { _ in .stream(status: 200, chunks: [.init(delay: 0, bytes: bookmark)], ending: .finish) },
        ])
        try await withServer(endpoint.respond) { server in
            try await withClient(server, in: dir) { client in
                let events = try await Self.collect(1, from: client.watchPods(namespace: "fixtures", labelSelector: nil, resourceVersion: "2116"))
                #expect(events.first?.type == .bookmark)
                #expect(events.first?.resourceVersion == "2132")
                // The sequence is cancelled now; its reconnect, if it happened first, asked from 2132.
            }
            let versions = server.requests.map { $0.query["resourceVersion"] }
            #expect(versions.first == "2116")
            if versions.count > 1 { #expect(versions[1] == "2132") }
        }
    }

    @Test("the reconnect after a BOOKMARK asks from the bookmark's resourceVersion")
    func reconnectAfterBookmark() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bookmark = try Fixtures.bytes("watch/stream-timeoutseconds15.jsonl")
        let lines = try Self.recordedLines()
        let endpoint = WatchEndpoint(lines: lines, plans: [
            { _ in .stream(status: 200, chunks: [.init(delay: 0, bytes: bookmark)], ending: .finish) },
            { _ in .stream(status: 200, chunks: [.init(delay: 0, bytes: lines[0])], ending: .hold) },
        ])
        try await withServer(endpoint.respond) { server in
            let events = try await withClient(server, in: dir) { client in
                try await Self.collect(2, from: client.watchPods(namespace: "fixtures", labelSelector: nil, resourceVersion: "2116"))
            }
            #expect(events.map(\.type) == [.bookmark, .modified])
            #expect(server.requests.prefix(2).map { $0.query["resourceVersion"] } == ["2116", "2132"])
        }
    }

    @Test("HTTP 200 with an ERROR 410 event (as the real server answers a too-old resourceVersion) throws .gone")
    func goneAsErrorEvent() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let error410 = try Fixtures.bytes("errors/watch-rv1-200-stream-error-410.jsonl")
        let endpoint = WatchEndpoint(lines: [], plans: [{ _ in .stream(status: 200, chunks: [.init(delay: 0, bytes: error410)], ending: .finish) }])
        try await withServer(endpoint.respond) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { client in
                    _ = try await Self.collect(1, from: client.watchPods(namespace: "fixtures", labelSelector: "app=checkout", resourceVersion: "1"))
                }
            }
            guard case .gone(let version, let message, _) = error else {
                Issue.record("expected .gone, got \(String(describing: error))")
                return
            }
            #expect(version == "1")
            #expect(message == "too old resource version: 1 (1544)")
            #expect(server.requests.count == 1, "a 410 must not be retried as a reconnect")
        }
    }

    @Test("an HTTP 410 reply to the watch request throws .gone")
    func goneAsHTTPStatus() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let status = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (900)","reason":"Expired","code":410}"#
        try await withServer({ _ in .json(410, status) }) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { client in
                    _ = try await Self.collect(1, from: client.watchPods(namespace: nil, labelSelector: nil, resourceVersion: "5"))
                }
            }
            #expect(error?.isGone == true)
            #expect(error?.description.contains("too old resource version: 5 (900)") == true)
            #expect(server.requests.first?.path == "/api/v1/pods")
        }
    }

    @Test("another ERROR event (500) ends the watch with the server's Status, without reconnecting")
    func otherErrorEvent() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let error500 = try Fixtures.bytes("errors/watch-sendinitialevents-200-stream-error-500.jsonl")
        let endpoint = WatchEndpoint(lines: [], plans: [{ _ in .stream(status: 200, chunks: [.init(delay: 0, bytes: error500)], ending: .finish) }])
        try await withServer(endpoint.respond) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { client in
                    _ = try await Self.collect(1, from: client.watchPods(namespace: "fixtures", labelSelector: nil, resourceVersion: "0"))
                }
            }
            #expect(error?.statusCode == 500)
            #expect(error?.description.contains("RequestWatchProgress") == true)
            #expect(server.requests.count == 1)
        }
    }

    @Test("watchPodsRelisting lists, watches, and after a 410 says it is interrupted until it has listed again, and continues")
    func relistsAfterGone() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let list = try Fixtures.bytes("pods/podlist.json")
        let error410 = try Fixtures.bytes("errors/watch-rv1-200-stream-error-410.jsonl")
        let lines = try Self.recordedLines()
        let endpoint = WatchEndpoint(lines: lines, list: list, plans: [
            { _ in .stream(status: 200, chunks: [.init(delay: 0, bytes: error410)], ending: .finish) },
            { newer in .stream(status: 200, chunks: [.init(delay: 0, bytes: newer[0])], ending: .hold) },
        ])
        try await withServer(endpoint.respond) { server in
            let updates = try await withClient(server, in: dir) { client in
                try await Self.collect(4, from: client.watchPodsRelisting(namespace: "fixtures", labelSelector: "app=checkout"))
            }
            // Between the 410 and the new list nothing is reported: the consumer must not rely on the watch.
            guard updates.count == 4, case .relisted(let first) = updates[0], case .interrupted(let reason, _) = updates[1],
                case .relisted(let second) = updates[2], case .event(let event) = updates[3]
            else {
                Issue.record("expected relisted, interrupted, relisted, event; got \(updates)")
                return
            }
            #expect(reason.contains("410") || reason.lowercased().contains("too old"), "\(reason)")
            #expect(first.items.count == 3)
            #expect(second.metadata.resourceVersion == "2055")
            #expect(event.resourceVersion == "2056")
            let kinds = server.requests.map { $0.query["watch"] == "1" ? "watch" : "list" }
            #expect(kinds.prefix(4) == ["list", "watch", "list", "watch"])
            #expect(server.requests[1].query["resourceVersion"] == "2055")
        }
    }

    @Test("an ERROR event other than 410 (the server's recorded 500) is an interruption, not the end: the reflector waits, lists again and goes on")
    func errorEventIsAnInterruption() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let list = try Fixtures.bytes("pods/podlist.json")
        let error500 = try Fixtures.bytes("errors/watch-sendinitialevents-200-stream-error-500.jsonl")
        let lines = try Self.recordedLines()
        let endpoint = WatchEndpoint(lines: lines, list: list, plans: [
            { _ in .stream(status: 200, chunks: [.init(delay: 0, bytes: error500)], ending: .finish) },
            { newer in .stream(status: 200, chunks: [.init(delay: 0, bytes: newer[0])], ending: .hold) },
        ])
        try await withServer(endpoint.respond) { server in
            let updates = try await withClient(server, in: dir) { client in
                try await Self.collect(4, from: client.watchPodsRelisting(namespace: "fixtures", labelSelector: "app=checkout"))
            }
            guard updates.count == 4, case .relisted = updates[0], case .interrupted(let reason, let retryIn) = updates[1],
                case .relisted = updates[2], case .event(let event) = updates[3]
            else {
                Issue.record("expected relisted, interrupted, relisted, event; got \(updates)")
                return
            }
            #expect(reason.contains("500") || reason.contains("RequestWatchProgress"), "\(reason)")
            #expect(retryIn > 0 && retryIn <= PodWatchRelisting.maximumRetryDelay)
            #expect(event.resourceVersion == "2056")
            #expect(server.requests.first { $0.query["watch"] == "1" }?.query["timeoutSeconds"].flatMap { Int($0) }.map { (300...600).contains($0) } == true)
        }
    }

    @Test("a server that answers every watch with 410 is not hammered: the relists slow down (a handful in 2.5 s, not hundreds)")
    func persistentGoneBacksOff() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let list = try Fixtures.bytes("pods/podlist.json")
        let error410 = try Fixtures.bytes("errors/watch-rv1-200-stream-error-410.jsonl")
        let endpoint = WatchEndpoint(lines: [], list: list, plans: Array(repeating: { _ in
            .stream(status: 200, chunks: [.init(delay: 0, bytes: error410)], ending: .finish)
        }, count: 1000))
        try await withServer(endpoint.respond) { server in
            _ = try? await withClient(server, in: dir) { client in
                try await Self.collect(1000, from: client.watchPodsRelisting(namespace: "fixtures", labelSelector: "app=checkout"), timeout: 2.5)
            }
            let lists = server.requests.filter { $0.query["watch"] != "1" }.count
            // Delays double from 0.1–0.2 s up to 5 s: at most about 5 lists fit in 2.5 s.
            #expect(lists >= 2 && lists <= 8, "\(lists) lists in 2.5 s")
        }
    }

    @Test("the retry delay doubles from 0.2 s to at most 5 s, jittered down to half")
    func retryDelays() {
        for failures in 1...40 {
            let ceiling = min(PodWatchRelisting.maximumRetryDelay, PodWatchRelisting.firstRetryDelay * pow(2, Double(min(failures, 30) - 1)))
            let delay = PodWatchRelisting.retryDelay(afterFailures: failures)
            #expect(delay >= ceiling / 2 && delay <= ceiling, "after \(failures): \(delay)")
        }
    }

    @Test("a watch from resourceVersion 0 does not ask for bookmarks (that would turn it into a WatchList)")
    func noBookmarksFromZero() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lines = try Self.recordedLines()
        let endpoint = WatchEndpoint(lines: lines, plans: [{ newer in .stream(status: 200, chunks: [.init(delay: 0, bytes: newer[0])], ending: .hold) }])
        try await withServer(endpoint.respond) { server in
            let events = try await withClient(server, in: dir) { client in
                try await Self.collect(1, from: client.watchPods(namespace: "fixtures", labelSelector: nil, resourceVersion: "0"))
            }
            #expect(events.first?.resourceVersion == "2056")
            #expect(server.requests.first?.query["resourceVersion"] == "0")
            #expect(server.requests.first?.query["allowWatchBookmarks"] == nil)
        }
    }

    @Test("newline-delimited events are split correctly whatever the chunking")
    func lineSplitter() throws {
        let text = Array("{\"a\":1}\n{\"b\":\n2}\n\n{\"c\":3}".utf8)
        for size in 1...text.count {
            var splitter = LineSplitter()
            var lines: [[UInt8]] = []
            var index = 0
            while index < text.count {
                lines += try splitter.append(text[index..<min(index + size, text.count)])
                index += size
            }
            if let last = splitter.finish() { lines.append(last) }
            #expect(lines.map { String(decoding: $0, as: UTF8.self) } == ["{\"a\":1}", "{\"b\":", "2}", "{\"c\":3}"])
        }
    }
}
