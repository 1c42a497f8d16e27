import Bundle
import Foundation
import Testing

/// Pods picked as kubectl logs, kubectl debug and stern pick them: a workload
/// as TYPE/NAME (its selector read from the API), pods by name, `--node`.
@Suite("end to end on a cluster: pods by workload, by name and by node", .serialized)
struct ClusterPodChoiceTests {
    @Test("deployment/checkout as the least-RBAC collector: every replica, the selector the API server holds, recorded in the manifest")
    func byWorkload() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let collector = try cluster.kubeconfig(for: .collector)
        let output = cluster.bundlePath("workload")
        let result = try cluster.collect(["-n", "shop", "deployment/checkout", "--quiet"] + collector.context, output: output, kubeconfig: collector.path)
        #expect(result.status == 0, "\(result.stderr)")
        let selector = try cluster.kubectlOK(["get", "deployment", "checkout", "-n", "shop", "-o", "jsonpath={.spec.selector.matchLabels.app}"])
        #expect(selector == "checkout")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.selection?.workload == "deployment/checkout")
        #expect(manifest.selection?.labelSelector == "app=checkout")
        #expect(Set(manifest.pods.map(\.name)) == Set(try cluster.podNames(namespace: "shop", selector: "app=checkout")))
        #expect(manifest.pods.allSatisfy { $0.outcome == .collected }, "\(manifest.pods.map { "\($0.name) \($0.message)" })")

        let missing = try cluster.collect(["-n", "shop", "sts/nope"], output: cluster.bundlePath("missing"))
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("There is no statefulset/nope in namespace shop"), "\(missing.stderr)")
    }

    @Test("two pods by name (one as pod/NAME): exactly those two; a missing name touches nothing")
    func byName() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let names = try cluster.podNames(namespace: "shop", selector: "app=checkout")
        let chosen = Array(names.prefix(2))
        let output = cluster.bundlePath("names")
        let result = try cluster.collect(["-n", "shop", chosen[0], "pod/" + chosen[1], "--quiet"], output: output)
        #expect(result.status == 0, "\(result.stderr)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.map(\.name).sorted() == chosen.sorted())
        #expect(manifest.selection?.podNames == [chosen[0], chosen[1]])
        #expect(manifest.pods.allSatisfy { $0.outcome == .collected })

        // One pod named twice is one pod: one entry, a bundle every reader accepts.
        let twice = cluster.bundlePath("twice")
        let again = try cluster.collect(["-n", "shop", chosen[0], "pod/" + chosen[0], "--quiet"], output: twice)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try BundleReader(path: twice).manifest().pods.map(\.name) == [chosen[0]])
        #expect(try ToolBinary.run(["verify", twice]).status == 0)

        let before = try cluster.ephemeralContainerCount(namespace: "shop", pod: names[2])
        let missing = try cluster.collect(["-n", "shop", names[2], "no-such-pod-x1"], output: cluster.bundlePath("missing"))
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("There is no pod no-such-pod-x1 in namespace shop"), "\(missing.stderr)")
        #expect(try cluster.ephemeralContainerCount(namespace: "shop", pod: names[2]) == before)
    }

    @Test("--node with -l: only the pods scheduled on that node")
    func byNode() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let first = try #require(try cluster.podNames(namespace: "shop", selector: "app=checkout").first)
        let node = try cluster.kubectlOK(["get", "pod", first, "-n", "shop", "-o", "jsonpath={.spec.nodeName}"])
        let expected = try cluster.kubectlOK(["get", "pods", "-n", "shop", "-l", "app=checkout", "--field-selector", "spec.nodeName=\(node)",
                                              "-o", "jsonpath={.items[*].metadata.name}"]).split(separator: " ").map(String.init).sorted()
        let plan = try ToolBinary.run(["collect", "--kubeconfig", cluster.kubeconfig, "-n", "shop", "-l", "app=checkout", "--node", node,
                                       "--dry-run", "--json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        let targets = try #require(json["targets"] as? [[String: Any]])
        #expect(targets.compactMap { $0["pod"] as? String }.sorted() == expected)
        #expect(targets.allSatisfy { $0["node"] as? String == node })
    }
}
