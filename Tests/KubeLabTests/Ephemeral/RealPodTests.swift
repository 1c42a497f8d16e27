import Foundation
import Testing

@testable import KubeLab

/// The demo topology with real processes: pods come up running, kubectl logs works,
/// ephemeral containers run in the target's pid namespace, and stopping the lab leaves nothing.
@Suite("real pods and ephemeral containers")
struct RealPodTests {
    @Test("the demo's pods run for real; an ephemeral container sees the target's processes; stop leaves no process or mount")
    func demoLifecycle() async throws {
        let started = Date()
        let lab = try await LabFixture.start(runtime: true)
        let startSeconds = Date().timeIntervalSince(started)
        var recorded: [Int32] = []
        do {
            #expect(lab.server.hasRuntime)
            let checkout = lab.server.pods(namespace: "shop").filter { $0.labels["app"] == "checkout" }
            #expect(checkout.count == 3)
            for pod in lab.server.pods() where pod.phase == .Running || pod.runsProcesses {
                #expect(pod.runsProcesses, "\(pod.name) should run processes")
                #expect(pod.phase == .Running, "\(pod.namespace)/\(pod.name) is \(pod.phase)")
                for status in pod.containerStatuses {
                    guard case .running = status.state else {
                        Issue.record("\(pod.name)/\(status.name) is \(status.state)")
                        continue
                    }
                    #expect(status.ready && status.started)
                    #expect(status.imageID.contains("sha256:") && status.containerID?.hasPrefix("containerd://") == true)
                }
                let running = try #require(lab.server.runningPod(namespace: pod.namespace, name: pod.name))
                recorded.append(running.sandboxPID)
                recorded += running.containers.compactMap(\.hostPID)
            }
            let report = try #require(lab.server.pod(namespace: "payments", name: "batch-report"))
            #expect(!report.runsProcesses && lab.server.runningPod(namespace: "payments", name: "batch-report") == nil)

            // An ephemeral container targeting app: ps shows app's processes only.
            let pod = checkout[0]
            let curl = Curl(lab: lab)
            let patchStarted = Date()
            let patch = try await curl.request(
                "PATCH", "/api/v1/namespaces/shop/pods/\(pod.name)/ephemeralcontainers",
                body: Ephemeral.smp(name: "evidence-ps", command: ["sh", "-c", "ps; printf done > /dev/termination-log"]),
                contentType: Ephemeral.smpType)
            #expect(patch.status == 200, "\(patch.text)")
            let done = try await Ephemeral.waitForPod(lab, name: pod.name) { Ephemeral.isTerminated(Ephemeral.ephemeralState($0, "evidence-ps")) }
            let toTerminated = Date().timeIntervalSince(patchStarted)
            guard case .terminated(let code, let reason, let message, _, _) = Ephemeral.ephemeralState(done, "evidence-ps") else {
                Issue.record("evidence-ps did not terminate: \(String(describing: Ephemeral.ephemeralState(done, "evidence-ps")))")
                throw CancellationError()
            }
            #expect(code == 0 && reason == "Completed" && message == "done")
            let log = try await curl.request("/api/v1/namespaces/shop/pods/\(pod.name)/log?container=evidence-ps")
            #expect(log.status == 200)
            let lines = log.text.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasSuffix(" httpd -f -p 8080") && $0.trimmingCharacters(in: .whitespaces).hasPrefix("1 ") }, "\(log.text)")
            #expect(!log.text.contains("sleep 3600"), "the sidecar's processes are in another pid namespace: \(log.text)")
            // The first replica also listens on 4444 (its nc is a child of httpd); the others do not.
            let oddOne = checkout.first { lab.server.runningPod(namespace: "shop", name: $0.name)?.container("app") != nil }
            #expect(oddOne != nil)
            print("kubelab timings: lab start with the demo topology \(String(format: "%.2f", startSeconds)) s, PATCH to terminated \(String(format: "%.2f", toTerminated)) s")
        } catch {
            try? await lab.stop()
            throw error
        }
        try await lab.stop()
        #expect(!recorded.isEmpty)
        let alive = recorded.filter { kill($0, 0) == 0 }
        #expect(alive.isEmpty, "processes of the lab's pods still alive after stop: \(alive)")
        #expect(Ephemeral.mounts(under: lab.directory).isEmpty, "mounts left: \(Ephemeral.mounts(under: lab.directory))")
    }
}
