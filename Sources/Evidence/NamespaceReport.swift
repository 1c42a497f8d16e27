/// Namespaces as the evidence shows them, written to `namespaces.json`.
///
/// The in-pod script shares one container's pid namespace, so "the
/// container" here is every process of the evidence, and its reference is its
/// first process (the lowest pid, normally pid 1). Nothing is assumed about
/// what is shared: ``sharing`` says what the ids show.
public struct NamespaceReport: Sendable, Equatable, Codable {
    public var formatVersion: Int
    /// Each process's namespace ids, by pid.
    public var processes: [ProcessNamespaces]
    /// The container's first process: the lowest pid whose namespace links
    /// were read (normally pid 1), and its ids; nil when none were read.
    public var container: ProcessNamespaces?
    /// The evidence container's own shell (`proc/self/ns/*`).
    public var evidenceContainer: ProcessNamespaces?
    /// Per namespace type, the two ids and whether they are the same.
    public var sharing: [NamespaceSharing]
    /// Types the evidence container shares with the container, does not
    /// share, or for which one of the two ids is unknown.
    public var shared: [String]
    public var notShared: [String]
    public var unknown: [String]
    public var anomalies: [NamespaceAnomaly]
    public var problems: [EvidenceProblem]
    /// Gaps of area `namespaces`.
    public var gaps: [EvidenceGap]

    public static let currentFormatVersion = 1

    /// Inode numbers the kernel gives its initial namespaces
    /// (include/linux/proc_ns.h). Dynamic ones start at 0xF0000000, so an id
    /// below that is an initial namespace: the host's. `net` and `mnt` got
    /// fixed numbers only in recent kernels (6.18 shows them); earlier, the
    /// host's network namespace was usually the first dynamic id, 4026531840,
    /// which is therefore only a hint.
    public static let initialNamespaceIDs: [String: UInt64] = [
        "ipc": 4_026_531_839, "uts": 4_026_531_838, "user": 4_026_531_837, "pid": 4_026_531_836,
        "cgroup": 4_026_531_835, "time": 4_026_531_834, "net": 4_026_531_833, "mnt": 4_026_531_832,
    ]
    public static let firstDynamicID: UInt64 = 4_026_531_840
}

public struct ProcessNamespaces: Sendable, Equatable, Codable {
    public var pid: Int
    public var comm: String?
    /// Type → inode, e.g. `"net": 4026532179`.
    public var namespaces: [String: UInt64]
}

public struct NamespaceSharing: Sendable, Equatable, Codable {
    public var type: String
    public var evidenceContainer: UInt64?
    public var container: UInt64?
    /// nil when either id is unknown.
    public var shared: Bool?
}

/// Something about the namespaces a responder should look at, with the
/// evidence for it in ``message``.
public struct NamespaceAnomaly: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable {
        /// Processes whose namespaces differ from the container's first
        /// process: a sign of nsenter or unshare.
        case processNamespaceDiffers = "process-namespace-differs"
        /// The pod shares a namespace with the host (hostPID, hostNetwork,
        /// hostIPC, or a host mount or UTS namespace).
        case hostNamespace = "host-namespace"
        /// A process of the pod runs as the evidence container's uid, with
        /// no capability it lacks: it could have reached the evidence through
        /// `/proc/<pid>/root` before it was hashed.
        case evidenceUIDShared = "evidence-uid-shared"
    }

    public enum Severity: String, Sendable, Equatable, Codable {
        /// Strong evidence.
        case warning
        /// Probably benign, but unusual (e.g. only mnt/cgroup differ).
        case notice
        /// A hint only: the evidence is consistent with it but does not prove it.
        case hint
    }

    public var kind: Kind
    public var severity: Severity
    /// The namespace types concerned.
    public var types: [String]
    /// The processes concerned (at most 50).
    public var pids: [Int]
    public var message: String
}
