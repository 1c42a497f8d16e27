import Foundation

extension LabRuntime {
    /// What `cleanUpStrays` found and removed.
    public struct StrayCleanup: Sendable, Equatable {
        /// Pod directories a previous lab left (`<namespace>_<name>_<uid>`).
        public var pods: [String] = []
        /// Processes killed (recorded pid whose start time still matched).
        public var killedProcesses: [Int32] = []
        /// Mount points detached.
        public var unmounted: [String] = []
        /// Cgroup directories that could not be removed (should stay empty).
        public var cgroupsLeft: [String] = []
    }

    /// Removes what a previous lab with this state directory left when it was killed (SIGKILL,
    /// OOM, power loss of the test runner): for every pod directory, the recorded processes still
    /// alive with the recorded start time (never a pid that was reused), everything in the
    /// recorded cgroups, mounts below the state directory, and the pod directory itself.
    /// Call it before starting a new lab on the same state directory; it needs root.
    @discardableResult
    public static func cleanUpStrays(stateDirectory: URL) -> StrayCleanup {
        var report = StrayCleanup()
        let fm = FileManager.default
        let pods = stateDirectory.appendingPathComponent("pods")
        let entries = (try? fm.contentsOfDirectory(atPath: pods.path)) ?? []
        var cgroups: [String] = []
        var recorded: [(Int32, UInt64)] = []
        for entry in entries.sorted() {
            let dir = pods.appendingPathComponent(entry)
            report.pods.append(entry)
            guard let file = RuntimeStateFile.read(from: dir) else { continue }
            cgroups += file.cgroupDirectories
            for process in file.processes where ProcFS.isAlive(process.pid, startTicks: process.startTicks) {
                kill(process.pid, SIGKILL)
                report.killedProcesses.append(process.pid)
                recorded.append((process.pid, process.startTicks))
            }
        }
        // Only directories the lab creates (…/kubelab/<uid>[/<container>]) are ever touched.
        let owned = cgroups.filter { $0.contains("/kubelab/") }
        report.cgroupsLeft = LabCgroups.killAndRemove(owned)
        let deadline = ContinuousClock.now + .seconds(3)
        while recorded.contains(where: { ProcFS.isAlive($0.0, startTicks: $0.1) }), ContinuousClock.now < deadline {
            usleep(5_000)
        }
        report.unmounted = ProcFS.mountPoints(under: stateDirectory.path)
        RunningPod.detachMounts(under: stateDirectory.path)
        // A dying container's last writes can land in its directory while it is being
        // removed (the removal then fails with "not empty"): try a few times.
        for entry in entries {
            let directory = pods.appendingPathComponent(entry)
            for attempt in 0..<10 where fm.fileExists(atPath: directory.path) {
                if attempt > 0 { usleep(50_000) }
                try? fm.removeItem(at: directory)
            }
        }
        return report
    }
}
