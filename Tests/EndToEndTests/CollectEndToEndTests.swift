import Bundle
import Foundation
import Testing
import TestSupport

/// `collect` as a user runs it: the built binary against a lab whose pods are
/// real processes, the bundle read back and checked against what the lab runs.
@Suite("collect against the lab", .serialized)
struct CollectEndToEndTests {
    private func collect(_ lab: LabProcess, _ arguments: [String], output: String) throws -> ProcessResult {
        try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-o", output] + arguments, timeout: 180)
    }

    @Test("three checkout replicas: each pod's real processes and listening socket are in the bundle, every hash matches")
    func threeReplicas() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let output = lab.bundlePath()
        let result = try collect(lab, ["-n", "shop", "-l", "app=checkout"], output: output)
        #expect(result.status == 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")

        let verification = try BundleReader(path: output).verify()
        #expect(verification.isIntact, "\(verification.problems)")
        let bundle = try BundleContents(path: output)
        #expect(bundle.manifest.pods.count == 3)

        // The pods the real kubectl sees, with the evidence container now in their spec.
        let listing = try lab.kubectl(["get", "pods", "-n", "shop", "-l", "app=checkout", "-o", "json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [String: Any])
        let items = try #require(list["items"] as? [[String: Any]])
        #expect(items.count == 3)
        for item in items {
            let metadata = try #require(item["metadata"] as? [String: Any])
            let name = try #require(metadata["name"] as? String)
            let entry = try #require(bundle.manifest.pods.first { $0.name == name })
            #expect(entry.outcome == .collected, "\(name): \(entry.message)")
            #expect(entry.uid == metadata["uid"] as? String)
            let ephemeral = ((item["spec"] as? [String: Any])?["ephemeralContainers"] as? [[String: Any]]) ?? []
            #expect(ephemeral.count == 1)
            #expect(ephemeral.first?["name"] as? String == entry.evidenceContainer?.name)

            let processes = bundle.processes(namespace: "shop", pod: name, container: "app")
            #expect(processes.values.contains(["httpd", "-f", "-p", "8080"]), "\(name): \(processes)")
            #expect(bundle.listeningPorts(namespace: "shop", pod: name, container: "app").contains(8080))
            // Every file of the pod is listed in the manifest with its digest.
            for path in entry.files {
                #expect(bundle.manifest.files.contains { $0.path == path })
            }
            #expect(entry.files.contains("pods/shop/\(name)/pod.json"))
            // By default a pod's evidence is its raw output and the files parsed
            // from it; the records are not unpacked one file each (see --explode).
            let container = "pods/shop/\(name)/containers/app/"
            #expect(Set(entry.files) == ["pods/shop/\(name)/pod.json", container + "evidence.raw", container + "processes.json",
                                         container + "sockets.json", container + "namespaces.json"], "\(entry.files)")
            #expect(bundle.explodedTree(namespace: "shop", pod: name, container: "app").isEmpty)

            // The parsed evidence: the 8080 listener is owned by httpd, and the
            // evidence container shares the target's pid and net namespaces.
            let sockets = try #require(bundle.files["pods/shop/\(name)/containers/app/sockets.json"])
            let table = try #require(try JSONSerialization.jsonObject(with: Data(sockets)) as? [String: Any])
            let listeners = try #require(table["listeners"] as? [[String: Any]])
            let http = try #require(listeners.first { $0["localPort"] as? Int == 8080 })
            #expect((http["owners"] as? [[String: Any]])?.contains { $0["comm"] as? String == "httpd" } == true)
            let summary = try #require(entry.summary)
            #expect(summary.listeners >= 1)
            #expect(summary.namespacesShared.contains("pid") && summary.namespacesShared.contains("net"))
            #expect(summary.namespacesNotShared.contains("mnt"))
        }
    }

    @Test("--explode also unpacks every record of evidence.raw as a file under gathered/, each in the manifest and checked by verify")
    func explode() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let output = lab.bundlePath()
        let result = try collect(lab, ["-n", "shop", "-l", "app=checkout", "--explode"], output: output)
        #expect(result.status == 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        #expect(try BundleReader(path: output).verify().isIntact)
        let bundle = try BundleContents(path: output)
        #expect(bundle.manifest.pods.count == 3)
        for entry in bundle.manifest.pods {
            let container = "pods/shop/\(entry.name)/containers/app/"
            let tree = bundle.explodedTree(namespace: "shop", pod: entry.name, container: "app")
            let raw = try #require(bundle.files[container + "evidence.raw"])
            // The tree is exactly the records of the raw output, under the same paths.
            #expect(tree.count > 40, "\(entry.name): \(tree.count) records")
            let rebuilt = BundleContents.tree(fromRaw: raw, namespace: "shop", pod: entry.name, container: "app")
            #expect(Set(tree.keys) == Set(rebuilt.keys), "\(entry.name): only unpacked \(Set(tree.keys).subtracting(rebuilt.keys).sorted()), only in evidence.raw \(Set(rebuilt.keys).subtracting(tree.keys).sorted())")
            #expect(tree.filter { rebuilt[$0.key] != $0.value }.keys.sorted() == [], "\(entry.name): records that differ")
            #expect(tree["meta/clock/start"] != nil && tree["proc/net/tcp6"] != nil, "\(tree.keys.sorted().prefix(20))")
            #expect(Set(entry.files).isSuperset(of: tree.keys.map { container + "gathered/" + $0 }))
            #expect(entry.files.contains(container + "processes.json"))
            #expect(!entry.files.contains(container + "gathered-left-out.txt"))
            #expect(bundle.processes(namespace: "shop", pod: entry.name, container: "app").values.contains(["httpd", "-f", "-p", "8080"]))
        }
        // One changed byte in an unpacked record fails verify and names it.
        let target = try #require(bundle.manifest.files.map(\.path).first { $0.hasSuffix("/gathered/proc/net/tcp6") })
        let tampered = output + ".flipped.tar.gz"
        try TarRewrite.rewrite(output, to: tampered, .flip, target)
        let verification = try BundleReader(path: tampered).verify()
        #expect(verification.problems.count == 1, "\(verification.problems)")
        if case .hashMismatch(let path, _, _)? = verification.problems.first {
            #expect(path == target)
        } else {
            Issue.record("expected a hash mismatch for \(target), got \(verification.problems)")
        }
    }

    @Test("a user who may list pods but not add ephemeral containers is refused by the preflight before any pod is touched")
    func refusedBeforeTouching() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let output = lab.bundlePath()
        let result = try collect(lab, ["--context", "kubelab-viewer", "-n", "shop", "-l", "app=checkout"], output: output)
        #expect(result.status == 1)
        #expect(result.stderr.contains("no pod was touched"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("kubectl auth can-i patch pods --subresource=ephemeralcontainers -n shop"), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let pods = try lab.kubectl(["get", "pods", "-n", "shop", "-l", "app=checkout", "-o", "jsonpath={.items[*].spec.ephemeralContainers}"])
        #expect(pods.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    @Test("a user without any RBAC gets the server's Forbidden for the list, and nothing is written")
    func forbiddenList() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let output = lab.bundlePath()
        let result = try collect(lab, ["--context", "kubelab-nobody", "-n", "shop", "-l", "app=checkout"], output: output)
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot list resource \"pods\""), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let pods = try lab.kubectl(["get", "pods", "-n", "shop", "-l", "app=checkout", "-o", "jsonpath={.items[*].spec.ephemeralContainers}"])
        #expect(pods.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    @Test("an image that cannot be pulled fails each pod with the kubelet's reason")
    func imagePull() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let output = lab.bundlePath()
        let result = try collect(lab, ["-n", "shop", "-l", "app=db", "--image", "localhost/nope:1", "--timeout", "60s"], output: output)
        #expect(result.status == 4, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.count == 2)
        for pod in manifest.pods {
            #expect(pod.outcome == .failed)
            #expect(pod.reason == "ImagePull", "\(pod.message)")
            #expect(pod.message.contains("localhost/nope:1"))
        }
    }

    @Test("a log cut short is caught by its hash while the other pods are collected")
    func truncatedLog() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        try lab.setFaults(#"{"truncateEphemeralLogsToBytes": 100, "truncateLogsOfPods": 1}"#)
        let output = lab.bundlePath()
        // The output is read from the log with the packed command (with attach, only after a broken stream).
        let result = try collect(lab, ["-n", "shop", "-l", "app=checkout", "--script-delivery", "command"], output: output)
        #expect(result.status == 3, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        let manifest = try BundleReader(path: output).manifest()
        let failed = manifest.pods.filter { $0.outcome == .failed }
        #expect(failed.count == 1)
        #expect(failed.first?.reason == "Truncated" || failed.first?.reason == "HashMismatch")
        #expect(manifest.pods.filter { $0.outcome == .collected }.count == 2)
        #expect(try BundleReader(path: output).verify().isIntact)
    }

    /// The server added the evidence container, but the reply to the PATCH was
    /// lost to a connection reset: the strategic-merge body says what the pod
    /// should hold, so sending it again finds it done (200, nothing changed).
    @Test("an injection PATCH whose reply is lost to a connection reset is sent again, and every pod is collected with one evidence container")
    func lostPatchReply() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        try lab.setFaults(#"{"loseEphemeralPatchReplies": 2}"#)
        let output = lab.bundlePath()
        let result = try collect(lab, ["-n", "shop", "-l", "app=checkout"], output: output)
        #expect(result.status == 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.count == 3 && manifest.pods.allSatisfy { $0.outcome == .collected }, "\(manifest.pods.map { "\($0.name) \($0.reason) \($0.message)" })")
        // The faults were spent: two replies really were lost.
        #expect(try lab.kubectl(["get", "--raw", "/kubelab/v1/faults"]).stdout.contains(#""loseEphemeralPatchReplies":0"#))
        let names = try lab.kubectl(["get", "pods", "-n", "shop", "-l", "app=checkout", "-o",
                                     "jsonpath={range .items[*]}{.spec.ephemeralContainers[*].name}{\"\\n\"}{end}"])
        let perPod = names.stdout.split(separator: "\n").map { $0.split(separator: " ").count }
        #expect(perPod == [1, 1, 1], "ephemeral containers per pod: \(names.stdout) \(names.stderr)")
    }

    /// The lab counts the requests it serves: --all-containers adds a pod's evidence
    /// containers in one PATCH, so a pod costs one request however many containers it has.
    @Test("--all-containers: one PATCH per pod for its app and sidecar; both collected, the replicas compared container by container")
    func allContainersOnePatchPerPod() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        _ = try lab.kubectl(["delete", "--raw", "/kubelab/v1/stats"])
        let output = lab.bundlePath()
        let result = try collect(lab, ["-n", "shop", "-l", "app=checkout", "--all-containers", "--quiet"], output: output)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let manifest = try BundleReader(path: output).manifest()
        let pods = Set(manifest.pods.map(\.name))
        #expect(pods.count == 3)
        #expect(manifest.pods.count == 2 * pods.count && manifest.pods.allSatisfy { $0.outcome == .collected },
                "\(manifest.pods.map { "\($0.name)/\($0.targetContainer) \($0.outcome) \($0.message)" })")
        let stats = try lab.kubectl(["get", "--raw", "/kubelab/v1/stats"]).stdout
        let counts = try #require(try JSONSerialization.jsonObject(with: Data(stats.utf8)) as? [String: Any])["requests"] as? [String: Int]
        let patches = (counts ?? [:]).filter { $0.key.contains("ephemeralcontainers") && $0.key.hasPrefix("patch") }.values.reduce(0, +)
        // One per pod, and the preflight's dryRun=All PATCH in the one namespace (stores nothing).
        #expect(patches == pods.count + 1, "\(stats)")
        // Every container is attached to once, and one probe per namespace asks admission first.
        #expect(counts?["get pods/attach"] == manifest.pods.count + 1, "\(stats)")
        // Replicas: the apps with the apps, the sidecars with the sidecars.
        let replicas = try ToolBinary.run(["diff", "--replicas", output, "--json"])
        #expect(replicas.status == 0 || replicas.status == 1, "\(replicas.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(replicas.stdout.utf8)) as? [String: Any])
        let groups = (report["groups"] as? [[String: Any]]) ?? (report["replicas"] as? [String: Any])?["groups"] as? [[String: Any]] ?? []
        #expect(Set(groups.compactMap { $0["container"] as? String }) == ["app", "sidecar"], "\(replicas.stdout.prefix(2000))")
    }

    /// The lab cuts every watch after two events (no terminating chunk, as a
    /// load balancer's idle cut or a restarting API server): the run resumes
    /// the watch from its last resourceVersion each time and loses nothing.
    @Test("a watch cut after every second event is resumed each time; every pod is collected and the bundle is whole")
    func droppedWatches() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        try lab.setFaults(#"{"dropWatchAfterEvents": 2, "containerStartDelayMilliseconds": 500}"#)
        let output = lab.bundlePath()
        let result = try collect(lab, ["-n", "shop", "-l", "app=checkout", "-v", "6"], output: output)
        #expect(result.status == 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.count == 3 && manifest.pods.allSatisfy { $0.outcome == .collected }, "\(manifest.pods.map { "\($0.name) \($0.reason) \($0.message)" })")
        #expect(try BundleReader(path: output).verify().isIntact)
        // The cuts happened and were mended by resuming: several watch requests, one list of the selection.
        let requests = result.stderr.split(separator: "\n").filter { $0.contains("/namespaces/shop/pods?") }
        let watches = requests.filter { $0.contains("watch=1") }
        #expect(watches.count >= 2, "\(requests.joined(separator: "\n"))")
        #expect(watches.dropFirst().allSatisfy { $0.contains("resourceVersion=") && !$0.contains("resourceVersion=&") && !$0.contains("resourceVersion=0&") })
    }

    /// The API server has no timeout for pods/log: a node cut off mid-read held
    /// the pod, and the run, until SIGKILL.
    @Test("a log read that stalls ends at the rest of --timeout as that pod's timeout; the others are collected and the bundle is whole")
    func stalledLogRead() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        try lab.setFaults(#"{"stallEphemeralLogReads": 1}"#)
        let output = lab.bundlePath()
        let start = Date()
        // The output is read from the log with the packed command (with attach, only after a broken stream).
        let result = try collect(lab, ["-n", "shop", "-l", "app=checkout", "--timeout", "8s", "--script-delivery", "command"], output: output)
        let elapsed = Date().timeIntervalSince(start)
        #expect(result.status == 3, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        let manifest = try BundleReader(path: output).manifest()
        let stalled = manifest.pods.filter { $0.outcome == .failed }
        #expect(stalled.count == 1 && stalled.first?.reason == "Timeout" && stalled.first?.failedStep == .log, "\(stalled.map { "\($0.reason) \($0.message)" })")
        #expect(stalled.first?.message.contains("Reading the log") == true)
        #expect(manifest.pods.filter { $0.outcome == .collected }.count == 2)
        #expect(try BundleReader(path: output).verify().isIntact)
        // A guard against a hang, not a speed target.
        #expect(elapsed < 60, "the run took \(elapsed) s")
    }

    /// A network that drops packets without a reset keeps a stream open that will
    /// never bring anything again: the container's end, on the watch, says to stop.
    @Test("an attach stream silent after the container ended costs seconds, not --timeout: the pod is read from the log and verifies")
    func stalledAttachStream() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        try lab.setFaults(#"{"stallAttachStreams": 1}"#)
        let output = lab.bundlePath()
        let start = Date()
        let result = try collect(lab, ["-n", "shop", "-l", "app=checkout", "--timeout", "120s"], output: output)
        let elapsed = Date().timeIntervalSince(start)
        #expect(result.status == 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.allSatisfy { $0.outcome == .collected }, "\(manifest.pods.map { "\($0.reason) \($0.message)" })")
        let fromLog = manifest.pods.filter { $0.evidenceContainer?.outputSource == "log" }
        #expect(fromLog.count == 1 && fromLog.first?.message.contains("stayed open 3 s after the container had ended") == true,
                "\(fromLog.map(\.message))")
        #expect(try BundleReader(path: output).verify().isIntact)
        // A guard against waiting out --timeout, not a speed target.
        #expect(elapsed < 60, "the run took \(elapsed) s")
    }

    @Test("a pod deleted during the run ends PodDeleted; the others are collected")
    func podDeleted() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        try lab.setFaults(#"{"containerStartDelayMilliseconds": 3000}"#)
        let names = try lab.kubectl(["get", "pods", "-n", "shop", "-l", "app=checkout", "-o", "jsonpath={.items[*].metadata.name}"])
            .stdout.split(separator: " ").map(String.init)
        let victim = try #require(names.first)
        let output = lab.bundlePath()
        let tool = Process()
        tool.executableURL = URL(fileURLWithPath: ToolBinary.path)
        tool.arguments = ["collect", "--kubeconfig", lab.kubeconfig, "-o", output, "-n", "shop", "-l", "app=checkout", "-q"]
        tool.standardOutput = FileHandle.nullDevice
        tool.standardError = FileHandle.nullDevice
        try tool.run()
        Thread.sleep(forTimeInterval: 1.5)
        let deletion = try lab.kubectl(["delete", "pod", "-n", "shop", victim, "--wait=false"])
        #expect(deletion.status == 0, "\(deletion.stderr)")
        tool.waitUntilExit()
        #expect(tool.terminationStatus == 3)
        let manifest = try BundleReader(path: output).manifest()
        let gone = try #require(manifest.pods.first { $0.name == victim })
        #expect(gone.outcome == .failed)
        #expect(gone.reason == "PodDeleted", "\(gone.message)")
        #expect(manifest.pods.filter { $0.outcome == .collected }.count == 2)
    }

    @Test("SIGINT in the middle of a run still leaves a valid bundle with the rest marked interrupted")
    func interrupted() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        // Longer than the 5 s grace: the pod in flight is still waiting when the run stops.
        try lab.setFaults(#"{"containerStartDelayMilliseconds": 12000}"#)
        let output = lab.bundlePath()
        let tool = Process()
        tool.executableURL = URL(fileURLWithPath: ToolBinary.path)
        tool.arguments = ["collect", "--kubeconfig", lab.kubeconfig, "-o", output, "-A", "-l", "app in (checkout,db)",
                          "--concurrency", "1", "-q"]
        tool.standardOutput = FileHandle.nullDevice
        tool.standardError = FileHandle.nullDevice
        try tool.run()
        Thread.sleep(forTimeInterval: 2)
        kill(tool.processIdentifier, SIGINT)
        tool.waitUntilExit()
        #expect(tool.terminationStatus == 130)
        let reader = BundleReader(path: output)
        #expect(try reader.verify().isIntact)
        let manifest = try reader.manifest()
        #expect(manifest.run.interrupted)
        #expect(manifest.pods.count == 5)
        #expect(manifest.pods.filter { $0.outcome == .interrupted }.count >= 4)
        // A pod still waiting when the grace period ends was interrupted, not failed.
        #expect(manifest.pods.allSatisfy { $0.outcome != .failed }, "\(manifest.pods.map { "\($0.name): \($0.outcome) \($0.message)" })")
    }

    @Test("Pod Security restricted refuses the standard profile in its namespace only; the restricted profile passes it")
    func podSecurity() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let output = lab.bundlePath()
        let result = try collect(lab, ["-A", "-l", "app in (checkout,vault)"], output: output)
        #expect(result.status == 3, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        let manifest = try BundleReader(path: output).manifest()
        let vault = try #require(manifest.pods.first { $0.namespace == "hardened" })
        #expect(vault.outcome == .failed)
        #expect(vault.reason == "AdmissionRejected", "\(vault.message)")
        #expect(vault.failedStep == .preflight)
        #expect(vault.message.contains("violates PodSecurity"), "\(vault.message)")
        #expect(manifest.pods.filter { $0.namespace == "shop" && $0.outcome == .collected }.count == 3)

        let restricted = lab.bundlePath("restricted")
        let second = try collect(lab, ["-n", "hardened", "-l", "app=vault", "--profile", "restricted"], output: restricted)
        #expect(second.status == 0, "stderr: \(second.stderr)\nstdout: \(second.stdout)")
        let bundle = try BundleContents(path: restricted)
        let pod = try #require(bundle.manifest.pods.first)
        #expect(pod.outcome == .collected, "\(pod.message)")
        #expect(bundle.processes(namespace: "hardened", pod: pod.name, container: pod.targetContainer)
            .values.contains(["httpd", "-f", "-p", "8200"]))
    }

    @Test("a container that does not start in time ends Timeout with its last state")
    func timeout() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        try lab.setFaults(#"{"containerStartDelayMilliseconds": 20000}"#)
        let output = lab.bundlePath()
        let result = try collect(lab, ["-n", "shop", "-l", "app=db", "--timeout", "2s"], output: output)
        #expect(result.status == 4, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.count == 2)
        for pod in manifest.pods {
            #expect(pod.reason == "Timeout", "\(pod.message)")
            #expect(pod.message.contains("ContainerCreating"), "\(pod.message)")
            #expect(pod.files.contains { $0.hasSuffix("/pod.json") }, "the pod's JSON is kept for a failed pod")
        }
    }

    @Test("ephemeral containers switched off: one clear message, nothing touched")
    func featureDisabled() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        try lab.setFaults(#"{"ephemeralContainersDisabled": true}"#)
        let output = lab.bundlePath()
        let result = try collect(lab, ["-n", "shop", "-l", "app=checkout"], output: output)
        #expect(result.status == 1)
        #expect(result.stderr.contains("ephemeral containers are switched off"), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
