/// A pod's evidence in a few numbers, for the manifest.
public struct EvidenceSummary: Sendable, Equatable, Codable {
    public var processes: Int
    /// TCP and UDP listeners, and connections (see ``SocketTable``).
    public var listeners: Int
    public var connections: Int
    public var unixSockets: Int
    /// Namespace and socket anomalies of severity warning and notice (hints
    /// are not counted), and all their messages including hints (see
    /// ``anomalies(namespaces:sockets:)``).
    public var anomalies: Int
    public var anomalyMessages: [String]
    /// Gaps (grouped) and parse problems.
    public var gaps: Int
    public var problems: Int
    public var namespacesShared: [String]
    public var namespacesNotShared: [String]

    /// One anomaly of a container's evidence, whichever file it is in.
    public struct Anomaly: Sendable, Equatable {
        public var severity: NamespaceAnomaly.Severity
        public var message: String

        /// Whether it counts as one worth a look: hints are shown, not counted.
        public var counts: Bool { severity != .hint }
    }

    /// Every anomaly of one container's evidence, namespace ones first, then
    /// socket ones: the one list the summary and `inspect` count from, so that
    /// a forged socket row is not left in `sockets.json` where nobody looks.
    public static func anomalies(namespaces: NamespaceReport, sockets: SocketTable) -> [Anomaly] {
        namespaces.anomalies.map { Anomaly(severity: $0.severity, message: $0.message) }
            + sockets.anomalies.map { Anomaly(severity: $0.severity, message: $0.message) }
    }
}
