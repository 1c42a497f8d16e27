import Bundle
import Foundation
import Testing
import TestSupport

/// `collect --via node` against the lab: one hostPID helper per node runs the
/// real `node-collect.sh` under busybox, finds each container by its cgroup
/// and enters its namespaces with nsenter. The pods must come out unchanged.
@Suite("collect --via node against the lab", .serialized)
struct NodeModeEndToEndTests {
    static let helperLabel = "app.kubernetes.io/component=node-helper"

    private func pods(_ lab: LabProcess, _ namespace: String, _ selector: String) throws -> [[String: Any]] {
        let listing = try lab.kubectl(["get", "pods", "-n", namespace, "-l", selector, "-o", "json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [String: Any])
        return try #require(list["items"] as? [[String: Any]])
    }

    private func ephemeralContainers(_ pod: [String: Any]) -> [[String: Any]] {
        ((pod["spec"] as? [String: Any])?["ephemeralContainers"] as? [[String: Any]]) ?? []
    }

    @Test("every checkout pod is collected from its node with nothing added to it; the helpers are gone; diff against an ephemeral run finds only the method")
    func collectsWithoutTouchingThePods() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let output = lab.bundlePath("node")
        let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-o", output, "-n", "shop", "-l", "app=checkout", "--via", "node"],
                                        timeout: 180)
        #expect(result.status == 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        #expect(try BundleReader(path: output).verify().isIntact)
        #expect(try SchemaCheck.validate(bundle: output).contains("manifest.json"))
        let bundle = try BundleContents(path: output)
        #expect(bundle.manifest.run.method == "node")
        #expect(bundle.manifest.pods.count == 3)

        let items = try pods(lab, "shop", "app=checkout")
        for item in items {
            let metadata = try #require(item["metadata"] as? [String: Any])
            let name = try #require(metadata["name"] as? String)
            let entry = try #require(bundle.manifest.pods.first { $0.name == name })
            #expect(entry.outcome == .collected, "\(name): \(entry.message)")
            #expect(entry.evidenceContainer == nil)
            #expect(ephemeralContainers(item).isEmpty, "\(name) was changed: \(ephemeralContainers(item))")
            let helper = try #require(entry.nodeHelper)
            #expect(helper.namespace == "shop")
            #expect(helper.hostPID > 1)
            #expect(helper.match.hasPrefix("cgroup ") && helper.match.hasSuffix(" first"), "\(helper.match)")
            #expect(helper.match.contains("pod\(metadata["uid"] as? String ?? "?")"), "\(helper.match)")
            // The evidence is the target's: its own httpd and listener, the pid and net namespaces shared.
            let processes = bundle.processes(namespace: "shop", pod: name, container: "app")
            #expect(processes.values.contains(["httpd", "-f", "-p", "8080"]), "\(name): \(processes)")
            #expect(!processes.values.contains { $0.first == "nsenter" || $0.contains("node-collect") }, "the helper shows in \(name): \(processes)")
            #expect(bundle.listeningPorts(namespace: "shop", pod: name, container: "app").contains(8080))
            let summary = try #require(entry.summary)
            #expect(summary.namespacesShared.contains("pid") && summary.namespacesShared.contains("net"), "\(summary)")
        }
        let helpers = try lab.kubectl(["get", "pods", "-A", "-l", Self.helperLabel, "-o", "name"])
        #expect(helpers.status == 0 && helpers.stdout.isEmpty, "helpers left behind: \(helpers.stdout)")

        let inspect = try ToolBinary.run(["inspect", output])
        #expect(inspect.stdout.contains("run from the node (collect --via node)"), "\(inspect.stdout)")
        #expect(inspect.stdout.contains("node helper shop/evidence-"), "\(inspect.stdout)")

        // The same pods by ephemeral containers: the same evidence, and the report says the methods differ.
        let ephemeral = lab.bundlePath("ephemeral")
        let second = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-o", ephemeral, "-n", "shop", "-l", "app=checkout"], timeout: 180)
        #expect(second.status == 0, "\(second.stderr)")
        let diff = try ToolBinary.run(["diff", ephemeral, output])
        #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
        #expect(diff.stdout.contains("different methods (ephemeral and node)"), "\(diff.stdout)")
        #expect(diff.stdout.contains("No differences in 3 matched pods."), "\(diff.stdout)")
    }

