import Foundation

extension RunningPod {
    /// Stops the pod: kills every container's process tree (killing a pid namespace's first
    /// process kills the namespace), the sandbox, and whatever is left in the pod's cgroups;
    /// waits for them to be gone; removes the cgroup directories and the pod's directory (logs
    /// included: the pod is deleted). Mounts lived in the containers' own mount namespaces and
    /// vanish with them; any left below the pod directory are detached. Safe to call twice.
    public func stop() async {
        let (tasks, wrappers, pids) = state.withLock { s -> ([Task<Void, Never>], [Int32], [(Int32, UInt64)]) in
            s.stopped = true
            var tasks: [Task<Void, Never>] = []
            var wrappers: [Int32] = []
            var pids: [(Int32, UInt64)] = []
            for record in s.containers.values {
                if let task = record.task { tasks.append(task) }
                // A wrapper (unshare or nsenter) reaps its container and then exits by itself; it
                // is killed only when its container never came up. Killing it first would hand
                // the container's zombie to the host's init, and a dying pid namespace waits for
                // that zombie to be reaped (a second or more on this machine).
                if record.info.hostPID == nil, let wrapper = record.wrapper, !wrapper.hasExited { wrappers.append(wrapper.pid) }
                if let pid = record.info.hostPID, let ticks = record.hostPIDTicks { pids.append((pid, ticks)) }
            }
            return (tasks, wrappers, pids)
        }
        for task in tasks { task.cancel() }
        for (pid, ticks) in pids where ProcFS.isAlive(pid, startTicks: ticks) { kill(pid, SIGKILL) }
        for pid in wrappers { kill(pid, SIGKILL) }
        if ProcFS.isAlive(sandboxPID, startTicks: sandboxTicks) { kill(sandboxPID, SIGKILL) }
        let containerCgroups = state.withLock { s in s.containers.values.flatMap(\.info.cgroupDirectories) }
        LabCgroups.killAndRemove(containerCgroups)
        for task in tasks { await task.value }
        // Again: a container whose start raced with the stop may have joined its cgroup late.
        LabCgroups.killAndRemove(containerCgroups)
        // With a shared pid namespace the sandbox runs under an unshare that reaps it and exits;
        // it is killed only if it does not.
        let sandboxDeadline = ContinuousClock.now + .seconds(2)
        while !sandbox.hasExited, ContinuousClock.now < sandboxDeadline { try? await Task.sleep(for: .milliseconds(5)) }
        if !sandbox.hasExited { kill(sandbox.pid, SIGKILL) }
        _ = await sandbox.waitForExit()
        LabCgroups.killAndRemove(context.cgroups.podDirectories(uid: spec.uid))
        // A pid namespace's first process lingers until every process of the namespace is gone
        // (the kernel's zap_pid_ns_processes); wait for that, so that "stopped" means gone.
        let recorded = pids + [(sandboxPID, sandboxTicks)]
        let deadline = ContinuousClock.now + .seconds(5)
        while recorded.contains(where: { ProcFS.isAlive($0.0, startTicks: $0.1) }), ContinuousClock.now < deadline {
            for (pid, ticks) in recorded where ProcFS.isAlive(pid, startTicks: ticks) { kill(pid, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(5))
        }
        RunningPod.detachMounts(under: directory.path)
        try? FileManager.default.removeItem(at: directory)
    }

    /// Lazily unmounts anything mounted at or below `path` in the lab's mount namespace.
    static func detachMounts(under path: String) {
        for point in ProcFS.mountPoints(under: path) {
            _ = try? ToolRun.run(RuntimeTools.umount, ["-l", point])
        }
    }
}
