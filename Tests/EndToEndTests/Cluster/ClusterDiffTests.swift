import Bundle
import Foundation
import Testing
import TestSupport

/// diff over time and across replicas, on what really changed inside a cluster's pods.
@Suite("end to end on a cluster: diff over time and across replicas", .serialized)
struct ClusterDiffTests {
    private func json(_ result: ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
    }

    @Test("standard, then restricted profile: the profile change is said once, what restricted cannot read is no change, the one real change stands out")
    func acrossProfiles() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let label = "diffprof-\(UUID().uuidString.prefix(4).lowercased())"
        let pods = try ["a", "b", "c"].map { suffix in
            try cluster.createPod(namespace: "shop", prefix: "\(label)-\(suffix)", labels: ["e2e": label], command: ["httpd", "-f", "-p", "8080"])
        }
        defer { for pod in pods { _ = try? cluster.kubectl(["delete", "pod", "-n", "shop", pod, "--wait=false"]) } }
        let old = cluster.bundlePath("standard")
        let first = try cluster.collect(["-n", "shop", "-l", "e2e=\(label)", "--quiet"], output: old)
        #expect(first.status == 0, "\(first.stderr)")

        try cluster.startDetached(namespace: "shop", pod: pods[1], container: "app", "nc -ll -p 7788 -e cat", listensOn: 7788)

        let new = cluster.bundlePath("restricted")
        let second = try cluster.collect(["-n", "shop", "-l", "e2e=\(label)", "--quiet", "--profile", "restricted"], output: new)
        #expect(second.status == 0, "\(second.stderr)")
        let text = try ToolBinary.run(["diff", old, new])
        #expect(text.status == 1, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.components(separatedBy: "different profiles (standard and restricted)").count == 2, "\(text.stdout)")
        #expect(!text.stdout.contains("~ namespace"), "\(text.stdout)")
        #expect(text.stdout.contains("1 pod changed, 2 unchanged"), "\(text.stdout)")
        #expect(text.stdout.contains("pod shop/\(pods[1])"))
        #expect(text.stdout.contains("+ listener tcp"), "\(text.stdout)")
        #expect(text.stdout.contains(":7788"))
        let report = try json(try ToolBinary.run(["diff", old, new, "--json"]))
        let comparison = try #require((report["comparisons"] as? [[String: Any]])?.first)
        #expect((comparison["profileNote"] as? String)?.contains("restricted") == true)
        #expect((comparison["pods"] as? [[String: Any]])?.count == 1)
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
        // A real cluster's replicas outlive the test, and the next test would find this listener.
        defer { cluster.stopStrayListeners(namespace: "shop", pods: [odd]) }
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
