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
                if let wrapper = record.wrapper, !wrapper.hasExited { wrappers.append(wrapper.pid) }
                if let pid = record.info.hostPID, let ticks = record.hostPIDTicks { pids.append((pid, ticks)) }
            }
            return (tasks, wrappers, pids)
        }
        for task in tasks { task.cancel() }
        for (pid, ticks) in pids where ProcFS.isAlive(pid, startTicks: ticks) { kill(pid, SIGKILL) }
        for pid in wrappers { kill(pid, SIGKILL) }
        if ProcFS.isAlive(sandboxPID, startTicks: sandboxTicks) { kill(sandboxPID, SIGKILL) }
        if !sandbox.hasExited { kill(sandbox.pid, SIGKILL) }
        let containerCgroups = state.withLock { s in s.containers.values.flatMap(\.info.cgroupDirectories) }
        LabCgroups.killAndRemove(containerCgroups)
        for task in tasks { await task.value }
        _ = await sandbox.waitForExit()
        LabCgroups.killAndRemove(context.cgroups.podDirectories(uid: spec.uid))
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
