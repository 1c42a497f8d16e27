/// How to read the evidence: the caps, and the two machine facts the script
/// does not record.
public struct EvidenceOptions: Sendable, Equatable {
    public var limits: EvidenceLimits
    /// Clock ticks per second for stat start times. nil: the evidence's
    /// meta `clock/hz` if present, else 100 (USER_HZ on x86, arm64 and the
    /// other mainstream architectures).
    public var clockTicksPerSecond: Int?
    /// Bytes per page for stat's rss, used only when status has no VmRSS.
    public var pageSize: Int

    public init(limits: EvidenceLimits = EvidenceLimits(), clockTicksPerSecond: Int? = nil, pageSize: Int = 4096) {
        self.limits = limits
        self.clockTicksPerSecond = clockTicksPerSecond.map { max(1, $0) }
        self.pageSize = max(1, pageSize)
    }
}
