import Foundation

/// The lab's container runtime: makes lab pods real Linux process trees, as a kubelet with
/// containerd and runc would, using util-linux (unshare, nsenter, setpriv) and Debian's static
/// busybox as the only image. Everything it creates lives under its state directory
/// (`images/`, `pods/<namespace>_<name>_<uid>/`, `runtime-tools/`) and in cgroup directories
/// under `kubelab/` of each cgroup hierarchy it can use.
///
/// It needs root. At lab start, call `cleanUpStrays(stateDirectory:)` first: it removes what a
/// previous lab killed with SIGKILL left behind.
public final class LabRuntime: Sendable {
    public let stateDirectory: URL
    public let images: LabImageStore
    let context: Context

    /// What every pod of this runtime shares.
    struct Context: Sendable {
        var options: Options
        var images: LabImageStore
        var tools: RuntimeTools
        var cgroups: LabCgroups
        /// Number of capabilities the kernel knows (cap_last_cap + 1), capped to the names we know.
        var availableCapabilities: Int
    }

    /// Checks for root and the host tools, prepares the state directory and builds the busybox image.
    public init(stateDirectory: URL, options: Options = .init()) throws(LabRuntimeError) {
        let uid = geteuid()
        guard uid == 0 else { throw LabRuntimeError.needsRoot(uid: uid) }
        self.stateDirectory = stateDirectory
        do {
            try FileManager.default.createDirectory(at: stateDirectory.appendingPathComponent("pods"), withIntermediateDirectories: true)
        } catch {
            throw LabRuntimeError(.stateDirectory, "Could not create the lab runtime's state directory \(stateDirectory.path): \(error).")
        }
        let tools = try RuntimeTools.prepare(busybox: options.busyboxPath, stateDirectory: stateDirectory)
        images = LabImageStore(directory: stateDirectory.appendingPathComponent("images"), busyboxPath: options.busyboxPath)
        _ = try images.busyboxBuild()
        let last = (try? String(contentsOfFile: "/proc/sys/kernel/cap_last_cap", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 40
        context = Context(
            options: options, images: images, tools: tools, cgroups: LabCgroups.detect(),
            availableCapabilities: min(last + 1, LinuxCapabilities.names.count))
    }

    /// The cgroup hierarchies containers are placed in (e.g. `/sys/fs/cgroup/pids`), and whether
    /// each container gets its own cgroup namespace (cgroup v2 hosts only).
    public var cgroupHierarchies: (roots: [String], namespaces: Bool) { (context.cgroups.roots, context.cgroups.namespaces) }

    /// Starts a pod: creates its sandbox (waits for it, a few milliseconds) and starts its
    /// containers in the background. Every container state change, including each container's
    /// first `waiting` (ContainerCreating), is passed to `onStateChange`, always from a background
    /// task (never from within `startPod` or `startEphemeral` themselves).
    /// Throws when the sandbox cannot be created (the pod then has no process left).
    public func startPod(
        _ spec: PodSpec, onStateChange: @escaping @Sendable (RunningPod.Container) -> Void = { _ in }
    ) async throws(LabRuntimeError) -> RunningPod {
        let directory = stateDirectory.appendingPathComponent("pods/\(RunningPod.directoryName(spec))")
        let podCgroups = context.cgroups.podDirectories(uid: spec.uid)
        let hostname = String((spec.hostname ?? spec.name).prefix(63))
        do {
            let fm = FileManager.default
            try fm.createDirectory(at: directory.appendingPathComponent("etc"), withIntermediateDirectories: true)
            if spec.shareProcessNamespace {
                try fm.createDirectory(at: directory.appendingPathComponent("pause-root"), withIntermediateDirectories: true)
            }
            try Data("\(hostname)\n".utf8).write(to: directory.appendingPathComponent("etc/hostname"))
            let hosts = "# Kubernetes-managed hosts file (lab).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            try Data(hosts.utf8).write(to: directory.appendingPathComponent("etc/hosts"))
            try Data("nameserver 127.0.0.53\nsearch \(spec.namespace).svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n".utf8)
                .write(to: directory.appendingPathComponent("etc/resolv.conf"))
        } catch {
            throw LabRuntimeError(.stateDirectory, "Could not create the directory of pod \(spec.namespace)/\(spec.name) at \(directory.path): \(error).")
        }
        try LabCgroups.create(podCgroups)
        // Recorded before anything runs, so that a crash during the start still leaves a trace.
        RuntimeStateFile(namespace: spec.namespace, name: spec.name, uid: spec.uid, processes: [], cgroupDirectories: podCgroups)
            .write(to: directory)

        var arguments = ["--net", "--ipc", "--uts"]
        // A shared pid namespace shows the pause process to every container: it gets a root of its own.
        if spec.shareProcessNamespace { arguments += ["--mount", "--pid", "--fork", "--kill-child"] }
        arguments += ["--", context.tools.busybox, "sh", "-c", ContainerScripts.sandbox, "kubelab-sandbox"]
        let environment = [
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "KL_BUSYBOX": context.tools.busybox,
            "KL_HOSTNAME": hostname,
            "KL_SANDBOX_ROOT": directory.appendingPathComponent("pause-root").path,
            "KL_PID_NAMESPACE": spec.shareProcessNamespace ? "1" : "0",
            "KL_CGROUP_PROCS": podCgroups.map { "\($0)/cgroup.procs" }.joined(separator: " "),
        ]
        let sandbox: SpawnedProcess
        do {
            sandbox = try SpawnedProcess.spawn(RuntimeTools.unshare, arguments, environment: environment)
        } catch {
            LabCgroups.killAndRemove(podCgroups)
            throw LabRuntimeError(.sandboxFailed, "Could not run \(RuntimeTools.unshare) for the sandbox of pod \(spec.namespace)/\(spec.name): \(error).")
        }
        let handshake = await sandbox.handshake()
        guard case .ready(let pid) = handshake, let ticks = ProcFS.startTicks(pid) else {
            kill(sandbox.pid, SIGKILL)
            let exit = await sandbox.waitForExit()
            LabCgroups.killAndRemove(podCgroups)
            var output = ""
            if case .failed(let text) = handshake { output = text.trimmingCharacters(in: .whitespacesAndNewlines) }
            throw LabRuntimeError(
                .sandboxFailed,
                "The sandbox of pod \(spec.namespace)/\(spec.name) did not come up: unshare ended with exit code \(exit.exitCode)"
                    + (output.isEmpty ? "." : " and said: \(output)"))
        }
        let pod = RunningPod(
            spec: spec, directory: directory, context: context, sandbox: sandbox, sandboxPID: pid, sandboxTicks: ticks,
            onStateChange: onStateChange)
        pod.writeStateFile()
        for container in spec.containers {
            do {
                try pod.add(container, ephemeral: false, target: nil)
            } catch {
                await pod.stop()
                throw error
            }
        }
        return pod
    }
}
