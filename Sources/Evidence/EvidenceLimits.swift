/// Caps on everything the parsers read or keep. A pod controls its own
/// cmdline, comm, socket paths and (if compromised) much more, so no size is
/// taken on trust: what passes a cap is left out and said so, never allocated.
public struct EvidenceLimits: Sendable, Equatable {
    /// Processes kept (lowest pids first); the rest are counted as left out.
    public var maxProcesses = 100_000
    /// Bytes of `/proc/<pid>/stat` parsed; a real one is under 1 KiB.
    public var maxStatBytes = 4096
    /// Bytes of `/proc/<pid>/status` parsed; a real one is under 2 KiB.
    public var maxStatusBytes = 65_536
    /// Lines of `status` looked at.
    public var maxStatusLines = 256
    /// Bytes of `/proc/<pid>/cmdline` read; the kernel allows megabytes.
    public var maxCmdlineBytes = 65_536
    /// Arguments kept of one argv.
    public var maxArguments = 1024
    /// Bytes of one argument kept before the display form is cut.
    public var maxArgumentBytes = 4096
    /// Bytes of `comm`, link targets and paths kept (the kernel's comm is 15).
    public var maxNameBytes = 4096
    /// Lines of `/proc/<pid>/cgroup` kept.
    public var maxCgroupLines = 64
    /// Entries kept per `/proc/net/*` table; more are counted as left out.
    public var maxSocketsPerTable = 65_536
    /// Bytes of one `/proc/net/*` table parsed.
    public var maxTableBytes = 16 * 1024 * 1024
    /// Bytes of one line of a `/proc/net/*` table (a real tcp6 line is ~170).
    public var maxTableLineBytes = 4096
    /// Problems kept per source (a table, a process); more are counted.
    public var maxProblemsPerSource = 20
    /// Problems kept in all.
    public var maxProblems = 1000
    /// Paths and pids listed in one gap; more are counted.
    public var maxGapItems = 50
    /// Bytes of an error record's text kept.
    public var maxErrorTextBytes = 512

    public init() {}
}
