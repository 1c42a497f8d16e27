/// A pod's evidence in a few numbers, for the manifest.
public struct EvidenceSummary: Sendable, Equatable, Codable {
    public var processes: Int
    /// TCP and UDP listeners, and connections (see ``SocketTable``).
    public var listeners: Int
    public var connections: Int
    public var unixSockets: Int
    /// Anomalies of severity warning and notice (hints are not counted), and
    /// all anomaly messages including hints.
    public var anomalies: Int
    public var anomalyMessages: [String]
    /// Gaps (grouped) and parse problems.
    public var gaps: Int
    public var problems: Int
    public var namespacesShared: [String]
    public var namespacesNotShared: [String]
}
