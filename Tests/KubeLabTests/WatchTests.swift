import Foundation
import KubeLab
import Testing

/// Watch semantics: replay from a resourceVersion, 410 as an ERROR event, bookmarks
/// before the deadline, the initial ADDED events, and the dropped-connection fault.
@Suite("watch")
struct WatchTests {
    func rv(_ event: [String: Any]) -> Int {
        Int((((event["object"] as? [String: Any])?["metadata"] as? [String: Any])?["resourceVersion"] as? String) ?? "") ?? -1
    }

    func name(_ event: [String: Any]) -> String {
        (((event["object"] as? [String: Any])?["metadata"] as? [String: Any])?["name"] as? String) ?? ""
    }

    @Test("a watch from a resourceVersion replays what came after it, then follows")
    func replayAndFollow() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let start = lab.server.resourceVersion
        let checkout = lab.server.pods(namespace: "shop").filter { $0.labels["app"] == "checkout" }
        lab.server.setPodPhase(namespace: "shop", name: checkout[0].name, phase: .Failed)
        lab.server.deletePod(namespace: "shop", name: checkout[1].name)
        // An unrelated change the selector filters out.
        lab.server.setPodPhase(namespace: "shop", name: "db-0", phase: .Failed)

        let curl = Curl(lab: lab)
        async let streamed = curl.request("/api/v1/namespaces/shop/pods?watch=1&labelSelector=" + q("app=checkout") + "&resourceVersion=\(start)&timeoutSeconds=6")
        try await Task.sleep(for: .milliseconds(700))
        let created = try lab.server.createPod(
            namespace: "shop", manifest: #"{"metadata":{"name":"late","labels":{"app":"checkout"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}"#)
        let r = try await streamed
        #expect(r.status == 200)
        #expect(r.headers["transfer-encoding"] == "chunked")
        let events = try watchEvents(r.body)
        // The replayed changes, then the late pod: ADDED, and as many MODIFIED as its
        // real container went through before the deadline (at least one: Running).
        #expect(events.prefix(3).map { $0["type"] as? String ?? "" } == ["MODIFIED", "DELETED", "ADDED"])
        #expect(events.prefix(3).map(name) == [checkout[0].name, checkout[1].name, "late"])
        #expect(events.count >= 4)
        #expect(events.dropFirst(3).allSatisfy { $0["type"] as? String == "MODIFIED" && name($0) == "late" })
        let rvs = events.map(rv)
        #expect(rvs == rvs.sorted() && Set(rvs).count == rvs.count && rvs.allSatisfy { $0 > start })
        #expect(rvs.last == lab.server.resourceVersion)
        #expect(created.name == "late")
        // Every event is one compact line with kind and apiVersion.
        #expect(r.text.split(separator: "\n").allSatisfy { $0.hasPrefix(#"{"type":""#) && $0.contains(#""object":{"kind":"Pod","apiVersion":"v1","#) })
    }

