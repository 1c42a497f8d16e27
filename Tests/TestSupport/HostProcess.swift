import Foundation

/// Whether a process of this machine still runs.
public enum HostProcess {
    /// True while `pid` exists and is not a zombie. `kill(pid, 0)` also succeeds
    /// for a zombie, which runs nothing and only waits for its parent to reap it
    /// (Foundation's Process reaps late, or not at all, for a killed child).
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }
}
