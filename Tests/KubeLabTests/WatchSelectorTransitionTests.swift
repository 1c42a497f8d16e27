import Foundation
import Testing

@testable import KubeLab

/// A watch with a selector sees a pod leave and enter it as the real watch cache shows it.
/// Recorded on a v1.36.2 cluster (`kubectl get pods -l app=x -w --output-watch-events` and a raw
/// watch while `kubectl label pod w1 app=y --overwrite`, then `app=x`, then `extra=1`):
///
///     DELETED  w1 rv 1788 labels {app: x}            ← the pod as it was, with the new resourceVersion
///     ADDED    w1 rv 1792 labels {app: x}
///     MODIFIED w1 rv 1794 labels {app: x, extra: 1}
///
/// while `kubectl get pod w1` still returned it with `app: y` between the first two.
@Suite("watch: pods leaving and entering a selector")
struct WatchSelectorTransitionTests {
    struct Event {
        var type: String
        var name: String
        var resourceVersion: Int
        var labels: [String: String]
    }

    static func events(_ body: Data) throws -> [Event] {
        try watchEvents(body).map { e in
            let metadata = (e["object"] as? [String: Any])?["metadata"] as? [String: Any] ?? [:]
            return Event(
                type: e["type"] as? String ?? "", name: metadata["name"] as? String ?? "",
                resourceVersion: Int(metadata["resourceVersion"] as? String ?? "") ?? -1, labels: metadata["labels"] as? [String: String] ?? [:])
        }
    }

    @Test("relabelling out of the selector is DELETED with the pod as it was; back in is ADDED; the pod itself stays")
    func labelSelector() async throws {
        try await LabFixture.with { lab in
            let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" })
            let start = lab.server.resourceVersion
            async let streamed = Curl(lab: lab).request(
                "/api/v1/namespaces/shop/pods?watch=1&labelSelector=" + q("app=checkout") + "&resourceVersion=\(start)&timeoutSeconds=3")
            try await Task.sleep(for: .milliseconds(700))
            let out = try #require(lab.server.updatePod(namespace: "shop", name: pod.name) { $0.labels["app"] = "gone" })
            // Still there for a GET, with its new labels.
            let got = try await Curl(lab: lab).request("/api/v1/namespaces/shop/pods/\(pod.name)")
            #expect(got.status == 200)
            #expect(((try got.json()["metadata"] as? [String: Any])?["labels"] as? [String: String])?["app"] == "gone")
            let back = try #require(lab.server.updatePod(namespace: "shop", name: pod.name) { $0.labels["app"] = "checkout" })
            let extra = try #require(lab.server.updatePod(namespace: "shop", name: pod.name) { $0.labels["extra"] = "1" })
            let events = try Self.events(try await streamed.body)
            #expect(events.map(\.type) == ["DELETED", "ADDED", "MODIFIED"])
            #expect(events.allSatisfy { $0.name == pod.name })
            #expect(events.map(\.resourceVersion) == [out.resourceVersion, back.resourceVersion, extra.resourceVersion])
            // The DELETED carries the labels that matched, not the ones that made it leave.
            #expect(events.first?.labels == pod.labels)
            #expect(events.dropFirst().first?.labels["app"] == "checkout")
            #expect(events.last?.labels["extra"] == "1")
        }
    }

    @Test("kubectl get -l … -w --output-watch-events while kubectl label moves a pod out and back: DELETED, then ADDED")
    func kubectlWatchAndLabel() async throws {
        try await LabFixture.with { lab in
            let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" })
            let matching = lab.server.pods(namespace: "shop").filter { $0.labels["app"] == "checkout" }.count
            let args = ["--kubeconfig", lab.server.kubeconfigPath, "--cache-dir", lab.directory + "/kc", "-n", "shop"]
            let env = ["HOME": lab.directory, "PATH": "/usr/bin:/bin"]
            async let watched = run("/usr/bin/timeout", ["6", "/usr/bin/kubectl"] + args + ["get", "pods", "-l", "app=checkout", "-w", "--output-watch-events"], environment: env)
            try await Task.sleep(for: .milliseconds(2500))
            let out = try await run("/usr/bin/kubectl", args + ["label", "pod", pod.name, "app=gone", "--overwrite"], environment: env)
            #expect(out.status == 0, "\(out.stderr)")
            let get = try await run("/usr/bin/kubectl", args + ["get", "pod", pod.name, "-L", "app", "--no-headers"], environment: env)
            #expect(get.stdout.contains(" gone"), "the pod is still there: \(get.stdout) \(get.stderr)")
            let back = try await run("/usr/bin/kubectl", args + ["label", "pod", pod.name, "app=checkout", "--overwrite"], environment: env)
            #expect(back.status == 0, "\(back.stderr)")
            let rows = try await watched.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
            #expect(rows.count == matching + 2, "\(rows)")
            #expect(rows.prefix(matching).allSatisfy { $0.hasPrefix("ADDED ") })
            #expect(Array(rows.dropFirst(matching)) == ["DELETED \(pod.name)", "ADDED \(pod.name)"])
        }
    }

    @Test("a field selector: a pod whose phase leaves it is DELETED as it was, and one whose phase enters it is ADDED")
    func fieldSelector() async throws {
        try await LabFixture.with { lab in
            let running = try #require(lab.server.pods(namespace: "shop").first { $0.phase == .Running })
            async let streamed = Curl(lab: lab).request(
                "/api/v1/namespaces/shop/pods?watch=1&fieldSelector=" + q("status.phase=Running") + "&timeoutSeconds=3")
            try await Task.sleep(for: .milliseconds(700))
            let before = lab.server.pods(namespace: "shop").filter { $0.phase == .Running }.count
            lab.server.setPodPhase(namespace: "shop", name: running.name, phase: .Failed)
            let left = try #require(lab.server.pod(namespace: "shop", name: running.name))
            lab.server.setPodPhase(namespace: "shop", name: running.name, phase: .Running)
            let events = try watchEvents(try await streamed.body)
            let tail = events.dropFirst(before)
            #expect(events.prefix(before).allSatisfy { $0["type"] as? String == "ADDED" })
            #expect(tail.map { $0["type"] as? String } == ["DELETED", "ADDED"])
            let deleted = try #require(tail.first?["object"] as? [String: Any])
            #expect((deleted["status"] as? [String: Any])?["phase"] as? String == "Running")
            #expect((deleted["metadata"] as? [String: Any])?["resourceVersion"] as? String == String(left.resourceVersion))
        }
    }

    @Test("a pod deleted while it matches is DELETED as it was last, with the deletion's resourceVersion")
    func deletedWhileMatching() async throws {
        try await LabFixture.with { lab in
            let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" })
            let start = lab.server.resourceVersion
            async let streamed = Curl(lab: lab).request(
                "/api/v1/namespaces/shop/pods?watch=1&labelSelector=" + q("app=checkout") + "&resourceVersion=\(start)&timeoutSeconds=2")
            try await Task.sleep(for: .milliseconds(700))
            #expect(lab.server.deletePod(namespace: "shop", name: pod.name))
            let events = try Self.events(try await streamed.body)
            #expect(events.map(\.type) == ["DELETED"])
            #expect(events.first?.labels == pod.labels)
            #expect(events.first?.resourceVersion == lab.server.resourceVersion)
        }
    }
}
