import Foundation

/// The command line that turns a container spec into a process tree:
/// `nsenter` (the pod's net, ipc, uts; a joined pid namespace) → `unshare` (own mnt, own pid
/// namespace unless joining one) → the setup script → `env -i` → [`unshare --cgroup`] →
/// `pivot_root <root>` (busybox sh) → setpriv (through /proc/self/fd) → the command.
struct ContainerLaunchPlan: Sendable {
    /// Why a container cannot start, in the kubelet's categories.
    enum Failure: Error, Sendable {
        /// CreateContainerConfigError (waiting): e.g. runAsNonRoot with a root user.
        case config(String)
        /// CreateContainerError (waiting): e.g. an unknown capability.
        case create(String)
        /// StartError (terminated, exit code 128): e.g. the command does not exist in the image.
        case start(String)
    }

    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var runDirectory: URL

    static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Users and groups of the busybox image's /etc/passwd: uid → (gid, home).
    static let imageUsers: [Int: (gid: Int, home: String)] = [0: (0, "/root"), 1000: (1000, "/home/user"), 65534: (65534, "/home")]
}

extension RunningPod {
    /// Checks the spec against the image and builds the launch plan, creating the container's
    /// files (log, termination log, root mount point) and cgroup directories on the way.
    func prepareLaunch(_ name: String, spec: LabRuntime.ContainerSpec, image: LabImage) throws -> ContainerLaunchPlan {
        let sc = spec.securityContext
        let uid = sc.runAsUser ?? 0
        let gid = sc.runAsGroup ?? ContainerLaunchPlan.imageUsers[uid]?.gid ?? 0
        if sc.runAsNonRoot == true {
            if sc.runAsUser == nil {
                throw ContainerLaunchPlan.Failure.config(
                    "container has runAsNonRoot and image will run as root (pod: \"\(self.spec.kubeletName)\", container: \(name))")
            }
            if uid == 0 {
                throw ContainerLaunchPlan.Failure.config(
                    "container's runAsUser breaks non-root policy (pod: \"\(self.spec.kubeletName)\", container: \(name))")
            }
        }
        let caps = LinuxCapabilities.effectiveSet(
            add: sc.addCapabilities, drop: sc.dropCapabilities, available: context.availableCapabilities)
        if let unknown = caps.unknown.first {
            throw ContainerLaunchPlan.Failure.create("failed to generate container spec: unknown capability \"CAP_\(unknown.uppercased())\"")
        }
        let argv = spec.argv
        guard Self.commandExists(argv[0], in: image.rootfs) else {
            throw ContainerLaunchPlan.Failure.start(
                "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: "
                    + "unable to start container process: exec: \"\(argv[0])\": executable file not found in $PATH: unknown")
        }

        let fm = FileManager.default
        let run = runDirectory(name)
        let rootMount = run.appendingPathComponent("rootfs")
        let terminationLog = run.appendingPathComponent("termination-log")
        let log = logPath(container: name)
        try fm.createDirectory(at: rootMount, withIntermediateDirectories: true)
        if !fm.fileExists(atPath: terminationLog.path) { _ = fm.createFile(atPath: terminationLog.path, contents: nil) }
        // The container may run as any uid: the file it writes its message into must let it.
        chmod(terminationLog.path, 0o666)
        if !fm.fileExists(atPath: log.path) { _ = fm.createFile(atPath: log.path, contents: nil) }
        let cgroups = state.withLock { $0.containers[name]?.info.cgroupDirectories } ?? []
        try LabCgroups.create(cgroups)

        var env = ["PATH=\(ContainerLaunchPlan.path)", "HOSTNAME=\(hostname)", "HOME=\(ContainerLaunchPlan.imageUsers[uid]?.home ?? "/")"]
        env += spec.environment.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }
        var final = [RuntimeTools.env, "-i"] + env
        if context.cgroups.namespaces { final += [RuntimeTools.unshare, "--cgroup", "--"] }
        // The container's root becomes its mount namespace's root (pivot_root, as runc does), so
        // that /proc/<pid>/exe and cwd read `/bin/busybox` and `/` from any other container, as on
        // a real node; a chroot would show the lab's host paths.
        final += [context.tools.busybox, "sh", "-c", ContainerScripts.pivotRoot, "kubelab-pivot", rootMount.path]
        final += ["/proc/self/fd/8", "--library-path", "/proc/self/fd/9", "/proc/self/fd/7"]
        final += LinuxCapabilities.setprivArguments(
            set: caps.set, privileged: sc.privileged, uid: uid, gid: gid,
            noNewPrivileges: sc.allowPrivilegeEscalation == false && !sc.privileged)
        final += ["--", "/bin/sh", "-c", ContainerScripts.closeAndExec, "sh"] + argv

