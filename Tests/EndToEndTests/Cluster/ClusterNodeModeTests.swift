import Bundle
import Foundation
import Testing

/// `collect --via node` on the cluster under test: on a real cluster the helper
/// is a real privileged hostPID pod that containerd and runc start, and it finds
/// each container by the kubelet's cgroup paths. The pods must come out unchanged.
@Suite("end to end on a cluster: collect --via node", .serialized)
struct ClusterNodeModeTests {
    static let helperLabel = "app.kubernetes.io/component=node-helper"

    private func ephemeralCounts(_ cluster: ClusterUnderTest, _ pods: [String]) throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try pods.map { ($0, try cluster.ephemeralContainerCount(namespace: "shop", pod: $0)) })
    }

    private func helpersLeft(_ cluster: ClusterUnderTest) throws -> String {
        try cluster.kubectlOK(["get", "pods", "-A", "-l", Self.helperLabel, "-o", "name"])
    }

    @Test("every checkout, db and busy pod is collected from its node: the evidence is the target's, nothing is added to any pod, the helper is gone")
    func collectsFromTheNode() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let selector = "app in (checkout,db,busy)"
        let names = try cluster.podNames(namespace: "shop", selector: selector)
        #expect(names.count == 6, "\(names)")
        let before = try ephemeralCounts(cluster, names)

        let output = cluster.bundlePath("node")
        let result = try cluster.collect(["-n", "shop", "-l", selector, "--via", "node", "--quiet"],
                                         output: output)
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout)")
        #expect(try BundleReader(path: output).verify().isIntact)
        let verify = try ToolBinary.run(["verify", output])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let checked = try SchemaCheck.validate(bundle: output)
        #expect(checked.count == 1 + 3 * names.count, "\(checked)")

        let bundle = try BundleContents(path: output)
        #expect(bundle.manifest.run.method == "node")
        #expect(bundle.manifest.pods.map(\.name).sorted() == names)
        for pod in bundle.manifest.pods {
            #expect(pod.outcome == .collected, "\(pod.name): \(pod.reason) \(pod.message)")
            #expect(pod.evidenceContainer == nil)
            let helper = try #require(pod.nodeHelper, "\(pod.name)")
            #expect(helper.hostPID > 1)
            // Found by the kubelet's own cgroup path for this pod's UID and the container's runtime id.
            let uid = try #require(pod.uid).replacingOccurrences(of: "-", with: "_")
            #expect(helper.match.contains(try #require(pod.uid)) || helper.match.contains(uid), "\(pod.name): \(helper.match)")
            let processes = bundle.processes(namespace: "shop", pod: pod.name, container: pod.targetContainer)
            #expect(!processes.values.contains { $0.first == "nsenter" || $0.contains("node-collect") }, "the helper shows in \(pod.name)")
            #expect(!processes.isEmpty)
            let summary = try #require(pod.summary)
            #expect(summary.namespacesShared.contains("pid") && summary.namespacesShared.contains("net"), "\(pod.name): \(summary)")
        }
        let checkout = try #require(bundle.manifest.pods.first { $0.name.hasPrefix("checkout-") })
        #expect(bundle.processes(namespace: "shop", pod: checkout.name, container: checkout.targetContainer).values
            .contains { $0.contains("httpd") }, "\(checkout.name)")
        #expect(bundle.listeningPorts(namespace: "shop", pod: checkout.name, container: checkout.targetContainer).contains(8080))
        if let busy = bundle.manifest.pods.first(where: { $0.name == "busy" }) {
            let sleeps = bundle.processes(namespace: "shop", pod: "busy", container: busy.targetContainer).values.filter { $0.first == "sleep" }
            #expect(sleeps.count >= 40, "busy: \(sleeps.count) sleeps")
        }

        #expect(try ephemeralCounts(cluster, names) == before, "a pod was changed by --via node")
        #expect(try helpersLeft(cluster).isEmpty)
    }

    @Test("a user without create on pods, or a namespace whose Pod Security refuses privileged pods, is refused at preflight: nothing is created")
    func refusedAtPreflight() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let names = try cluster.podNames(namespace: "shop", selector: "app=checkout")
        let before = try ephemeralCounts(cluster, names)

        let (kubeconfig, context) = try cluster.kubeconfig(for: .collector)
        let output = cluster.bundlePath("rbac")
        let rbac = try cluster.collect(context + ["-n", "shop", "-l", "app=checkout", "--via", "node", "--quiet"], output: output, kubeconfig: kubeconfig)
        #expect(rbac.status != 0)
        #expect(rbac.stderr.contains("create") && rbac.stderr.contains("pods"), "\(rbac.stderr)")

        let hardened = cluster.bundlePath("pod-security")
        let security = try cluster.collect(["-n", "shop", "-l", "app=checkout", "--via", "node", "--helper-namespace", "hardened", "--quiet"],
                                           output: hardened)
        #expect(security.status != 0)
        #expect(security.stderr.contains("hardened") && security.stderr.contains("privileged"), "\(security.stderr)")

        #expect(try ephemeralCounts(cluster, names) == before)
        #expect(try helpersLeft(cluster).isEmpty)
        #expect(try cluster.kubectlOK(["get", "pods", "-n", "hardened", "-o", "name"]).contains("evidence-") == false)
    }

    @Test("examples/rbac.yaml's least RBAC for the node method (no ephemeral containers, no attach) is enough: every pod collected, the helper gone")
    func leastRBACIsEnough() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let (kubeconfig, context) = try cluster.kubeconfigForNodeMethod()
        let names = try cluster.podNames(namespace: "shop", selector: "app=checkout")
        let before = try ephemeralCounts(cluster, names)
        let output = cluster.bundlePath("least")
        let result = try cluster.collect(context + ["-n", "shop", "-l", "app=checkout", "--via", "node", "--quiet"], output: output, kubeconfig: kubeconfig)
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.count == names.count)
        #expect(manifest.pods.allSatisfy { $0.outcome == .collected }, "\(manifest.pods.map { "\($0.name): \($0.message)" })")
        #expect(try ephemeralCounts(cluster, names) == before)
        #expect(try helpersLeft(cluster).isEmpty)
        // The same user may not add an ephemeral container: the default method is refused at preflight.
        let ephemeral = try cluster.collect(context + ["-n", "shop", "-l", "app=checkout", "--quiet"], output: cluster.bundlePath("refused"), kubeconfig: kubeconfig)
        #expect(ephemeral.status == 1, "\(ephemeral.stderr)")
        #expect(ephemeral.stderr.contains("pods/ephemeralcontainers"), "\(ephemeral.stderr)")
    }

    @Test("processes that made pid and network namespaces of their own (no privilege needed) cannot stand in for the container: the helper enters its first process")
    func nestedNamespacesDoNotStandIn() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let label = "nested-\(UUID().uuidString.prefix(6).lowercased())"
        // Thirty processes, each pid 1 of a pid namespace (and in a network namespace) of its own:
        // their NSpid ends in 1 as the container's first process's does, and some sort before it in /proc.
        let pod = try cluster.createPod(namespace: "shop", prefix: "nested", labels: ["app": label],
                                        command: ["sh", "-c", "httpd -f -p 8080 & for i in $$(seq 1 30); do unshare -Urnpf sleep 3600 & done; wait"])
        defer { _ = try? cluster.kubectl(["delete", "pod", "-n", "shop", pod, "--wait=false"]) }
        let output = cluster.bundlePath("nested")
        let result = try cluster.collect(["-n", "shop", "-l", "app=\(label)", "--via", "node", "--quiet"], output: output)
        #expect(result.status == 0, "\(result.stderr)")
        let bundle = try BundleContents(path: output)
        let entry = try #require(bundle.manifest.pods.first)
        #expect(entry.outcome == .collected, "\(entry.message)")
        #expect(entry.nodeHelper?.match.hasSuffix(" first") == true, "\(entry.nodeHelper?.match ?? "")")
        let processes = bundle.processes(namespace: "shop", pod: pod, container: "app")
        #expect(processes.values.filter { $0.first == "sleep" }.count == 30, "the nested processes did not start: \(processes)")
        #expect(processes.values.contains(["httpd", "-f", "-p", "8080"]), "\(processes)")
        #expect(bundle.listeningPorts(namespace: "shop", pod: pod, container: "app").contains(8080), "the helper entered another network namespace")
        #expect(processes["1"]?.first == "sh", "pid 1 is not the container's first process: \(processes["1"] ?? [])")
    }

    @Test("sixty pods, collected by both methods within a minute: diff finds nothing but the method; the wall times are printed")
    func sixtyPodsBothWays() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let label = "sixty-\(UUID().uuidString.prefix(6).lowercased())"
        var yaml = ""
        for i in 0..<60 {
            yaml += """
                apiVersion: v1
                kind: Pod
                metadata: {name: \(label)-\(i), namespace: shop, labels: {app: \(label)}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                    - {name: app, image: \(ClusterUnderTest.image), imagePullPolicy: IfNotPresent, command: [httpd, -f, -p, "8080"]}
                ---

                """
        }
        let file = cluster.directory.appendingPathComponent("\(label).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        try cluster.kubectlOK(["create", "-f", file.path])
        defer { _ = try? cluster.kubectl(["delete", "pods", "-n", "shop", "-l", "app=\(label)", "--wait=false"]) }
        let ready = Date().addingTimeInterval(240)
        var phases = ""
        while Date() < ready {
            phases = try cluster.kubectlOK(["get", "pods", "-n", "shop", "-l", "app=\(label)", "-o", "jsonpath={.items[*].status.containerStatuses[*].ready}"])
            if phases.split(separator: " ").filter({ $0 == "true" }).count == 60 { break }
            Thread.sleep(forTimeInterval: 1)
        }
        let names = try cluster.podNames(namespace: "shop", selector: "app=\(label)")
        #expect(names.count == 60)
        let specs = try cluster.kubectlOK(["get", "pods", "-n", "shop", "-l", "app=\(label)", "-o", "jsonpath={.items[*].spec}"])

        let node = cluster.bundlePath("node-60")
        let nodeStart = Date()
        let byNode = try cluster.collect(["-n", "shop", "-l", "app=\(label)", "--via", "node", "--quiet", "--yes"], output: node)
        let nodeSeconds = Date().timeIntervalSince(nodeStart)
        #expect(byNode.status == 0, "\(byNode.stderr)")
        #expect(try cluster.kubectlOK(["get", "pods", "-n", "shop", "-l", "app=\(label)", "-o", "jsonpath={.items[*].spec}"]) == specs,
                "--via node changed a pod's spec")

        let ephemeral = cluster.bundlePath("ephemeral-60")
        let ephemeralStart = Date()
        let byContainer = try cluster.collect(["-n", "shop", "-l", "app=\(label)", "--quiet", "--yes"], output: ephemeral)
        let ephemeralSeconds = Date().timeIntervalSince(ephemeralStart)
        #expect(byContainer.status == 0, "\(byContainer.stderr)")
        #expect(nodeSeconds + ephemeralSeconds < 60 || cluster.kind == .lab, "both runs took \(Int(nodeSeconds + ephemeralSeconds)) s")

        for path in [node, ephemeral] {
            let manifest = try BundleReader(path: path).manifest()
            #expect(manifest.pods.count == 60)
            #expect(manifest.pods.allSatisfy { $0.outcome == .collected }, "\(path): \(manifest.pods.filter { $0.outcome != .collected }.map { "\($0.name): \($0.message)" })")
        }
        let diff = try ToolBinary.run(["diff", ephemeral, node])
        #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
        #expect(diff.stdout.contains("different methods (ephemeral and node)"), "\(diff.stdout)")
        #expect(diff.stdout.contains("No differences in 60 matched pods."), "\(diff.stdout)")
        print(String(format: "node mode on %@, 60 pods: --via node %.1f s, --via ephemeral %.1f s (%.1fx)",
                     cluster.kind.rawValue, nodeSeconds, ephemeralSeconds, ephemeralSeconds / max(nodeSeconds, 0.001)))
    }
}