    @Test("a helper namespace whose Pod Security refuses privileged pods stops the run at preflight: nothing is created")
    func podSecurityRefusesTheHelper() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let output = lab.bundlePath()
        let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-o", output, "-n", "shop", "-l", "app=checkout",
                                         "--via", "node", "--helper-namespace", "hardened"], timeout: 120)
        #expect(result.status != 0)
        #expect(result.stderr.contains("hardened"), "\(result.stderr)")
        #expect(result.stderr.contains("privileged") || result.stderr.contains("Pod Security"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let helpers = try lab.kubectl(["get", "pods", "-A", "-l", Self.helperLabel, "-o", "name"])
        #expect(helpers.status == 0 && helpers.stdout.isEmpty, "\(helpers.stdout)")
        for item in try pods(lab, "shop", "app=checkout") {
            #expect(ephemeralContainers(item).isEmpty)
        }
    }

    @Test("SIGINT while the helpers start: they are deleted, the bundle is valid and every pod is marked interrupted")
    func interruptDeletesTheHelpers() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        // A slow node: the helpers stay ContainerCreating long past the interrupt.
        try lab.setFaults(#"{"containerStartDelayMilliseconds": 30000}"#)
        let output = lab.bundlePath()
        let tool = Process()
        tool.executableURL = URL(fileURLWithPath: ToolBinary.path)
        tool.arguments = ["collect", "--kubeconfig", lab.kubeconfig, "-o", output, "-n", "shop", "-l", "app=checkout", "--via", "node", "-q"]
        tool.standardOutput = FileHandle.nullDevice
        tool.standardError = FileHandle.nullDevice
        try tool.run()
        var seen = ""
        let until = Date().addingTimeInterval(60)
        while seen.isEmpty, Date() < until, tool.isRunning {
            seen = try lab.kubectl(["get", "pods", "-n", "shop", "-l", Self.helperLabel, "-o", "name"]).stdout
            if seen.isEmpty { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(!seen.isEmpty, "no helper pod appeared")
        kill(tool.processIdentifier, SIGINT)
        tool.waitUntilExit()
        #expect(tool.terminationStatus == 130)
        let left = try lab.kubectl(["get", "pods", "-A", "-l", Self.helperLabel, "-o", "name"])
        #expect(left.status == 0 && left.stdout.isEmpty, "helpers left after SIGINT: \(left.stdout)")
        let reader = BundleReader(path: output)
        #expect(try reader.verify().isIntact)
        let manifest = try reader.manifest()
        #expect(manifest.run.interrupted)
        #expect(manifest.pods.count == 3)
        #expect(manifest.pods.allSatisfy { $0.outcome == .interrupted }, "\(manifest.pods.map { "\($0.name): \($0.outcome) \($0.message)" })")
    }

    @Test("the dry run says what --via node would create, and that the pods get nothing")
    func dryRunSaysWhatNodeModeCreates() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app=checkout", "--via", "node", "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        let nodes = try lab.kubectl(["get", "pods", "-n", "shop", "-l", "app=checkout", "-o", "jsonpath={.items[*].spec.nodeName}"]).stdout
        let count = Set(nodes.split(separator: " ")).count
        #expect(count >= 1)
        #expect(result.stdout.contains("Dry run: nothing was created. A real run starts one helper pod " + (count == 1 ? "on the node" : "on each of the \(count) nodes")),
                "\(result.stdout)")
        #expect(result.stdout.contains("adds nothing to the 3 pods"), "\(result.stdout)")
        #expect(!result.stdout.contains("ephemeral container"), "\(result.stdout)")
        #expect(result.stderr.contains("privileged helper pod"), "\(result.stderr)")
        // A script reading the JSON plan sees the method too.
        let json = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app=checkout", "--via", "node", "--dry-run", "--json"])
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(plan["method"] as? String == "node", "\(json.stdout.prefix(300))")
        let ephemeral = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app=checkout", "--dry-run", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(ephemeral.stdout.utf8)) as? [String: Any])?["method"] == nil)
    }

    @Test("a target whose nested pid namespaces' processes sort before its first process in /proc still gets its first process entered")
    func nestedNamespacesSortedFirstDoNotStandIn() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        // The adversary's staging, made certain: the host's next pids are set just under
        // 10000, so the container's first process gets a 4-digit pid; the container burns
        // pids until its own are past 10000, then starts thirty processes that are each
        // pid 1 of a pid (and network) namespace of their own. In /proc's order "10…" comes
        // before "99…": a helper that took the first process whose NSpid ends in 1 would
        // enter one of them, with an empty network namespace and no httpd.
        let yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {name: nested, namespace: shop, labels: {app: nested}}
            spec:
              containers:
                - name: app
                  image: docker.io/library/busybox:1.36
                  command: [sh, -c, "httpd -f -p 8080 & until [ $$(sh -c 'echo $$$$') -gt 10050 ]; do :; done; for i in $$(seq 1 30); do unshare -Urnpf sleep 3600 & done; wait"]
            """
        let file = lab.directory.appendingPathComponent("nested.yaml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        try "9700".write(toFile: "/proc/sys/kernel/ns_last_pid", atomically: false, encoding: .utf8)
        let created = try lab.kubectl(["create", "-f", file])
        #expect(created.status == 0, "\(created.stderr)")
        var sleeps = 0
        let until = Date().addingTimeInterval(60)
        var output = ""
        var bundle: BundleContents?
        while sleeps < 30, Date() < until {
            Thread.sleep(forTimeInterval: 0.5)
            output = lab.bundlePath("nested-\(UUID().uuidString.prefix(4))")
            let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-o", output, "-n", "shop", "nested", "--via", "node", "-q"])
            guard result.status == 0 else { continue }
            bundle = try BundleContents(path: output)
            sleeps = bundle?.processes(namespace: "shop", pod: "nested", container: "app").values.filter { $0.first == "sleep" }.count ?? 0
        }
        let contents = try #require(bundle)
        let entry = try #require(contents.manifest.pods.first)
        let helper = try #require(entry.nodeHelper)
        #expect(sleeps == 30, "the nested processes did not all start")
        #expect(helper.hostPID < 10000, "the staging lost its race: the container's first process has host pid \(helper.hostPID)")
        #expect(helper.match.hasSuffix(" first"), "\(helper.match)")
        let processes = contents.processes(namespace: "shop", pod: "nested", container: "app")
        #expect(processes.values.contains(["httpd", "-f", "-p", "8080"]), "\(processes)")
        #expect(contents.listeningPorts(namespace: "shop", pod: "nested", container: "app").contains(8080), "the helper entered another network namespace")
    }

    @Test("--all-containers --via node: each container of a pod is found by its own id and collected; the pod's JSON is written once")
    func everyContainerFromTheNode() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let output = lab.bundlePath()
        let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-o", output, "-n", "shop", "-l", "app=checkout",
                                         "--via", "node", "--all-containers"], timeout: 180)
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout)")
        #expect(try BundleReader(path: output).verify().isIntact)
        let bundle = try BundleContents(path: output)
        #expect(bundle.manifest.pods.count == 6)
        #expect(bundle.manifest.pods.allSatisfy { $0.outcome == .collected }, "\(bundle.manifest.pods.map { "\($0.name)/\($0.targetContainer): \($0.message)" })")
        for entry in bundle.manifest.pods where entry.targetContainer == "sidecar" {
            let processes = bundle.processes(namespace: "shop", pod: entry.name, container: "sidecar")
            #expect(processes["1"]?.first == "sh", "\(entry.name): \(processes)")
            #expect(!processes.values.contains(["httpd", "-f", "-p", "8080"]), "the sidecar's evidence holds the app's processes")
            // Both containers' helpers matched the same pod but each its own container.
            let app = try #require(bundle.manifest.pods.first { $0.name == entry.name && $0.targetContainer == "app" })
            #expect(entry.nodeHelper?.match != app.nodeHelper?.match)
        }
        let podFiles = bundle.manifest.files.map(\.path).filter { $0.hasSuffix("/pod.json") }
        #expect(podFiles.count == 3, "\(podFiles)")
    }

    @Test("where the server has ephemeral containers switched off, --via node still collects every pod")
    func worksWithoutEphemeralContainers() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        try lab.setFaults(#"{"ephemeralContainersDisabled": true}"#)
        let refused = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-o", lab.bundlePath("ephemeral"), "-n", "shop", "-l", "app=checkout", "-q"],
                                         timeout: 180)
        #expect(refused.status != 0, "\(refused.stderr)")
        let output = lab.bundlePath("node")
        let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-o", output, "-n", "shop", "-l", "app=checkout", "--via", "node", "-q"],
                                        timeout: 180)
        #expect(result.status == 0, "\(result.stderr)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.count == 3 && manifest.pods.allSatisfy { $0.outcome == .collected }, "\(manifest.pods.map(\.message))")
    }

    @Test("the flags that only make sense together are refused before anything is asked of the cluster")
    func flagCombinations() throws {
        let alone = try ToolBinary.run(["collect", "-n", "shop", "-l", "app=checkout", "--helper-namespace", "x", "--kubeconfig", "/nonexistent"])
        #expect(alone.status != 0)
        #expect(alone.stderr.contains("--helper-namespace") && alone.stderr.contains("--via node"), "\(alone.stderr)")
        let bad = try ToolBinary.run(["collect", "-n", "shop", "-l", "app=checkout", "--via", "ssh", "--kubeconfig", "/nonexistent"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("ssh"), "\(bad.stderr)")
    }
}
