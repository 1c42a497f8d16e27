import Bundle
import Foundation
import Testing
import TestSupport

/// The in-pod script reaches each evidence container on its stdin through
/// `pods/attach` (WebSocket), so the container's command, which stays in the
/// pod's spec for the pod's lifetime, is a bootstrap of a few hundred bytes.
/// On the lab and on a real cluster, where the API server and the kubelet,
/// not the tool, decide how an attach session starts, carries and ends.
@Suite("end to end on a cluster: the script arrives through pods/attach", .serialized)
struct ClusterAttachTests {
    /// The evidence containers of a pod as the API server stores them.
    static func evidenceContainers(_ cluster: ClusterUnderTest, pod: String) throws -> [[String: Any]] {
        let json = try cluster.kubectlOK(["get", "pod", "-n", "shop", pod, "-o", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let spec = object?["spec"] as? [String: Any]
        return (spec?["ephemeralContainers"] as? [[String: Any]] ?? []).filter { ($0["name"] as? String)?.hasPrefix("evidence-") == true }
    }

    @Test("the script arrives on stdin and the output on the stream: the command holds a few hundred bytes, and a run adds a fraction of what the packed command did")
    func scriptArrivesThroughAttach() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let label = "attach-\(UUID().uuidString.prefix(6).lowercased())"
        let pods = try ["a", "b"].map { try cluster.createPod(namespace: "shop", prefix: "\(label)-\($0)", labels: ["e2e": label], command: ["sleep", "3600"]) }
        defer { _ = try? cluster.kubectl(["delete", "pods", "-n", "shop", "-l", "e2e=\(label)", "--wait=false"]) }
        let selector = ["-n", "shop", "-l", "e2e=\(label)", "-q"]

        let output = cluster.bundlePath("attach")
        let run = try cluster.collect(selector, output: output)
        #expect(run.status == 0, "\(run.stderr)\n\(run.stdout)")
        let reader = BundleReader(path: output)
        let manifest = try reader.manifest()
        #expect(manifest.run.scriptDelivery == "attach")
        // The manifest names the code that made it, as `version` does.
        let version = try ToolBinary.run(["version", "--json"])
        let tool = try JSONSerialization.jsonObject(with: Data(version.stdout.utf8)) as? [String: String]
        #expect(manifest.tool.commit != nil && manifest.tool.commit == tool?["commit"] && manifest.tool.buildDate == tool?["buildDate"])
        #expect(try reader.verify().isIntact)
        var attachAdded: [Int] = []
        for pod in manifest.pods {
            #expect(pod.outcome == .collected, "\(pod.name): \(pod.reason) \(pod.message)")
            #expect(pod.evidenceContainer?.outputSource == "attach", "\(pod.name): \(pod.message)")
            // The pod runs one process; the bootstrap left none of its own behind to be found.
            #expect(pod.summary?.processes == 1, "\(pod.name): \(String(describing: pod.summary)) \(pod.message)")
            if let footprint = pod.footprint, let after = footprint.objectBytesAfter { attachAdded.append(after - footprint.objectBytesBefore) }
        }
        for pod in pods {
            let containers = try Self.evidenceContainers(cluster, pod: pod)
            #expect(containers.count == 1, "\(pod): \(containers.count) evidence containers")
            guard let container = containers.first else { continue }
            let command = (container["command"] as? [String] ?? []).joined()
            #expect(command.utf8.count < 450, "\(pod): the stored command takes \(command.utf8.count) bytes")
            #expect(container["stdin"] as? Bool == true && container["stdinOnce"] as? Bool == true, "\(pod): \(container)")
        }

        let inspected = try ToolBinary.run(["inspect", output])
        #expect(inspected.stdout.contains("through pods/attach (sha256 \(manifest.run.scriptSHA256 ?? "?"))"), "\(inspected.stdout)")
        #expect(inspected.stdout.contains("output read from the attach stream for 2 pods, from the log for 0"), "\(inspected.stdout)")

        // The same pods once more with the script packed into the command, to compare.
        let packedOutput = cluster.bundlePath("packed")
        let packed = try cluster.collect(selector + ["--script-delivery", "command"], output: packedOutput)
        #expect(packed.status == 0, "\(packed.stderr)")
        let packedManifest = try BundleReader(path: packedOutput).manifest()
        #expect(packedManifest.run.scriptDelivery == "command")
        let packedAdded = packedManifest.pods.compactMap { pod in pod.footprint.flatMap { f in f.objectBytesAfter.map { $0 - f.objectBytesBefore } } }
        #expect(packedManifest.pods.allSatisfy { $0.outcome == .collected && $0.evidenceContainer?.outputSource == "log" })
        #expect(attachAdded.count == 2 && packedAdded.count == 2)
        for (attach, command) in zip(attachAdded, packedAdded) {
            #expect(attach > 500 && attach < 3_000 && attach * 4 < command, "attach added \(attach) bytes, the packed command \(command)")
        }
        print("figure: one run added \(attachAdded.map(String.init).joined(separator: ", ")) bytes per pod with attach delivery, \(packedAdded.map(String.init).joined(separator: ", ")) with the packed command, on the \(cluster.kind)")
    }

    @Test("an attach stream cut in the middle: the output is read from the log, and it verifies")
    func cutStreamFallsBackToLog() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let label = "cut-\(UUID().uuidString.prefix(6).lowercased())"
        // Six hundred processes: the script reads each one's /proc for seconds, the stream open all along.
        let pod = try cluster.createPod(namespace: "shop", prefix: label, labels: ["e2e": label],
                                        command: ["sh", "-c", "for i in $(seq 600); do sleep 3600 & done; wait"])
        defer { _ = try? cluster.kubectl(["delete", "pod", "-n", "shop", pod, "--wait=false"]) }
        let output = cluster.bundlePath("cut")
        let run = try BackgroundCollection(cluster, ["-n", "shop", "-l", "e2e=\(label)"], output: output)
        try cluster.waitFor("the evidence container running", timeout: 120) {
            let started = try cluster.kubectlOK(["get", "pod", "-n", "shop", pod, "-o",
                                                 "jsonpath={.status.ephemeralContainerStatuses[*].state.running.startedAt}"])
            return !started.trimmingCharacters(in: .whitespaces).isEmpty
        }
        // The network drops every connection of the collector (the attach stream, the watch, the
        // pool), twice: the first cut may come before the collector attached, the second finds
        // the stream in the middle of the script's seconds of output.
        var cut = 0
        for pause in [0.4, 0.8] {
            Thread.sleep(forTimeInterval: pause)
            cut += try NetworkCut.connections(of: run.pid)
        }
        #expect(cut > 0, "the collector had no connection to cut")
        let result = try run.finish(timeout: 240)
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout)")
        let reader = BundleReader(path: output)
        let manifest = try reader.manifest()
        let entry = try #require(manifest.pods.first)
        #expect(entry.outcome == .collected, "\(entry.reason): \(entry.message)")
        #expect(entry.evidenceContainer?.outputSource == "log", "\(entry.message)")
        #expect(entry.message.contains("attach stream broke") && entry.message.contains("read from the container's log"), "\(entry.message)")
        #expect(entry.summary.map { $0.processes > 600 } == true, "\(String(describing: entry.summary))")
        #expect(try reader.verify().isIntact)
        let inspected = try ToolBinary.run(["inspect", output])
        #expect(inspected.stdout.contains("from the attach stream for 0 pods, from the log for 1"), "\(inspected.stdout)")
        print("figure: \(cut) connections of the collector cut mid-stream on the \(cluster.kind); the pod was read from the log: \(entry.message.prefix(160))")
    }

    @Test("without create on pods/attach the script is packed into the command and the run says so; --script-delivery attach refuses before touching a pod")
    func withoutAttachPermission() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let label = "noattach-\(UUID().uuidString.prefix(6).lowercased())"
        let pod = try cluster.createPod(namespace: "shop", prefix: label, labels: ["e2e": label], command: ["sleep", "3600"])
        defer { _ = try? cluster.kubectl(["delete", "pod", "-n", "shop", pod, "--wait=false"]) }
        let (kubeconfig, context) = try cluster.kubeconfigWithoutAttach()
        let selector = context + ["-n", "shop", "-l", "e2e=\(label)"]

        let refused = try cluster.collect(selector + ["--script-delivery", "attach"], output: cluster.bundlePath("refused"), kubeconfig: kubeconfig)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("RBAC does not allow get on pods/attach") && refused.stderr.contains("No pod was touched"), "\(refused.stderr)")
        #expect(try cluster.ephemeralContainerCount(namespace: "shop", pod: pod) == 0)

        let output = cluster.bundlePath("packed")
        let run = try cluster.collect(selector + ["-q"], output: output, kubeconfig: kubeconfig)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("packed into each evidence container's command") && run.stderr.contains("RBAC does not allow get on pods/attach"), "\(run.stderr)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.run.scriptDelivery == "command")
        #expect(manifest.pods.first?.outcome == .collected, "\(manifest.pods.first?.message ?? "")")
    }

    @Test("an admission policy that refuses attach: the run asks first, attaching to nothing, packs the script and says why; --script-delivery attach refuses")
    func admissionRefusesAttach() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        try cluster.denyAttach(toPodsStartingWith: "noattach-", message: "no attaching to these pods during the incident")
        let label = "vap-\(UUID().uuidString.prefix(6).lowercased())"
        let pod = try cluster.createPod(namespace: "shop", prefix: "noattach", labels: ["e2e": label], command: ["sleep", "3600"])
        defer { _ = try? cluster.kubectl(["delete", "pod", "-n", "shop", pod, "--wait=false"]) }
        let selector = ["-n", "shop", "-l", "e2e=\(label)"]

        let refused = try cluster.collect(selector + ["--script-delivery", "attach"], output: cluster.bundlePath("refused"))
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("no attaching to these pods during the incident") && refused.stderr.contains("No pod was touched"), "\(refused.stderr)")
        #expect(try cluster.ephemeralContainerCount(namespace: "shop", pod: pod) == 0)

        let output = cluster.bundlePath("policy")
        let run = try cluster.collect(selector + ["-q"], output: output)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("packed into each evidence container's command") && run.stderr.contains("HTTP 422")
                && run.stderr.contains("no attaching to these pods during the incident"), "\(run.stderr)")
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.run.scriptDelivery == "command")
        #expect(manifest.pods.first?.outcome == .collected, "\(manifest.pods.first?.message ?? "")")
        #expect(try cluster.ephemeralContainerCount(namespace: "shop", pod: pod) == 1)
    }

    @Test("kubectl debug -i hands a line to a new container's stdin and reads its answer through the cluster")
    func kubectlAttachesThroughTheCluster() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let label = "kdebug-\(UUID().uuidString.prefix(6).lowercased())"
        let pod = try cluster.createPod(namespace: "shop", prefix: label, labels: ["e2e": label], command: ["sleep", "3600"])
        defer { _ = try? cluster.kubectl(["delete", "pod", "-n", "shop", pod, "--wait=false"]) }
        let result = try ProcessRunner.run(
            "/bin/sh",
            // stdin stays open for a while, as a person's would: a container without stdinOnce
            // ends its attach session when stdin ends, maybe before it answered.
            ["-c", "(printf 'hello-attach\\n'; sleep 3) | kubectl --kubeconfig \"$0\" debug -n shop \"$1\" -i -c dbg --image \"$2\" --image-pull-policy IfNotPresent --profile general -- sh -c 'read x; echo got:$x'",
             cluster.kubeconfig, pod, ClusterUnderTest.image],
            timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("got:hello-attach"), "stdout: \(result.stdout)\nstderr: \(result.stderr)")
    }
}

/// Cuts a process's TCP connections as a network would (`ss -K`: the kernel
/// aborts them; the peer sees a reset), leaving everyone else's alone.
enum NetworkCut {
    /// Aborts every established TCP connection of `pid`; returns how many.
    static func connections(of pid: Int32) throws -> Int {
        let listing = try ProcessRunner.run("/usr/bin/env", ["ss", "-tnpH", "state", "established"], timeout: 20)
        guard listing.status == 0 else { throw TestFailure("ss -tnp failed: \(listing.stderr)") }
        let ports = listing.stdout.split(separator: "\n").filter { $0.contains("pid=\(pid),") }.compactMap { line -> String? in
            // Recv-Q Send-Q Local:Port Peer:Port users:(...)
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 4, let colon = fields[2].lastIndex(of: ":") else { return nil }
            return String(fields[2][fields[2].index(after: colon)...])
        }
        for port in ports {
            let killed = try ProcessRunner.run("/usr/bin/env", ["ss", "-K", "-tn", "state", "established", "sport", "=", ":\(port)"], timeout: 20)
            guard killed.status == 0 else { throw TestFailure("ss -K could not cut port \(port): \(killed.stderr)") }
        }
        return ports.count
    }
}