    @Test("a watch without resourceVersion starts with ADDED for each matching pod")
    func initialAdded() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await Curl(lab: lab).request("/api/v1/pods?watch=true&labelSelector=" + q("app in (db,ledger)") + "&timeoutSeconds=1")
        let events = try watchEvents(r.body)
        let want = lab.server.pods().filter { ["db", "ledger"].contains($0.labels["app"] ?? "") }.map(\.name)
        #expect(events.map { $0["type"] as? String } == Array(repeating: "ADDED", count: want.count))
        #expect(events.map(name) == want)
        // The single-object form watches just that pod.
        let one = try await Curl(lab: lab).request("/api/v1/namespaces/shop/pods/db-0?watch=1&timeoutSeconds=1")
        #expect(try watchEvents(one.body).map(name) == ["db-0"])
    }

    @Test("a resourceVersion older than the history: HTTP 200 and one ERROR event with 410 Expired")
    func tooOld() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await Curl(lab: lab).request("/api/v1/namespaces/shop/pods?watch=1&resourceVersion=1")
        #expect(r.status == 200)
        let events = try watchEvents(r.body)
        #expect(events.count == 1)
        let recorded = try watchEvents(try Fixtures.data("errors/watch-rv1-200-stream-error-410.jsonl"))[0]
        #expect(events[0]["type"] as? String == recorded["type"] as? String)
        let object = try #require(events[0]["object"] as? [String: Any])
        let want = try #require(recorded["object"] as? [String: Any])
        for key in ["kind", "apiVersion", "status", "reason"] { #expect(object[key] as? String == want[key] as? String) }
        #expect(object["code"] as? Int == 410)
        #expect((object["message"] as? String)?.hasPrefix("too old resource version: 1 (") == true)
        // The line is byte-compatible with the recorded one but for the numbers.
        #expect(r.text.replacingOccurrences(of: #"\(\d+\)"#, with: "(N)", options: .regularExpression)
            == (try Fixtures.text("errors/watch-rv1-200-stream-error-410.jsonl"))
                .replacingOccurrences(of: "(1544)", with: "(N)"))
    }

    @Test("allowWatchBookmarks with timeoutSeconds: a BOOKMARK shortly before the deadline, then the end")
    func bookmark() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let started = Date()
        let rv = lab.server.resourceVersion
        let r = try await Curl(lab: lab).request("/api/v1/namespaces/shop/pods?watch=1&allowWatchBookmarks=true&resourceVersion=\(rv)&timeoutSeconds=3")
        let elapsed = Date().timeIntervalSince(started)
        // The upper bound only says the server ended the watch itself, well before curl's own 30 s limit;
        // it is loose because the suite runs in parallel on two cores.
        #expect(elapsed > 2.5 && elapsed < 25, "the server ends the watch at its deadline (took \(elapsed) s)")
        let lines = r.text.split(separator: "\n").map(String.init)
        #expect(lines == [#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"\#(lab.server.resourceVersion)"},"spec":{"containers":null},"status":{}}}"#])
    }

    @Test("the drop fault cuts a watch after K events; resuming from the last resourceVersion loses nothing")
    func dropAndResume() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let start = lab.server.resourceVersion
        let names = lab.server.pods().map { ($0.namespace, $0.name) }
        for (ns, name) in names { lab.server.setPodPhase(namespace: ns, name: name, phase: .Failed) }
        lab.server.faults.dropWatchAfterEvents = 3
        var from = start
        var received: [Int] = []
        for _ in 0..<10 where received.count < names.count {
            let r = try await Curl(lab: lab).request("/api/v1/pods?watch=1&resourceVersion=\(from)&timeoutSeconds=2")
            let events = try watchEvents(r.body)
            #expect(events.count <= 3)
            received += events.map(rv)
            if let last = events.last { from = rv(last) }
        }
        #expect(received == Array((start + 1)...(start + names.count)))
    }

    @Test("many watchers and concurrent writers: every watcher sees every change once, in resourceVersion order")
    func concurrentWatchers() async throws {
        let lab = try await LabFixture.start(.generated(namespace: "bench", pods: 50, labels: ["app": "bench"]))
        defer { Task { try await lab.stop() } }
        let start = lab.server.resourceVersion
        let names = lab.server.pods(namespace: "bench").map(\.name)
        let watchers = (0..<8).map { _ in
            // A deadline long enough for eight curls to connect on a loaded machine.
            Task { try await Curl(lab: lab).request("/api/v1/namespaces/bench/pods?watch=1&resourceVersion=\(start)&timeoutSeconds=10") }
        }
        try await Task.sleep(for: .milliseconds(500))
        await withTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: names.count, by: 10) {
                let slice = names[chunk..<min(chunk + 10, names.count)]
                group.addTask {
                    for name in slice { lab.server.setPodPhase(namespace: "bench", name: name, phase: .Failed) }
                }
            }
        }
        #expect(lab.server.resourceVersion == start + names.count)
        for watcher in watchers {
            let events = try watchEvents(try await watcher.value.body)
            #expect(events.map(rv) == Array((start + 1)...(start + names.count)))
            #expect(Set(events.map(name)) == Set(names))
        }
    }

    @Test("stopping the lab ends open watches and returns promptly")
    func stopWithOpenWatch() async throws {
        let lab = try await LabFixture.start()
        async let streamed = Curl(lab: lab).request("/api/v1/pods?watch=1", maxTime: 20)
        try await Task.sleep(for: .milliseconds(700))
        let started = Date()
        try await lab.stop()
        // Loose, for a loaded CI machine: the stop must not wait for the watch's 20 s curl limit.
        #expect(Date().timeIntervalSince(started) < 15)
        let r = try await streamed
        #expect(r.status == 200)
        #expect(try watchEvents(r.body).count == lab.server.pods().count, "the initial ADDED events came before the stop")
    }

    @Test("sendInitialEvents ends the initial ADDED events with the initial-events-end bookmark")
    func initialEventsEnd() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await Curl(lab: lab).request("/api/v1/namespaces/shop/pods?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1")
        let events = try watchEvents(r.body)
        let pods = lab.server.pods(namespace: "shop")
        #expect(events.count >= pods.count + 1)
        #expect(events.prefix(pods.count).allSatisfy { $0["type"] as? String == "ADDED" })
        let marker = events[pods.count]
        #expect(marker["type"] as? String == "BOOKMARK")
        let annotations = ((marker["object"] as? [String: Any])?["metadata"] as? [String: Any])?["annotations"] as? [String: String]
        #expect(annotations == ["k8s.io/initial-events-end": "true"])
    }
}
