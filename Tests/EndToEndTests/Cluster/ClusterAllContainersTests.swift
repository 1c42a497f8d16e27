import Bundle
import Foundation
import TestSupport
import Testing

/// `--all-containers` on the cluster under test: a pod with an app and a sidecar
/// (no shared process namespace) whose sidecar listens on a port. Without the
/// flag the sidecar is invisible; with it, its process and listener are in the bundle.
@Suite("end to end on a cluster: --all-containers", .serialized)
struct ClusterAllContainersTests {
    static let sidecarPort = 7071

    /// A pod of its own: `app` sleeps, `sidecar` listens on 7071 (busybox nc, one connection at a time, forever).
    static func createPod(_ cluster: ClusterUnderTest) throws -> String {
        let name = "sidecars-\(UUID().uuidString.prefix(6).lowercased())"
        let yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {name: \(name), namespace: shop, labels: {app: sidecars, test: \(name)}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
                - {name: app, image: \(ClusterUnderTest.image), imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
                - {name: sidecar, image: \(ClusterUnderTest.image), imagePullPolicy: IfNotPresent, command: [nc, -ll, -p, "\(sidecarPort)", -e, cat]}

            """
        let file = cluster.directory.appendingPathComponent("\(name).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        try cluster.kubectlOK(["create", "-f", file.path])
        try cluster.waitUntilRunning(namespace: "shop", pod: name)
        return name
    }

    @Test("the sidecar's process and listener are collected with --all-containers and not without; one evidence container per container, named for it")
    func sidecarSeenOnlyWithAllContainers() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let pod = try Self.createPod(cluster)
        defer { _ = try? cluster.kubectl(["delete", "pod", "-n", "shop", pod, "--wait=false"]) }

        // Without the flag: the first container's view only.
        let plain = cluster.bundlePath("one")
        let one = try cluster.collect(["-n", "shop", pod, "--quiet"], output: plain)
        #expect(one.status == 0, "\(one.stderr)")
        let onlyApp = try BundleContents(path: plain)
        #expect(onlyApp.manifest.pods.map(\.targetContainer) == ["app"])
        let appProcesses = onlyApp.processes(namespace: "shop", pod: pod, container: "app")
        #expect(!appProcesses.isEmpty, "no processes were read from the app container")
        #expect(!appProcesses.values.contains { $0.first == "nc" }, "the sidecar's nc was seen from the app container: \(appProcesses)")
        // (The pod's containers share one network namespace, so the sidecar's port may show
        // from the app's view; the process that owns it does not.)

        // With it: one entry per container, both collected, the sidecar's nc and its listener with it.
        let output = cluster.bundlePath("all")
        let before = try cluster.ephemeralContainerCount(namespace: "shop", pod: pod)
        let all = try cluster.collect(["-n", "shop", pod, "--all-containers", "--quiet"], output: output)
        #expect(all.status == 0, "\(all.stderr)")
        let bundle = try BundleContents(path: output)
        let entries = bundle.manifest.pods.filter { $0.name == pod }
        #expect(entries.map(\.targetContainer) == ["app", "sidecar"])
        for entry in entries {
            #expect(entry.outcome == .collected, "\(entry.targetContainer): \(entry.reason) \(entry.message)")
            #expect(entry.evidenceContainer?.name.hasSuffix("-\(entry.targetContainer)") == true, "\(String(describing: entry.evidenceContainer?.name))")
        }
        let sidecar = bundle.processes(namespace: "shop", pod: pod, container: "sidecar")
        let nc = sidecar.filter { $0.value.first == "nc" }
        #expect(nc.count == 1, "the sidecar's nc is not among its processes: \(sidecar)")
        #expect(bundle.listeningPorts(namespace: "shop", pod: pod, container: "sidecar").contains(Self.sidecarPort))
        #expect(try cluster.ephemeralContainerCount(namespace: "shop", pod: pod) == before + 2)
        // The pod's object once, each container's evidence under its own name.
        let podFiles = bundle.manifest.files.filter { $0.path.hasSuffix("/\(pod)/pod.json") }
        #expect(podFiles.count == 1, "\(podFiles.map(\.path))")
        let verify = try ToolBinary.run(["verify", output])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let inspect = try ToolBinary.run(["inspect", output, "--pod", "shop/\(pod)"])
        #expect(inspect.status == 0 && inspect.stdout.contains("target container sidecar") && inspect.stdout.contains("target container app"),
                "\(inspect.stdout)\(inspect.stderr)")
        #expect(inspect.stdout.contains("== Pod shop/\(pod), container sidecar ==") && inspect.stdout.contains("== Pod shop/\(pod), container app =="),
                "\(inspect.stdout)")
        #expect(inspect.stdout.contains("CONTAINER"), "the overview names each row's container: \(inspect.stdout)")

        // Over time, like is compared with like: the app before, the app and the sidecar after.
        let diff = try ToolBinary.run(["diff", plain, output])
        #expect(diff.status == 0 || diff.status == 1, "\(diff.stderr)")
        #expect(!diff.stdout.contains("different containers"), "the app was compared with the sidecar: \(diff.stdout)")
        #expect(diff.stdout.contains("container sidecar) only in the new bundle"), "\(diff.stdout)")
    }
}
