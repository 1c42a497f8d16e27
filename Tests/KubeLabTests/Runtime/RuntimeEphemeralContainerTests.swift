import Foundation
import Testing

@testable import KubeLab

@Suite("Runtime: ephemeral containers")
struct RuntimeEphemeralContainerTests {
    /// Starts the app/sidecar pod, waits for both to run, then for the sidecar to hold its connection.
    private func runningDemoPod(_ body: @escaping (RunningPod, StateRecorder) async throws -> Void) async throws {
        let recorder = StateRecorder()
        try await withPod(appAndSidecar(), recorder: recorder) { pod, _ in
            for name in ["app", "sidecar"] {
                #expect(await pod.waitForState(of: name) { $0.isRunning }?.isRunning == true, "\(name)")
            }
            try await body(pod, recorder)
        }
    }

    private func finish(_ pod: RunningPod, _ name: String) async throws -> (code: Int, message: String?, log: String) {
        let state = await pod.waitForState(of: name, timeout: .seconds(15)) { $0.isTerminated }
        guard case .terminated(let code, _, let message, _, _) = state else {
            Issue.record("\(name) did not terminate: \(String(describing: state))")
            throw CancellationError()
        }
        return (code, message, contents(pod.logPath(container: name)))
    }

    @Test("ps in an ephemeral container targeting app shows httpd as pid 1 and none of the sidecar's processes")
    func psSeesTheTarget() async throws {
        try await runningDemoPod { pod, recorder in
            let spec = LabRuntime.ContainerSpec(
                name: "debugger", image: "busybox", command: ["ps"],
                securityContext: .init(addCapabilities: ["SYS_PTRACE"]))
            let started = ContinuousClock.now
            try pod.startEphemeral(spec, targetContainerName: "app")
            _ = await pod.waitForState(of: "debugger") { $0.isRunning || $0.isTerminated }
            let startTime = ContinuousClock.now - started
            let result = try await finish(pod, "debugger")
            #expect(result.code == 0)
            let lines = result.log.split(separator: "\n")
            #expect(lines.contains { $0.split(whereSeparator: \.isWhitespace).first == "1" && $0.hasSuffix("httpd -f -p 8080") }, "\(result.log)")
            #expect(!result.log.contains("nc 127.0.0.1"), "\(result.log)")
            #expect(!result.log.contains("sleep 1000"), "\(result.log)")
            #expect(recorder.reasons(of: "debugger") == ["ContainerCreating", "running", "terminated"])
            let info = try #require(pod.container("debugger"))
            #expect(info.isEphemeral && info.targetContainerName == "app")
            #expect(info.imageID.hasPrefix("docker.io/library/busybox@sha256:"))
            #expect(info.containerID?.hasPrefix("containerd://") == true)
            print("ephemeral container start (PATCH-less, to running): \(startTime)")
        }
    }

    @Test("the ephemeral container shares the target's pid namespace and the pod's net, ipc, uts, but not its mount namespace")
    func namespaces() async throws {
        try await runningDemoPod { pod, _ in
            try pod.startEphemeral(busybox("debugger", "sleep 30"), targetContainerName: "app")
            #expect(await pod.waitForState(of: "debugger") { $0.isRunning }?.isRunning == true)
            let debugger = try #require(pod.container("debugger")?.hostPID)
            let app = try #require(pod.container("app")?.hostPID)
            #expect(ProcFS.namespace(debugger, "pid") == ProcFS.namespace(app, "pid"))
            #expect(ProcFS.namespace(debugger, "mnt") != ProcFS.namespace(app, "mnt"))
            for kind in ["net", "ipc", "uts"] {
                #expect(ProcFS.namespace(debugger, kind) == ProcFS.namespace(pod.sandboxPID, kind), "\(kind)")
            }
        }
    }

    @Test("with SYS_PTRACE root reads /proc/1/fd of the target; as uid 1000 without it, permission is denied")
    func ptraceAccess() async throws {
        try await runningDemoPod { pod, _ in
            try pod.startEphemeral(
                busybox("general", "ls -l /proc/1/fd", securityContext: .init(addCapabilities: ["SYS_PTRACE"])),
                targetContainerName: "app")
            try pod.startEphemeral(
                busybox("restricted", "id; grep CapEff /proc/self/status; ls /proc/1/fd", securityContext: .init(runAsUser: 1000)),
                targetContainerName: "app")
            let general = try await finish(pod, "general")
            #expect(general.code == 0, "\(general.log)")
            #expect(general.log.contains("socket:["), "httpd's listening socket: \(general.log)")
            let restricted = try await finish(pod, "restricted")
            #expect(restricted.code != 0)
            #expect(restricted.log.contains("uid=1000"), "\(restricted.log)")
            #expect(restricted.log.contains("CapEff:\t0000000000000000"), "\(restricted.log)")
            #expect(restricted.log.contains("Permission denied"), "\(restricted.log)")
        }
    }

