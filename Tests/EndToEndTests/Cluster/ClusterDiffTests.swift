import Bundle
import Foundation
import Testing

/// diff over time and across replicas, on what really changed inside a cluster's pods.
@Suite("end to end on a cluster: diff over time and across replicas", .serialized)
struct ClusterDiffTests {
    private func json(_ result: ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
    }

    @Test("a listener started in a pod between two collections is exactly what diff reports")
    func listenerOverTime() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let label = "difftime-\(UUID().uuidString.prefix(4).lowercased())"
        let pod = try cluster.createPod(namespace: "shop", prefix: label, labels: ["e2e": label], command: ["httpd", "-f", "-p", "8080"])
        defer { _ = try? cluster.kubectl(["delete", "pod", "-n", "shop", pod, "--wait=false"]) }
        let old = cluster.bundlePath("old")
        let first = try cluster.collect(["-n", "shop", "-l", "e2e=\(label)", "--quiet"], output: old)
        #expect(first.status == 0, "\(first.stderr)")

        try cluster.startDetached(namespace: "shop", pod: pod, container: "app", "nc -ll -p 7777 -e cat", listensOn: 7777)

        let new = cluster.bundlePath("new")
        let second = try cluster.collect(["-n", "shop", "-l", "e2e=\(label)", "--quiet"], output: new)
        #expect(second.status == 0, "\(second.stderr)")
        let result = try ToolBinary.run(["diff", old, new, "--json"])
        #expect(result.status == 1, "\(result.stderr)")
        let report = try json(result)
        let comparison = try #require((report["comparisons"] as? [[String: Any]])?.first)
        let pods = try #require(comparison["pods"] as? [[String: Any]])
        #expect(pods.count == 1, "\(pods)")
        let changed = try #require(pods.first)
        #expect(changed["matchedBy"] as? String == "uid")
        func items(_ field: String, _ side: String) -> [[String: Any]] {
            (changed[field] as? [String: Any])?[side] as? [[String: Any]] ?? []
        }
        #expect(items("listeners", "added").map { $0["key"] as? String } == ["tcp [::]:7777"], "\(changed)")
        let processes = items("processes", "added")
        #expect(processes.count == 1 && (processes.first?["text"] as? String)?.contains("nc -ll -p 7777 -e cat") == true, "\(processes)")
        #expect(items("listeners", "removed").isEmpty && items("processes", "removed").isEmpty, "\(changed)")

        let text = try ToolBinary.run(["diff", old, new])
        #expect(text.status == 1)
        #expect(text.stdout.contains("+ listener tcp [::]:7777"), "\(text.stdout)")
    }

    @Test("diff --replicas ranks first the checkout replica in which a listener was started")
    func oddReplica() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let replicas = try cluster.podNames(namespace: "shop", selector: "app=checkout")
        #expect(replicas.count == 3)
        let odd = try #require(replicas.first)
        try cluster.startDetached(namespace: "shop", pod: odd, container: "app", "nc -ll -p 4444 -e cat", listensOn: 4444)
        let bundle = cluster.bundlePath()
        let collected = try cluster.collect(["-n", "shop", "-l", "app=checkout", "--quiet"], output: bundle)
        #expect(collected.status == 0, "\(collected.stderr)")

        let result = try ToolBinary.run(["diff", "--replicas", bundle, "--json"])
        #expect(result.status == 1, "\(result.stderr)")
        let groups = try #require((try json(result)["replicas"] as? [String: Any])?["groups"] as? [[String: Any]])
        let checkout = try #require(groups.first { ($0["workload"] as? String)?.hasPrefix("ReplicaSet/checkout-") == true }, "\(groups)")
        #expect(checkout["replicas"] as? Int == 3)
        let first = try #require((checkout["odd"] as? [[String: Any]])?.first, "\(checkout)")
        #expect((first["pod"] as? [String: Any])?["name"] as? String == odd, "\(first)")
        #expect((first["extra"] as? [[String: Any]] ?? []).contains { $0["key"] as? String == "tcp [::]:4444" }, "\(first)")

        let text = try ToolBinary.run(["diff", "--replicas", bundle]).stdout
        #expect(text.contains("#1 \(odd) stands out"), "\(text)")
    }
}
