import Foundation

/// Plays the kubelet between the lab's API objects and its runtime: starts the processes of
/// pods that run them (`LabPod.runsProcesses`), starts ephemeral containers added through the
/// API, writes every container state change back into the pod's status (a MODIFIED event and
/// a new resourceVersion each), copies the runtime's log files into the log store that
/// `GET pods/{pod}/log` serves, and stops pods when they are deleted or the lab stops.
///
/// Without a runtime (`runtime: false` topologies) it does nothing but give ephemeral
/// containers a `waiting` status: there is no node to run them.
final class LabKubelet: Sendable {
    let runtime: LabRuntime?
    let store: LabStore
    let logs: LabLogStore
    let faults: LabFaults

    /// One pod the kubelet is responsible for. `running` is nil while its sandbox starts.
    struct Entry: Sendable {
        var uid: String
        var running: RunningPod?
        /// Deleted (or the lab stops) while the sandbox was starting: stop it as soon as it is up.
        var deleted = false
        var pendingEphemeral: [PendingEphemeral] = []
        var startTask: Task<Void, Never>?
        var tailTask: Task<Void, Never>?
    }

    struct PendingEphemeral: Sendable {
        var spec: LabRuntime.ContainerSpec
        var target: String?
    }

    private let entries = LabMutex<[String: Entry]>([:])
    /// How far each log file has been copied into the log store (`namespace/pod/container`).
    /// Its lock also serialises the copying, so that no byte is copied twice.
    private let logOffsets = LabMutex<[String: LogCopy]>([:])

    /// Where the copying of one container's log file stands.
    struct LogCopy: Sendable {
        /// Bytes of the runtime's file already copied.
        var offset: UInt64 = 0
        /// The time given to the records of the last copy; later copies are never earlier.
        var time = CRILogTime(seconds: 0, nanoseconds: 0)
    }

    /// How often the logs of running containers that someone follows are copied.
    static let tailInterval = Duration.milliseconds(100)

    init(runtime: LabRuntime?, store: LabStore, logs: LabLogStore, faults: LabFaults) {
        self.runtime = runtime
        self.store = store
        self.logs = logs
        self.faults = faults
    }

    // MARK: pods

    /// Starts a pod's processes in the background; returns at once. Its containers are first
    /// reported `waiting` (ContainerCreating), then `running` as the runtime starts them.
    func start(_ pod: LabPod) {
        guard runtime != nil, pod.runsProcesses else { return }
        let key = pod.key
        entries.withLock { $0[key] = Entry(uid: pod.uid) }
        let task = Task { await self.run(pod) }
        entries.withLock { s in
            if s[key]?.uid == pod.uid { s[key]?.startTask = task }
        }
    }

