import Foundation
import Synchronization
import Testing

@testable import KubeLab

/// A runtime on a fresh temporary state directory; `cleanUp` kills whatever is left and removes it.
struct RuntimeFixture {
    let directory: URL
    let runtime: LabRuntime

    static func make(options: LabRuntime.Options = .init()) throws -> RuntimeFixture {
        var template = Array("/tmp/kubelab-runtime-test-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, let p = mkdtemp(base) else { return nil }
            return String(cString: p)
        }
        let directory = URL(fileURLWithPath: try #require(path))
        return RuntimeFixture(directory: directory, runtime: try LabRuntime(stateDirectory: directory, options: options))
    }

    func cleanUp() {
        LabRuntime.cleanUpStrays(stateDirectory: directory)
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs `body` with a started pod and always stops the pod and removes the state directory,
/// also when `body` throws or an expectation fails.
func withPod(
    _ spec: LabRuntime.PodSpec, options: LabRuntime.Options = .init(), recorder: StateRecorder = StateRecorder(),
    _ body: (RunningPod, RuntimeFixture) async throws -> Void
) async throws {
    let fixture = try RuntimeFixture.make(options: options)
    defer { fixture.cleanUp() }
    let pod = try await fixture.runtime.startPod(spec) { recorder.record($0) }
    do {
        try await body(pod, fixture)
    } catch {
        await pod.stop()
        throw error
    }
    await pod.stop()
}

/// Every state change a pod reported, in order, with the time it arrived.
final class StateRecorder: Sendable {
    private let changes = Mutex<[(Date, RunningPod.Container)]>([])

    func record(_ container: RunningPod.Container) {
        changes.withLock { $0.append((Date(), container)) }
    }

    func states(of name: String) -> [(Date, LabContainerStatus.State)] {
        changes.withLock { $0.filter { $0.1.name == name }.map { ($0.0, $0.1.state) } }
    }

    /// `ContainerCreating`, `running`, `ErrImagePull`, `terminated`… without repeats.
    func reasons(of name: String) -> [String] {
        var out: [String] = []
        for (_, state) in states(of: name) {
            let r = state.summary
            if out.last != r { out.append(r) }
        }
        return out
    }
}

extension LabContainerStatus.State {
    var summary: String {
        switch self {
        case .waiting(let reason, _): reason
        case .running: "running"
        case .terminated: "terminated"
        }
    }

    var isTerminated: Bool { if case .terminated = self { true } else { false } }
    var isRunning: Bool { if case .running = self { true } else { false } }
    var isSettled: Bool { !(self == .waiting(reason: "ContainerCreating", message: nil)) }
}

func busybox(_ name: String, _ script: String, securityContext: LabRuntime.SecurityContext = .init()) -> LabRuntime.ContainerSpec {
    LabRuntime.ContainerSpec(name: name, image: "busybox:1.36", command: ["sh", "-c", script], securityContext: securityContext)
}

func newUID() -> String { UUID().uuidString.lowercased() }

/// The demo pair: `app` serves HTTP on 8080, `sidecar` fetches the pod's hostname from it once
/// (proving the shared network and uts namespaces) and then holds a connection open.
func appAndSidecar(name: String = "checkout-\(Int.random(in: 1000...9999))", shareProcessNamespace: Bool = false) -> LabRuntime.PodSpec {
    LabRuntime.PodSpec(
        namespace: "shop", name: name, uid: newUID(),
        containers: [
            LabRuntime.ContainerSpec(name: "app", image: "docker.io/library/busybox:1.36", command: ["httpd", "-f", "-p", "8080"]),
            busybox(
                "sidecar",
                "echo uts=$(hostname); until page=$(wget -q -O- http://127.0.0.1:8080/etc/hostname); do sleep 0.1; done; "
                    + "echo fetched=$page; "
                    + "while true; do sleep 1000 | nc 127.0.0.1 8080; sleep 1; done"),
        ],
        shareProcessNamespace: shareProcessNamespace)
}

/// Reads a file the runtime wrote (a container log), empty when missing.
func contents(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

/// Waits until `condition` holds, polling every 20 ms; false on timeout.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
