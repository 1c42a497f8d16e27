/// One process of the evidence, as written to `processes.json`.
///
/// Text a process controls (comm, argv, exe, cwd, cgroup paths) is in
/// ``DisplayText`` form: never a raw control byte. Fields that could not be
/// read are absent (nil), and ``problems`` says why.
public struct EvidenceProcess: Sendable, Equatable, Codable {
    public var pid: Int
    public var ppid: Int?
    /// The state letter of stat field 3 (`S`), and its proc(5) name (`sleeping`).
    public var state: String?
    public var stateName: String?
    /// `/proc/<pid>/comm`, else the name in stat's parentheses.
    public var comm: String?
    /// The arguments, each escaped; empty for kernel threads and zombies.
    public var argv: [String]
    /// True when arguments or bytes were left out at a cap.
    public var argvTruncated: Bool
    /// The true length in bytes of `/proc/<pid>/cmdline` when the in-pod
    /// script kept only its first bytes (its meta `proc/<pid>/cmdline-length`):
    /// ``argv`` is then that prefix and ``argvTruncated`` is true.
    public var argvBytes: Int?
    /// ``argv`` joined for a table (see ``ProcCmdline/commandLine(_:)``).
    public var commandLine: String
    public var exe: String?
    /// True when the kernel marked the executable "(deleted)": it was removed
    /// or replaced on disk after the process started it.
    public var exeDeleted: Bool
    public var cwd: String?
    public var cwdDeleted: Bool
    public var uid: IDPair?
    public var gid: IDPair?
    public var threads: UInt64?
    /// Resident memory in bytes, and where it came from
    /// (`status VmRSS` or `stat rss pages x 4096`).
    public var rssBytes: UInt64?
    public var rssSource: String?
    /// The pid in each nested pid namespace (status NSpid), outermost first.
    public var nspid: [UInt64]?
    /// Effective capabilities as 16 hex digits, and their names.
    public var capEff: String?
    public var capabilities: [String]?
    /// Start time: ticks after boot (stat field 22), and absolute:
    /// boot time + ticks / clock ticks per second (see ``ProcessTable``).
    public var startTicks: UInt64?
    public var startTime: String?
    public var startTimeEpoch: Double?
    /// Namespace type (`net`, `pid`, `pid_for_children`, …) → inode number.
    public var namespaces: [String: UInt64]
    public var cgroups: [CgroupEntry]
    /// The fd count the script made (all fds, sockets among them, unreadable).
    public var fds: FDCount?
    /// The socket fds, each with the socket's inode.
    public var socketFDs: [SocketFD]
    /// True when the kernel says it is a kernel thread (status `Kthread: 1`),
    /// or it is kthreadd (pid 2) or a child of it with no argv.
    public var kernelThread: Bool
    /// True when the script saw the process exit while reading it.
    public var exited: Bool
    public var problems: [EvidenceProblem]

    public struct IDPair: Sendable, Equatable, Codable {
        public var real: UInt64
        public var effective: UInt64
    }

    public struct FDCount: Sendable, Equatable, Codable {
        public var total: Int
        public var sockets: Int
        public var unreadable: Int
    }

    public struct SocketFD: Sendable, Equatable, Codable {
        public var fd: Int
        public var inode: UInt64
    }
}
