/// Everything known about the processes of one container, as written to
/// `processes.json` (field names are part of the bundle format; nil fields
/// are left out of the JSON).
public struct ProcessTable: Sendable, Equatable, Codable {
    /// Version of this file's shape; bumped on any incompatible change.
    public var formatVersion: Int
    /// Clock ticks per second used for start times, and why that value:
    /// `evidence` (meta `clock/hz` in the output), `option` (the caller's),
    /// or `default` (100, USER_HZ on every mainstream Linux architecture; the
    /// in-pod script does not record it because busybox has no getconf).
    public var clockTicksPerSecond: Int
    public var clockTicksSource: String
    /// Bytes per page for stat's rss (4096; used only when VmRSS is missing).
    public var pageSize: Int
    /// Boot time in epoch seconds (meta `clock/btime`), and as UTC text.
    public var bootTime: Int64?
    public var bootTimeUTC: String?
    /// The pid of the evidence container's own shell, which the script leaves
    /// out of ``processes``.
    public var evidenceShellPid: Int?
    /// By pid, ascending.
    public var processes: [EvidenceProcess]
    /// Processes left out: those the in-pod script did not gather whole at its
    /// output cap (its meta `script/left-out`; the one it was reading at the
    /// cut may be in ``processes`` in part), and pids past
    /// ``EvidenceLimits/maxProcesses``.
    public var processesLeftOut: Int
    /// Records that did not parse (each process's own are also in its entry).
    public var problems: [EvidenceProblem]
    /// What the script could not read, grouped (area `processes`).
    public var gaps: [EvidenceGap]

    public static let currentFormatVersion = 1

    public func process(_ pid: Int) -> EvidenceProcess? {
        var lo = 0, hi = processes.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if processes[mid].pid == pid { return processes[mid] }
            if processes[mid].pid < pid { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }
}
