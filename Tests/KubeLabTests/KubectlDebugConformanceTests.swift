import Foundation
import KubeLab
import Testing
import TestSupport

/// The real kubectl's `debug` against the lab with real processes: what it sends (a strategic
/// merge patch built from the pod it read) is accepted, the debugger runs in the target's pid
/// namespace, `kubectl logs -c` shows what it saw, and Pod Security refuses what it should.
@Suite("kubectl debug against the lab")
struct KubectlDebugConformanceTests {
    let kubectl = KubectlConformanceTests()

    /// The name of the ephemeral container kubectl debug printed ("Defaulting debug container name to debugger-xxxxx.").
    func debuggerName(_ output: String) -> String? {
        guard let range = output.range(of: #"debugger-[a-z0-9]+"#, options: .regularExpression) else { return nil }
        return String(output[range])
    }

    @Test("kubectl debug --target=app -- ps, then kubectl logs -c shows app's processes (httpd PID 1), not the sidecar's; restricted namespace")
    func debugAndLogs() async throws {
        try await LabFixture.with(runtime: true) { lab in
            let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" }).name
            let debug = try await kubectl.kubectl(lab, ["debug", "pod/\(pod)", "-n", "shop", "--image=busybox", "--target=app", "--profile=general", "--", "ps"])
            #expect(debug.status == 0, "kubectl debug failed: \(debug.stderr)")
            let name = try #require(debuggerName(debug.stdout + debug.stderr), "no debugger name in: \(debug.stdout) \(debug.stderr)")
            // Wait as a user would, with kubectl's jsonpath, until the debugger has terminated.
            var reason = ""
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                let r = try await kubectl.kubectl(
                    lab, ["get", "pod", pod, "-n", "shop", "-o", "jsonpath={.status.ephemeralContainerStatuses[?(@.name==\"\(name)\")].state.terminated.reason}"])
                reason = r.stdout
                if !reason.isEmpty { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(reason == "Completed")
            let logs = try await kubectl.kubectl(lab, ["logs", "pod/\(pod)", "-n", "shop", "-c", name])
            #expect(logs.status == 0, "kubectl logs failed: \(logs.stderr)")
            let lines = logs.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(lines.first?.hasPrefix("PID") == true, "\(logs.stdout)")
            #expect(lines.contains { $0.hasPrefix("1 ") && $0.hasSuffix("httpd -f -p 8080") }, "\(logs.stdout)")
            #expect(!logs.stdout.contains("sleep 3600"), "the sidecar is in another pid namespace: \(logs.stdout)")
            // Following the log of a container that has ended returns at once with the same text.
            let followed = try await kubectl.kubectl(lab, ["logs", "-f", "pod/\(pod)", "-n", "shop", "-c", name])
            #expect(followed.status == 0 && followed.stdout == logs.stdout)
            // The spec kept what kubectl sent: the general profile adds SYS_PTRACE.
            let added = try await kubectl.kubectl(
                lab, ["get", "pod", pod, "-n", "shop", "-o", "jsonpath={.spec.ephemeralContainers[?(@.name==\"\(name)\")].securityContext.capabilities.add}"])
            #expect(added.stdout == "[\"SYS_PTRACE\"]")

            // The restricted namespace: general is refused by Pod Security, restricted is admitted and runs.
            let vault = try #require(lab.server.pods(namespace: "hardened").first).name
            let refused = try await kubectl.kubectl(lab, ["debug", "pod/\(vault)", "-n", "hardened", "--image=busybox", "--target=app", "--profile=general", "--", "ps"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("is forbidden: violates PodSecurity \"restricted:latest\""), "\(refused.stderr)")
            #expect(refused.stderr.contains("must not include \"SYS_PTRACE\" in securityContext.capabilities.add"), "\(refused.stderr)")
            let admitted = try await kubectl.kubectl(lab, ["debug", "pod/\(vault)", "-n", "hardened", "--image=busybox", "--target=app", "--profile=restricted", "--", "id"])
            #expect(admitted.status == 0, "\(admitted.stderr)")
            let restrictedName = try #require(debuggerName(admitted.stdout + admitted.stderr))
            try await Ephemeral.waitForPod(lab, namespace: "hardened", name: vault) { Ephemeral.isTerminated(Ephemeral.ephemeralState($0, restrictedName)) }
            let id = try await kubectl.kubectl(lab, ["logs", "pod/\(vault)", "-n", "hardened", "-c", restrictedName])
            #expect(id.stdout.hasPrefix("uid=1000"), "\(id.stdout) \(id.stderr)")

            // kubectl delete pod: the pod's processes go with it.
            let running = try #require(lab.server.runningPod(namespace: "shop", name: pod))
            let pids = [running.sandboxPID] + running.containers.compactMap(\.hostPID)
            let deleted = try await kubectl.kubectl(lab, ["delete", "pod", pod, "-n", "shop", "--wait=false"])
            #expect(deleted.status == 0, "\(deleted.stderr)")
            let deadline2 = Date().addingTimeInterval(5)
            while pids.contains(where: { HostProcess.isRunning($0) }), Date() < deadline2 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(pids.allSatisfy { !HostProcess.isRunning($0) }, "processes of the deleted pod are still alive")
        }
    }
}