        // Which pid namespace: the target's (ephemeral), the sandbox's (shared), or a new one.
        let joinPID: Int32? = state.withLock { s in
            if let target = s.containers[name]?.info.targetContainerName {
                return s.containers[target]?.info.hostPID ?? -1
            }
            return self.spec.shareProcessNamespace ? sandboxPID : nil
        }
        if joinPID == -1 {
            throw ContainerLaunchPlan.Failure.start(
                "failed to create containerd task: the target container of \(name) in pod \(self.spec.namespace)/\(self.spec.name) is not running: unknown")
        }
        var arguments = [
            "--net=/proc/\(sandboxPID)/ns/net", "--ipc=/proc/\(sandboxPID)/ns/ipc", "--uts=/proc/\(sandboxPID)/ns/uts",
        ]
        if self.spec.hostPID {
            // The host's pid namespace: its /proc shows every lab pod's processes.
            arguments += ["--", RuntimeTools.unshare, "--mount", "--"]
        } else if let joinPID {
            arguments += ["--pid=/proc/\(joinPID)/ns/pid", "--", RuntimeTools.unshare, "--mount", "--"]
        } else {
            arguments += ["--", RuntimeTools.unshare, "--pid", "--mount", "--fork", "--kill-child", "--"]
        }
        arguments += [context.tools.busybox, "sh", "-c", ContainerScripts.container, "kubelab-\(name)"] + final

        var environment = [
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "KL_CGROUP_PROCS": cgroups.map { "\($0)/cgroup.procs" }.joined(separator: " "),
            "KL_ROOTFS": rootMount.path,
            "KL_IMAGE_ROOTFS": image.rootfs.path,
            "KL_TERMINATION_LOG": terminationLog.path,
            "KL_LOG": log.path,
            "KL_ETC_HOSTNAME": directory.appendingPathComponent("etc/hostname").path,
            "KL_ETC_HOSTS": directory.appendingPathComponent("etc/hosts").path,
            "KL_ETC_RESOLV": directory.appendingPathComponent("etc/resolv.conf").path,
            "KL_SETPRIV": context.tools.setprivCopy,
            "KL_LOADER": context.tools.loaderCopy,
            "KL_LIBRARIES": context.tools.libraryDirectory,
        ]
        if spec.stdin {
            let stdin = try ContainerStdin(path: run.appendingPathComponent("stdin"), once: spec.stdinOnce)
            state.withLock { $0.containers[name]?.stdin = stdin }
            environment["KL_STDIN"] = stdin.path.path
        }
        return ContainerLaunchPlan(executable: RuntimeTools.nsenter, arguments: arguments, environment: environment, runDirectory: run)
    }

    /// Whether `command` resolves inside the image root (a path, or a name on PATH).
    /// Symlinks in the image are absolute (`/bin/busybox`), so they are resolved against the root.
    static func commandExists(_ command: String, in rootfs: URL) -> Bool {
        let candidates: [String] =
            command.contains("/")
            ? [command] : ContainerLaunchPlan.path.split(separator: ":").map { "\($0)/\(command)" }
        let fm = FileManager.default
        for candidate in candidates {
            var path = rootfs.path + (candidate.hasPrefix("/") ? candidate : "/" + candidate)
            for _ in 0..<8 {
                guard let target = try? fm.destinationOfSymbolicLink(atPath: path) else { break }
                path = target.hasPrefix("/") ? rootfs.path + target : (path as NSString).deletingLastPathComponent + "/" + target
            }
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue, fm.isExecutableFile(atPath: path) { return true }
        }
        return false
    }
}
