import Bundle
import Foundation
import Testing

/// Refusals and faults a real cluster stages as it really produces them: RBAC and Pod
/// Security in the preflight, a pod deleted or relabelled during the run, an image that
/// cannot be pulled, an interrupt.
@Suite("end to end on a cluster: refusals, deletions, relabelling, image pulls, interrupts", .serialized)
struct ClusterRefusalTests {
    private func ephemeralCounts(_ cluster: ClusterUnderTest, namespace: String, selector: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for name in try cluster.podNames(namespace: namespace, selector: selector) {
            counts[name] = try cluster.ephemeralContainerCount(namespace: namespace, pod: name)
        }
        return counts
    }

    @Test("RBAC: a user who may read pods but not add ephemeral containers, and one with no rights, are refused before any pod is touched")
    func rbacRefusals() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let before = try ephemeralCounts(cluster, namespace: "shop", selector: "app=db")

        let viewer = try cluster.kubeconfig(for: .viewer)
        let output = cluster.bundlePath("viewer")
        let refused = try cluster.collect(["-n", "shop", "-l", "app=db"] + viewer.context, output: output, kubeconfig: viewer.path)
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("no pod was touched"), "\(refused.stderr)")
        #expect(refused.stderr.contains("kubectl auth can-i patch pods --subresource=ephemeralcontainers -n shop"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))

        let nobody = try cluster.kubeconfig(for: .nobody)
        let forbidden = try cluster.collect(["-n", "shop", "-l", "app=db"] + nobody.context, output: output, kubeconfig: nobody.path)
        #expect(forbidden.status == 1, "\(forbidden.stderr)")
        #expect(forbidden.stderr.contains("cannot list resource \"pods\""), "\(forbidden.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))

        #expect(try ephemeralCounts(cluster, namespace: "shop", selector: "app=db") == before)
    }

    @Test("a ServiceAccount with only the RBAC of examples/rbac.yaml collects every selected pod")
    func leastRBACCollects() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let collector = try cluster.kubeconfig(for: .collector)
        let output = cluster.bundlePath("collector")
        let result = try cluster.collect(["-n", "shop", "-l", "app=db", "--quiet"] + collector.context, output: output, kubeconfig: collector.path)
        #expect(result.status == 0, "\(result.stderr)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.count == 2 && manifest.pods.allSatisfy { $0.outcome == .collected }, "\(manifest.pods.map { "\($0.name) \($0.message)" })")
    }

    @Test("Pod Security: the standard profile is refused in the restricted namespace with the admission's reasons and a profile that fits")
    func podSecurityRefusal() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let before = try ephemeralCounts(cluster, namespace: "hardened", selector: "app=vault")
        let output = cluster.bundlePath()
        let result = try cluster.collect(["-n", "hardened", "-l", "app=vault"], output: output)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("violates PodSecurity \"restricted:latest\""), "\(result.stderr)")
        #expect(result.stderr.contains("--profile restricted"), "\(result.stderr)")
        #expect(result.stderr.contains("no pod was touched"), "\(result.stderr)")
        #expect(try ephemeralCounts(cluster, namespace: "hardened", selector: "app=vault") == before)
    }

    /// Four pods of the test's own (label `e2e=<purpose>-<random>`), collected one at a time
    /// in the background; returns once the first has its evidence container, so that the
    /// last one can be changed before its turn.
    private struct OneAtATime {
        let label: String
        let pods: [String]
        let output: String
        let run: BackgroundCollection

        init(_ cluster: ClusterUnderTest, purpose: String) throws {
            label = "\(purpose)-\(UUID().uuidString.prefix(4).lowercased())"
            let label = label
            pods = try ["a", "b", "c", "z"].map { suffix in
                try cluster.createPod(namespace: "shop", prefix: "\(label)-\(suffix)", labels: ["e2e": label], command: ["sleep", "3600"])
            }
            output = cluster.bundlePath()
            run = try BackgroundCollection(cluster, ["-n", "shop", "-l", "e2e=\(label)", "--concurrency", "1"], output: output)
            let first = pods[0]
            try cluster.waitFor("the first pod's evidence container") { try cluster.ephemeralContainerCount(namespace: "shop", pod: first) > 0 }
        }
    }

    @Test("a pod deleted during the run ends PodDeleted; the others are collected; the bundle verifies")
    func podDeletedMidRun() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let own = try OneAtATime(cluster, purpose: "deleted")
        let (pods, output) = (own.pods, own.output)
        defer { _ = try? cluster.kubectl(["delete", "pods", "-n", "shop", "-l", "e2e=\(own.label)", "--wait=false"]) }
        try cluster.kubectlOK(["delete", "pod", "-n", "shop", pods[3], "--grace-period=0", "--force"])
        let result = try own.run.finish()
        #expect(result.status == 3, "\(result.stderr)")
        let manifest = try BundleReader(path: output).manifest()
        let victim = try #require(manifest.pods.first { $0.name == pods[3] })
        #expect(victim.outcome == .failed && victim.reason == "PodDeleted", "\(victim.reason): \(victim.message)")
        #expect(manifest.pods.filter { $0.outcome == .collected }.count == 3, "\(manifest.pods.map { "\($0.name) \($0.reason)" })")
        #expect(try BundleReader(path: output).verify().isIntact)
    }

    @Test("a pod relabelled out of the selection during the run (taken out of its Service) is still collected, and the manifest says so")
    func podRelabelledMidRun() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let own = try OneAtATime(cluster, purpose: "relabel")
        let (pods, output) = (own.pods, own.output)
        defer { _ = try? cluster.kubectl(["delete", "pods", "-n", "shop", "-l", "e2e in (\(own.label),\(own.label)-out)", "--wait=false"]) }
        // Relabel the last pod while the first is collected, before its own turn: the watch of
        // the selection reports it DELETED and never mentions it again.
        try cluster.kubectlOK(["label", "pod", "-n", "shop", pods[3], "e2e=\(own.label)-out", "--overwrite"])
        let result = try own.run.finish()
        #expect(result.status == 0, "\(result.stderr)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.count == 4)
        let moved = try #require(manifest.pods.first { $0.name == pods[3] })
        #expect(moved.outcome == .collected, "\(moved.reason): \(moved.message)")
        #expect(moved.message.contains("followed by name"), "\(moved.message)")
        #expect(try cluster.ephemeralContainerCount(namespace: "shop", pod: pods[3]) == 1)
        #expect(try BundleReader(path: output).verify().isIntact)
    }

    @Test("an image that cannot be pulled fails each pod with the kubelet's ErrImagePull or ImagePullBackOff and names the image")
    func missingImage() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let output = cluster.bundlePath()
        let result = try ToolBinary.run(
            ["collect", "--kubeconfig", cluster.kubeconfig, "-n", "shop", "-l", "app=db", "--image", "localhost/no-such-image:1.0",
             "--timeout", "90s", "-o", output], timeout: 180)
        #expect(result.status == 4, "\(result.stderr)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.count == 2)
        for pod in manifest.pods {
            #expect(pod.outcome == .failed && pod.reason == "ImagePull", "\(pod.name): \(pod.reason) \(pod.message)")
            #expect(pod.message.contains("localhost/no-such-image:1.0"), "\(pod.message)")
            #expect(pod.message.contains("ErrImagePull") || pod.message.contains("ImagePullBackOff"), "\(pod.message)")
        }
    }

    @Test("SIGINT: in-flight pods finish, the rest are interrupted and get no container, the bundle is valid, exit 130")
    func interrupt() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let own = try OneAtATime(cluster, purpose: "sigint")
        let output = own.output
        defer { _ = try? cluster.kubectl(["delete", "pods", "-n", "shop", "-l", "e2e=\(own.label)", "--wait=false"]) }
        own.run.interrupt()
        let result = try own.run.finish()
        #expect(result.status == 130, "\(result.stderr)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.count == 4)
        let interrupted = manifest.pods.filter { $0.outcome == .interrupted }
        #expect(!interrupted.isEmpty, "\(manifest.pods.map { "\($0.name) \($0.outcome)" })")
        #expect(try BundleReader(path: output).verify().isIntact)
        // Pods interrupted before their turn were never touched.
        let untouched = manifest.pods.filter { $0.evidenceContainer == nil }
        #expect(!untouched.isEmpty, "\(manifest.pods.map { "\($0.name) \($0.outcome)" })")
        for pod in untouched {
            #expect(pod.outcome == .interrupted)
            #expect(try cluster.ephemeralContainerCount(namespace: "shop", pod: pod.name) == 0, "\(pod.name)")
        }
    }
}