    @Test("capabilities: the default set lacks SYS_PTRACE, added ones are present, drop ALL leaves none, privileged has all")
    func capabilitySets() async throws {
        try await runningDemoPod { pod, _ in
            let cases: [(String, LabRuntime.SecurityContext)] = [
                ("default", .init()), ("ptrace", .init(addCapabilities: ["SYS_PTRACE"])),
                ("none", .init(dropCapabilities: ["ALL"])), ("privileged", .init(privileged: true)),
            ]
            for (name, sc) in cases {
                try pod.startEphemeral(busybox(name, "grep -E '^Cap(Eff|Bnd)' /proc/self/status", securityContext: sc), targetContainerName: "app")
            }
            func mask(_ log: String, _ field: String) -> UInt64? {
                log.split(separator: "\n").first { $0.hasPrefix(field) }.flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
            }
            let ptraceBit: UInt64 = 1 << 19
            let d = try await finish(pod, "default").log
            #expect(mask(d, "CapEff:") == mask(d, "CapBnd:"))
            #expect((mask(d, "CapEff:") ?? ptraceBit) & ptraceBit == 0, "\(d)")
            #expect(mask(d, "CapEff:")?.nonzeroBitCount == LinuxCapabilities.runtimeDefault.count, "\(d)")
            let p = try await finish(pod, "ptrace").log
            #expect((mask(p, "CapEff:") ?? 0) & ptraceBit != 0, "\(p)")
            let n = try await finish(pod, "none").log
            #expect(mask(n, "CapEff:") == 0 && mask(n, "CapBnd:") == 0, "\(n)")
            let host = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
            let privileged = try await finish(pod, "privileged").log
            #expect(mask(privileged, "CapBnd:") == mask(host, "CapBnd:"), "\(privileged)")
        }
    }

    @Test("exit code and termination message; a message over 4096 bytes keeps its last 4096, as the kubelet does")
    func terminationMessages() async throws {
        try await runningDemoPod { pod, _ in
            try pod.startEphemeral(busybox("short", "printf 'sha256:abc123' > /dev/termination-log; exit 7"), targetContainerName: "app")
            try pod.startEphemeral(
                busybox("long", "{ head -c 1000 /dev/zero | tr '\\0' a; head -c 4096 /dev/zero | tr '\\0' b; } > /dev/termination-log"),
                targetContainerName: "app")
            let short = try await finish(pod, "short")
            #expect(short.code == 7)
            #expect(short.message == "sha256:abc123")
            if case .terminated(_, let reason, _, _, _) = pod.containerState("short") { #expect(reason == "Error") }
            let long = try await finish(pod, "long")
            #expect(long.code == 0)
            if case .terminated(_, let reason, _, _, _) = pod.containerState("long") { #expect(reason == "Completed") }
            #expect(long.message == String(repeating: "b", count: 4096))
        }
    }

    @Test("an unknown image: ErrImagePull with the kubelet's message, then ImagePullBackOff")
    func unknownImage() async throws {
        let recorder = StateRecorder()
        let options = LabRuntime.Options(errImagePullDuration: .milliseconds(300), imagePullBackOff: .seconds(5))
        try await withPod(appAndSidecar(), options: options, recorder: recorder) { pod, _ in
            try pod.startEphemeral(
                LabRuntime.ContainerSpec(name: "missing", image: "localhost/nope:1", command: ["ps"]), targetContainerName: "app")
            let state = await pod.waitForState(of: "missing") { $0.summary == "ImagePullBackOff" }
            #expect(recorder.reasons(of: "missing") == ["ContainerCreating", "ErrImagePull", "ImagePullBackOff"])
            let pull = recorder.states(of: "missing").first { $0.1.summary == "ErrImagePull" }?.1
            let expected = "failed to pull and unpack image \"localhost/nope:1\": failed to resolve reference \"localhost/nope:1\": localhost/nope:1: not found"
            #expect(pull == .waiting(reason: "ErrImagePull", message: expected))
            #expect(state == .waiting(reason: "ImagePullBackOff", message: "Back-off pulling image \"localhost/nope:1\": ErrImagePull: \(expected)"))
            #expect(pod.container("missing")?.imageID == "")
        }
    }

    @Test("a start delay keeps the container in ContainerCreating for that long")
    func startDelay() async throws {
        let recorder = StateRecorder()
        try await withPod(appAndSidecar(), recorder: recorder) { pod, _ in
            var spec = busybox("slow", "true")
            spec.startDelay = .milliseconds(700)
            let requested = Date()
            try pod.startEphemeral(spec, targetContainerName: "app")
            _ = await pod.waitForState(of: "slow") { $0.isTerminated }
            let running = try #require(recorder.states(of: "slow").first { $0.1.isRunning })
            #expect(running.0.timeIntervalSince(requested) >= 0.7)
            #expect(recorder.reasons(of: "slow") == ["ContainerCreating", "running", "terminated"])
        }
    }

    @Test("kubelet errors: missing command is a StartError (128), runAsNonRoot as root a CreateContainerConfigError")
    func startErrors() async throws {
        try await runningDemoPod { pod, _ in
            try pod.startEphemeral(
                LabRuntime.ContainerSpec(name: "typo", image: "busybox", command: ["pss"]), targetContainerName: "app")
            try pod.startEphemeral(busybox("nonroot", "true", securityContext: .init(runAsNonRoot: true)), targetContainerName: "app")
            let typo = await pod.waitForState(of: "typo") { $0.isTerminated }
            guard case .terminated(let code, let reason, let message, _, _) = typo else {
                Issue.record("typo: \(String(describing: typo))")
                return
            }
            #expect(code == 128 && reason == "StartError")
            #expect(message?.contains("exec: \"pss\": executable file not found in $PATH") == true)
            let nonroot = await pod.waitForState(of: "nonroot") { $0.isSettled }
            #expect(nonroot?.summary == "CreateContainerConfigError")
            #expect(throws: LabRuntimeError.self) { try pod.startEphemeral(busybox("typo", "true"), targetContainerName: "app") }
            #expect(throws: LabRuntimeError.self) { try pod.startEphemeral(busybox("other", "true"), targetContainerName: "nope") }
        }
    }
}
