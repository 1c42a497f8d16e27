/// Who the evidence container's own shell really ran as, from its
/// `/proc/self/status` as gathered: the uids, gids and capabilities the
/// kernel gave it, whatever its securityContext asked for (the image's user,
/// a pod-level `runAsUser` or the runtime's defaults can make them differ).
///
/// The manifest records it beside the evidence container (as `Manifest.Credentials`), and the analysis
/// compares the pod's processes with it: a process sharing its uid, with no
/// capability it lacks, could have reached the evidence before it was hashed.
public struct EvidenceShellCredentials: Sendable, Equatable, Codable {
    /// The shell's pid in the target's pid namespace (meta `self/pid`).
    public var pid: Int?
    /// Real, effective, saved set and filesystem uid, as status lists them.
    public var uids: [UInt64]?
    /// Real, effective, saved set and filesystem gid.
    public var gids: [UInt64]?
    /// Effective and permitted capabilities as 16 hex digits, and the
    /// effective set's names.
    public var capEff: String?
    public var capPrm: String?
    public var effectiveCapabilities: [String]?
    /// True when execve could grant the shell no privilege (`NoNewPrivs: 1`,
    /// which allowPrivilegeEscalation: false sets).
    public var noNewPrivs: Bool?

    public init(pid: Int? = nil, uids: [UInt64]? = nil, gids: [UInt64]? = nil, capEff: String? = nil, capPrm: String? = nil,
                effectiveCapabilities: [String]? = nil, noNewPrivs: Bool? = nil) {
        self.pid = pid
        self.uids = uids
        self.gids = gids
        self.capEff = capEff
        self.capPrm = capPrm
        self.effectiveCapabilities = effectiveCapabilities
        self.noNewPrivs = noNewPrivs
    }

    /// The effective uid: the one file access and `/proc/<pid>` checks use.
    /// A manifest is hostile input: a list of any length is read without a trap.
    public var uid: UInt64? { uids.flatMap { $0.count > 1 ? $0[1] : $0.first } }

    /// The permitted set as a mask, for comparing with another process's.
    var permittedMask: UInt64? { capPrm.flatMap { UInt64($0, radix: 16) } }

    /// From `proc/self/status`; nil when the script did not gather it.
    static func build(index: EvidenceIndex, limits: EvidenceLimits) -> EvidenceShellCredentials? {
        guard let bytes = index.evidenceShell.files["status"] else { return nil }
        var problems: [EvidenceProblem] = []
        let status = ProcStatus.parse(bytes, key: "proc/self/status", limits: limits, problems: &problems)
        let pid = index.metaText("self/pid").flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        return EvidenceShellCredentials(
            pid: pid, uids: status.uids, gids: status.gids,
            capEff: status.capEff.map(hexMask), capPrm: status.capPrm.map(hexMask),
            effectiveCapabilities: status.capEff.map(Capabilities.names), noNewPrivs: status.noNewPrivs)
    }

    /// A capability mask as /proc shows it: 16 hex digits.
    static func hexMask(_ mask: UInt64) -> String {
        let hex = String(mask, radix: 16)
        return String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }
}