    private func run(_ pod: LabPod) async {
        guard let runtime else { return }
        let (namespace, name, uid, key) = (pod.namespace, pod.name, pod.uid, pod.key)
        let running: RunningPod
        do {
            running = try await runtime.startPod(LabKubelet.podSpec(pod, startDelay: .milliseconds(faults.containerStartDelayMilliseconds))) { [self] container in
                self.containerChanged(namespace: namespace, pod: name, uid: uid, container)
            }
        } catch {
            // The kubelet's view of a sandbox that cannot be created: every container waits.
            store.updatePodIf(namespace: namespace, name: name) { p in
                guard p.uid == uid else { return false }
                for i in p.containerStatuses.indices {
                    p.containerStatuses[i].state = .waiting(reason: "CreateContainerError", message: error.message)
                }
                return true
            }
            entries.withLock { s in if s[key]?.uid == uid { s[key] = nil } }
            return
        }
        let (deleted, pending) = entries.withLock { s -> (Bool, [PendingEphemeral]) in
            guard var entry = s[key], entry.uid == uid else { return (true, []) }
            entry.running = running
            let pending = entry.pendingEphemeral
            entry.pendingEphemeral = []
            s[key] = entry
            return (entry.deleted, pending)
        }
        if deleted {
            await running.stop()
            entries.withLock { s in if s[key]?.uid == uid { s[key] = nil } }
            return
        }
        for p in pending { try? running.startEphemeral(p.spec, targetContainerName: p.target) }
        let tail = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: LabKubelet.tailInterval)
                // Logs nobody follows are copied when read and when their container ends.
                for c in running.containers where logs.hasFollowers(namespace: namespace, pod: name, container: c.name) {
                    if case .running = c.state { copyLog(namespace: namespace, pod: name, container: c.name, from: c.logPath) }
                }
            }
        }
        entries.withLock { s in if s[key]?.uid == uid { s[key]?.tailTask = tail } }
    }

    /// Stops a pod's processes (it was deleted); waits until they are gone.
    func stop(namespace: String, name: String) async {
        let key = namespace + "/" + name
        let entry = entries.withLock { s -> Entry? in
            guard var entry = s[key] else { return nil }
            if entry.running == nil {
                entry.deleted = true
                s[key] = entry
            } else {
                s[key] = nil
            }
            return entry
        }
        guard let entry else { return }
        entry.tailTask?.cancel()
        if let running = entry.running {
            await running.stop()
        } else {
            await entry.startTask?.value
        }
        logOffsets.withLock { offsets in
            for k in offsets.keys where k.hasPrefix(key + "/") { offsets[k] = nil }
        }
    }

    /// Stops every pod at once; returns when no process of any pod is left.
    func stopAll() async {
        let keys = entries.withLock { Array($0.keys) }
        await withTaskGroup(of: Void.self) { group in
            for key in keys {
                let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                group.addTask { await self.stop(namespace: parts[0], name: parts[1]) }
            }
        }
    }

    /// Waits until every started pod has all its containers out of `waiting`, or the timeout passes.
    func waitUntilStarted(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let keys = entries.withLock { Array($0.keys) }
            let pending = keys.contains { key in
                let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                guard parts.count == 2, let pod = store.pod(namespace: parts[0], name: parts[1])?.pod else { return false }
                return pod.containerStatuses.contains { if case .waiting(let reason, _) = $0.state { reason == "ContainerCreating" } else { false } }
            }
            if !pending { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    var runningPodCount: Int { entries.withLock { $0.count } }

    /// The processes of a pod, for tests and the lab's own callers; nil for API-only pods.
    func runningPod(namespace: String, name: String) -> RunningPod? {
        entries.withLock { $0[namespace + "/" + name]?.running }
    }

    // MARK: ephemeral containers

    /// Starts an ephemeral container the API has just added to the pod's spec.
    func startEphemeral(_ container: LabEphemeralContainer, in pod: LabPod) {
        guard runtime != nil, pod.runsProcesses else {
            // No node runs this pod: the container waits forever, as on a node that is gone.
            store.updatePodIf(namespace: pod.namespace, name: pod.name) { p in
                guard p.uid == pod.uid, !p.ephemeralContainerStatuses.contains(where: { $0.name == container.name }) else { return false }
                p.ephemeralContainerStatuses.append(
                    LabContainerStatus(
                        name: container.name, state: .waiting(reason: "ContainerCreating", message: nil), ready: false, started: false,
                        image: container.image, imageID: "", containerID: nil))
                return true
            }
            return
        }
        let delay = faults.containerStartDelayMilliseconds
        let spec = LabKubelet.containerSpec(
            name: container.name, image: container.image, command: container.command, args: container.args, env: container.env,
            securityContext: LabSecurityContext.runtimeContext(container: container.securityContext, pod: pod.securityContext),
            terminationMessagePolicy: container.terminationMessagePolicy, startDelay: .milliseconds(delay),
            stdin: container.stdin == true, stdinOnce: container.stdinOnce == true)
        let running = entries.withLock { s -> RunningPod? in
            guard var entry = s[pod.key], entry.uid == pod.uid else { return nil }
            if let running = entry.running { return running }
            entry.pendingEphemeral.append(PendingEphemeral(spec: spec, target: container.targetContainerName))
            s[pod.key] = entry
            return nil
        }
        try? running?.startEphemeral(spec, targetContainerName: container.targetContainerName)
    }

    // MARK: status and logs

    /// Writes a container's new state into its pod's status. The log is copied first, so that
    /// a client that sees `terminated` reads the whole log.
    private func containerChanged(namespace: String, pod: String, uid: String, _ c: RunningPod.Container) {
        switch c.state {
        case .running:
            copyLog(namespace: namespace, pod: pod, container: c.name, from: c.logPath)
        case .terminated:
            copyLastOfLog(namespace: namespace, pod: pod, container: c.name, from: c.logPath)
        case .waiting:
            break
        }
        let now = Date()
        store.updatePodIf(namespace: namespace, name: pod) { p in
            guard p.uid == uid else { return false }
            var isRunning = false
            if case .running = c.state { isRunning = true }
            var isTerminated = false
            if case .terminated = c.state { isTerminated = true }
            if c.isEphemeral {
                let status = LabContainerStatus(
                    name: c.name, state: c.state, ready: false, started: isRunning, image: c.image, imageID: c.imageID,
                    containerID: c.containerID)
                if let i = p.ephemeralContainerStatuses.firstIndex(where: { $0.name == c.name }) {
                    p.ephemeralContainerStatuses[i] = status
                } else {
                    p.ephemeralContainerStatuses.append(status)
                }
            } else {
                guard let i = p.containerStatuses.firstIndex(where: { $0.name == c.name }) else { return false }
                p.containerStatuses[i].state = c.state
                p.containerStatuses[i].ready = isRunning
                p.containerStatuses[i].started = isRunning || isTerminated
                if !c.imageID.isEmpty { p.containerStatuses[i].imageID = c.imageID }
                p.containerStatuses[i].containerID = c.containerID
                let allRunning = p.containerStatuses.allSatisfy { if case .running = $0.state { true } else { false } }
                if allRunning, p.phase == .Pending {
                    p.phase = .Running
                    p.readySince = now
                }
                // The lab restarts no container: a pod whose containers have all ended is done
                // when its restartPolicy says so (with Always, it stays Running, not ready).
                let exitCodes = p.containerStatuses.compactMap { s -> Int? in
                    if case .terminated(let code, _, _, _, _) = s.state { return code }
                    return nil
                }
                if exitCodes.count == p.containerStatuses.count, p.restartPolicy != "Always" {
                    p.phase = exitCodes.allSatisfy { $0 == 0 } ? .Succeeded : .Failed
                }
            }
            p.observedGeneration = nil
            return true
        }
    }

    /// Copies what a container's log file holds beyond what was copied before into the log
    /// store, which cuts it into CRI records. The runtime sends stdout and stderr of a
    /// container to one file (ContainerScripts: `>>"$KL_LOG" 2>&1`), so the two cannot be told
    /// apart here: every record says `stdout`.
    ///
    /// The records get the file's modification time (never later than now, never earlier than
    /// the previous copy): the lab copies only when someone reads or follows the log or the
    /// container changes state, and the last write to the file is closer to when these lines
    /// were written than the moment they happen to be copied. `sinceSeconds` depends on it.
    func copyLog(namespace: String, pod: String, container: String, from path: URL) {
        let key = LabLogStore.key(namespace, pod, container)
        logOffsets.withLock { offsets in
            var copy = offsets[key] ?? LogCopy()
            guard let handle = try? FileHandle(forReadingFrom: path) else { return }
            defer { try? handle.close() }
            guard (try? handle.seek(toOffset: copy.offset)) != nil, let data = try? handle.readToEnd(), !data.isEmpty else { return }
            copy.offset += UInt64(data.count)
            copy.time = max(copy.time, min(CRILogTime.now(), LabKubelet.modificationTime(of: path) ?? .now()))
            offsets[key] = copy
            logs.append(namespace: namespace, pod: pod, container: container, stream: .stdout, at: copy.time, Array(data))
        }
    }

    /// Copies the rest of an ended container's log; the line it left without a newline becomes
    /// the file's last (`P`) record, and followers see the end.
    private func copyLastOfLog(namespace: String, pod: String, container: String, from path: URL) {
        copyLog(namespace: namespace, pod: pod, container: container, from: path)
        // containerd writes that record when the stream closes, that is when the container exits.
        logs.end(namespace: namespace, pod: pod, container: container, at: .now())
    }

    static func modificationTime(of path: URL) -> CRILogTime? {
        var info = stat()
        guard stat(path.path, &info) == 0 else { return nil }
        return CRILogTime(info.st_mtim)
    }

    /// Brings a container's served log up to date before a read.
    func refreshLog(namespace: String, pod: String, container: String) {
        guard let running = runningPod(namespace: namespace, name: pod) else { return }
        copyLog(namespace: namespace, pod: pod, container: container, from: running.logPath(container: container))
    }

    // MARK: specs

    /// What the runtime needs of a pod; `startDelay` holds each container in
    /// ContainerCreating first (the faults' slow node, for pods started after it is set).
    static func podSpec(_ pod: LabPod, startDelay: Duration = .zero) -> LabRuntime.PodSpec {
        LabRuntime.PodSpec(
            namespace: pod.namespace, name: pod.name, uid: pod.uid,
            containers: pod.containers.map { c in
                containerSpec(
                    name: c.name, image: c.image, command: c.command, args: c.args, env: c.env,
                    securityContext: LabSecurityContext.runtimeContext(container: c.securityContext, pod: pod.securityContext),
                    startDelay: startDelay)
            },
            shareProcessNamespace: pod.shareProcessNamespace ?? false, hostname: pod.hostname, hostPID: pod.hostPID ?? false)
    }
}

extension LabPod {
    /// The state of a pod whose sandbox is being created: Pending, every container waiting.
    mutating func markContainersCreating() {
        phase = .Pending
        containerStatuses = containers.map { c in
            LabContainerStatus(
                name: c.name, state: .waiting(reason: "ContainerCreating", message: nil), ready: false, started: false,
                image: LabNames.normalizedImage(c.image), imageID: "", containerID: nil)
        }
    }
}
