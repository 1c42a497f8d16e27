import Foundation
import KubeAPI
import Synchronization
import RecordedResponses
import Testing

@testable import Collector

/// The board below the binary, with real recorded pods: an interrupted watch
/// costs time, never a pod.
@Suite("the shared watch's board when the watch is down")
struct PodStateBoardWatchDownTests {
    static func pods() throws -> [Pod] {
        try PodList.decode(json: try Fixtures.bytes("pods/podlist.json")).items
    }

    static func key(_ pod: Pod) -> PodKey { PodKey(namespace: pod.metadata.namespace ?? "", name: pod.metadata.name) }

    @Test("not watching before the first list; watching after it; an interruption ends waits with watchDown only after the fallback delay")
    func fallsBackAfterTheDelay() async throws {
        let pods = try Self.pods()
        let board = PodStateBoard(fallbackAfter: 0.5)
        #expect(!board.isWatching)
        board.relisted(pods, tracked: Set(pods.map(Self.key)))
        #expect(board.isWatching)

        let key = Self.key(pods[0])
        board.watchInterrupted()
        #expect(!board.isWatching)
        let start = Date()
        let result = await board.wait(for: key, timeout: 10) { _ in false }
        let waited = Date().timeIntervalSince(start)
        guard case .failure(.watchDown) = result else {
            Issue.record("expected watchDown, got \(result)")
            return
        }
        #expect(waited >= 0.4 && waited < 5, "waited \(waited) s")
        // While it is still down, a new wait falls back at once.
        guard case .failure(.watchDown) = await board.wait(for: key, timeout: 10, until: { _ in false }) else {
            Issue.record("a wait while down did not fall back")
            return
        }
        #expect(board.ended == nil, "a down watch must not end the run's waits for good")
    }

    @Test("a watch back before the fallback delay leaves the waits waiting, and they see the relisted pod")
    func backInTime() async throws {
        let pods = try Self.pods()
        let board = PodStateBoard(fallbackAfter: 1)
        board.relisted(pods, tracked: Set(pods.map(Self.key)))
        let key = Self.key(pods[1])
        board.watchInterrupted()
        let released = Atomic<Bool>(false)
        Task {
            try await Task.sleep(nanoseconds: 200_000_000)
            board.relisted(pods, tracked: Set(pods.map(Self.key)))
            try await Task.sleep(nanoseconds: 200_000_000)
            released.store(true, ordering: .sequentiallyConsistent)
            board.observe(pods[1])
        }
        let result = await board.wait(for: key, timeout: 5) { observation in
            if case .present = observation { return released.load(ordering: .sequentiallyConsistent) }
            return false
        }
        guard case .success(.present(let pod)) = result else {
            Issue.record("expected the pod, got \(result)")
            return
        }
        #expect(pod.metadata.name == pods[1].metadata.name)
        // The fallback timer of the old interruption must not end later waits.
        try await Task.sleep(nanoseconds: 1_200_000_000)
        guard case .failure(.timedOut) = await board.wait(for: key, timeout: 0.2, until: { _ in false }) else {
            Issue.record("a stale fallback ended a wait")
            return
        }
    }

    @Test("an older state of a pod (a PATCH reply after newer watch events) never replaces a newer one; a new UID always does")
    func resourceVersionOrder() throws {
        // The recorded watch: four MODIFIED events of one pod, rv 2056, 2059, 2063, 2066.
        let events = try Fixtures.bytes("watch/stream.jsonl").split(separator: UInt8(ascii: "\n"))
            .map { try WatchEvent.decode(line: Array($0)) }
        let pods = events.compactMap(\.pod)
        #expect(pods.map(\.metadata.resourceVersion) == ["2056", "2059", "2063", "2066"])
        let board = PodStateBoard()
        let key = Self.key(pods[0])
        board.observe(pods[3])
        board.observe(pods[0], fromWatch: false)
        guard case .present(let kept)? = board.latest(key) else {
            Issue.record("no pod on the board")
            return
        }
        #expect(kept.metadata.resourceVersion == "2066")
        board.observe(pods[1])
        guard case .present(let stillKept)? = board.latest(key) else { return }
        #expect(stillKept.metadata.resourceVersion == "2066")

        var replaced = pods[0]
        replaced.metadata.uid = "another-uid"
        board.observe(replaced)
        guard case .present(let now)? = board.latest(key) else { return }
        #expect(now.metadata.uid == "another-uid")
    }
}
