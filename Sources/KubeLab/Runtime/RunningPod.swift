import Foundation
import Synchronization

/// A lab pod made of real processes: a sandbox holding the pod's net, ipc and uts namespaces,
/// and one process tree per container (own pid and mnt namespaces, the busybox root, a log file).
///
/// Container states move waiting (ContainerCreating) → running → terminated, or stay waiting
/// with ErrImagePull / ImagePullBackOff; every change is passed to the `onStateChange` callback
/// given to `LabRuntime.startPod`, from a background task, one change at a time per container.
public final class RunningPod: Sendable {
    /// A container as the kubelet would report it, plus what the runtime knows of its processes.
    public struct Container: Sendable, Equatable {
        public var name: String
        public var isEphemeral: Bool
        /// The container whose pid namespace an ephemeral container joined.
        public var targetContainerName: String?
        /// `status.*ContainerStatuses[].state`.
        public var state: LabContainerStatus.State
        public var image: String
        /// Empty until the image is resolved (as the real status shows `imageID: ""`).
        public var imageID: String
        /// `containerd://<64 hex>`, once the container was created.
        public var containerID: String?
        /// Host pid of the container's first process (pid 1 of its pid namespace unless it joined one).
        public var hostPID: Int32?
        /// Where stdout and stderr go: what `kubectl logs -c <name>` serves.
        public var logPath: URL
        /// The file bind-mounted at /dev/termination-log.
        public var terminationMessagePath: URL
        /// The container's cgroup directories, one per hierarchy the lab could use (may be empty).
        public var cgroupDirectories: [String]
        /// True when the container got its own cgroup namespace (cgroup v2 hosts only).
        public var hasCgroupNamespace: Bool
    }

    public let spec: LabRuntime.PodSpec
    /// `<stateDir>/pods/<namespace>_<name>_<uid>`.
    public let directory: URL
    /// Host pid of the sandbox's process that holds the namespaces (pid 1 of the pod's pid
    /// namespace when the pod shares one).
    public let sandboxPID: Int32

    let context: LabRuntime.Context
    let sandbox: SpawnedProcess
    let sandboxTicks: UInt64
    let onStateChange: @Sendable (Container) -> Void
    let state: Mutex<PodState>

    struct ContainerRecord {
        var spec: LabRuntime.ContainerSpec
        var info: Container
        var wrapper: SpawnedProcess?
        var hostPIDTicks: UInt64?
        /// The id it is reported with once it runs, chosen when it was added (its cgroup is named by it).
        var plannedContainerID: String?
        var startedAt: Date?
        var task: Task<Void, Never>?
        /// The container's stdin pipe, when its spec asks for one.
        var stdin: ContainerStdin?
    }

    struct PodState {
        var containers: [String: ContainerRecord] = [:]
        /// Names in the order they were added (spec order, then ephemeral ones).
        var order: [String] = []
        var stopped = false
    }

    init(
        spec: LabRuntime.PodSpec, directory: URL, context: LabRuntime.Context, sandbox: SpawnedProcess,
        sandboxPID: Int32, sandboxTicks: UInt64, onStateChange: @escaping @Sendable (Container) -> Void
    ) {
        self.spec = spec
        self.directory = directory
        self.context = context
        self.sandbox = sandbox
        self.sandboxPID = sandboxPID
        self.sandboxTicks = sandboxTicks
        self.onStateChange = onStateChange
        self.state = Mutex(PodState())
    }

    /// The current state of a container (regular or ephemeral); nil for an unknown name.
    public func containerState(_ name: String) -> LabContainerStatus.State? {
        state.withLock { $0.containers[name]?.info.state }
    }

    /// Everything known about a container; nil for an unknown name.
    public func container(_ name: String) -> Container? {
        state.withLock { $0.containers[name]?.info }
    }

    /// All containers, regular ones first in spec order, then ephemeral ones in the order they were added.
    public var containers: [Container] {
        state.withLock { s in s.order.compactMap { s.containers[$0]?.info } }
    }

    /// The stdin of a running container whose spec asks for one (and that was not closed).
    func stdin(of name: String) -> ContainerStdin? {
        state.withLock { s in
            guard let record = s.containers[name], case .running = record.info.state else { return nil }
            return record.stdin
        }
    }

    /// The log file of a container (it exists once the container has started).
    public func logPath(container name: String) -> URL {
        directory.appendingPathComponent("\(name).log")
    }

    /// Waits until the container's state satisfies `condition`, or the timeout passes; returns the
    /// last state seen (nil for an unknown container). Polls every 10 ms: meant for tests and tools.
    @discardableResult
    public func waitForState(
        of name: String, timeout: Duration = .seconds(10),
        until condition: @Sendable (LabContainerStatus.State) -> Bool
    ) async -> LabContainerStatus.State? {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard let current = containerState(name) else { return nil }
            if condition(current) || ContinuousClock.now >= deadline { return current }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Starts an ephemeral container, as the kubelet does after `PATCH pods/{pod}/ephemeralcontainers`:
    /// with a target it joins that container's pid namespace (the sandbox's when the pod shares
    /// one; a new one of its own without a target), the pod's net, ipc and uts namespaces, and
    /// gets its own mount namespace with its image's root. Returns at once (state: waiting,
    /// ContainerCreating); the start happens in the background and is reported by `onStateChange`.
    public func startEphemeral(_ container: LabRuntime.ContainerSpec, targetContainerName target: String?) throws(LabRuntimeError) {
        try add(container, ephemeral: true, target: target)
    }

    /// The pod's directory entry name: `<namespace>_<name>_<uid>`, as the kubelet names /var/log/pods entries.
    static func directoryName(_ spec: LabRuntime.PodSpec) -> String {
        "\(spec.namespace)_\(spec.name)_\(spec.uid)"
    }

    var hostname: String { String((spec.hostname ?? spec.name).prefix(63)) }

    /// Paths of a container's per-container files.
    func runDirectory(_ name: String) -> URL { directory.appendingPathComponent("run/\(name)") }
}
