import Foundation

/// Where lab containers get their cgroups, named as the kubelet's cgroupfs driver and containerd
/// name them (`pod<uid>/<container id>`), so that a node helper finds a container's processes by
/// its ID as on a node. On a cgroup v2 host: `/sys/fs/cgroup/kubelab/pod<uid>/<container id>`
/// and a cgroup namespace per container. On a v1 or hybrid host (as this lab's CI machine):
/// the pids hierarchy and, when mounted, the unified v2 one; no cgroup namespace, as runc
/// does on a v1 node. The sandbox lives in `kubelab/<pod-uid>` itself.
struct LabCgroups: Sendable, Equatable {
    /// Hierarchy roots the lab can write to, e.g. `/sys/fs/cgroup/pids`.
    var roots: [String]
    /// True on a pure cgroup v2 host: each container then gets its own cgroup namespace.
    var namespaces: Bool

    static func detect(base: String = "/sys/fs/cgroup") -> LabCgroups {
        let fm = FileManager.default
        if fm.fileExists(atPath: "\(base)/cgroup.controllers") {
            return LabCgroups(roots: writable([base]), namespaces: true)
        }
        var roots: [String] = []
        if fm.fileExists(atPath: "\(base)/pids/cgroup.procs") { roots.append("\(base)/pids") }
        if fm.fileExists(atPath: "\(base)/unified/cgroup.procs") { roots.append("\(base)/unified") }
        return LabCgroups(roots: writable(roots), namespaces: false)
    }

    private static func writable(_ roots: [String]) -> [String] {
        roots.filter { root in
            let dir = "\(root)/kubelab"
            return mkdir(dir, 0o755) == 0 || errno == EEXIST
        }
    }

    /// The pod's cgroup directories (one per hierarchy).
    func podDirectories(uid: String) -> [String] { roots.map { "\($0)/kubelab/pod\(uid)" } }

    /// A container's cgroup directories; `id` is its runtime id (without `containerd://`).
    func containerDirectories(uid: String, id: String) -> [String] {
        roots.map { "\($0)/kubelab/pod\(uid)/\(id)" }
    }

    static func create(_ directories: [String]) throws(LabRuntimeError) {
        for dir in directories where mkdir(dir, 0o755) != 0 && errno != EEXIST {
            let reason = String(cString: strerror(errno))
            throw LabRuntimeError(.stateDirectory, "Could not create the cgroup directory \(dir): \(reason).")
        }
    }

    /// Kills every process in the directories (and their children) until they are empty, then
    /// removes them, deepest first. Returns the directories that could not be removed.
    @discardableResult
    static func killAndRemove(_ directories: [String], timeout: Duration = .seconds(3)) -> [String] {
        let fm = FileManager.default
        var all: [String] = []
        for dir in directories where fm.fileExists(atPath: dir) {
            all.append(dir)
            if let children = fm.enumerator(atPath: dir) {
                while let child = children.nextObject() as? String {
                    var isDir: ObjCBool = false
                    let path = "\(dir)/\(child)"
                    if fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue { all.append(path) }
                }
            }
        }
        let deadline = ContinuousClock.now + timeout
        var left: [String] = []
        for dir in all.sorted(by: { $0.count > $1.count }) {
            while true {
                let pids = processes(in: dir)
                if pids.isEmpty || ContinuousClock.now > deadline { break }
                for pid in pids { kill(pid, SIGKILL) }
                usleep(2_000)
            }
            // A cgroup that just lost its last process can stay busy for a moment.
            var removed = rmdir(dir) == 0 || errno == ENOENT
            while !removed, ContinuousClock.now < deadline {
                usleep(5_000)
                removed = rmdir(dir) == 0 || errno == ENOENT
            }
            if !removed { left.append(dir) }
        }
        return left
    }

    static func processes(in directory: String) -> [Int32] {
        guard let text = try? String(contentsOfFile: "\(directory)/cgroup.procs", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { Int32($0) }
    }
}
