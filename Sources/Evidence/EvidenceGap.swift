/// What the in-pod script could not read, grouped by what it was and why:
/// one entry for "the fd links of 12 processes: Permission denied", not
/// twelve. Built from the script's error records and its cut record.
public struct EvidenceGap: Sendable, Equatable, Codable {
    /// Which file of the bundle the gap matters to.
    public enum Area: String, Sendable, Equatable, Codable {
        case processes, sockets, namespaces, run
    }

    public var area: Area
    /// What could not be read: `fd links`, `namespace links`,
    /// `executable and working directory links`, `process files`,
    /// `processes that exited`, `socket tables`, `boot time`,
    /// `the evidence container's own records`, `output cap`, `other`.
    public var what: String
    /// The reason as the OS said it (escaped), e.g. `Permission denied`.
    public var reason: String
    /// Error records in this group.
    public var count: Int
    /// The processes concerned, ascending, at most ``EvidenceLimits/maxGapItems``.
    public var pids: [Int]
    /// The records concerned (keys), at most ``EvidenceLimits/maxGapItems``.
    public var keys: [String]
    /// Pids and keys left out of the two lists above.
    public var itemsLeftOut: Int
    /// The whole gap as a sentence, with what it means for the evidence.
    public var message: String
    /// What would have read it, when something would have.
    public var remedy: String?
}
