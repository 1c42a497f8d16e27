/// Everything built from one container's evidence: the three files of the
/// bundle, the gaps, and the summary for the manifest.
public struct EvidenceReport: Sendable, Equatable {
    public var processes: ProcessTable
    public var sockets: SocketTable
    public var namespaces: NamespaceReport
    public var gaps: [EvidenceGap]
    public var summary: EvidenceSummary
    /// Who the evidence container's shell ran as (its own /proc/self/status).
    public var evidenceShell: EvidenceShellCredentials?

    /// The anomaly that says a process of the pod could have altered the
    /// evidence before it was hashed, if there is one.
    public var evidenceMayBeAltered: NamespaceAnomaly? {
        namespaces.anomalies.first { $0.kind == .evidenceUIDShared }
    }

    /// Builds every part from the evidence, reading it once.
    public static func build(from evidence: GatheredEvidence, options: EvidenceOptions = EvidenceOptions()) -> EvidenceReport {
        let index = EvidenceIndex(evidence, limits: options.limits)
        let gaps = EvidenceGap.build(index: index, limits: options.limits)
        let processes = ProcessTable.build(index: index, gaps: gaps, options: options)
        let sockets = SocketTable.build(index: index, processes: processes, gaps: gaps, options: options)
        let namespaces = NamespaceReport.build(index: index, processes: processes, gaps: gaps, options: options)
        let anomalies = EvidenceSummary.anomalies(namespaces: namespaces, sockets: sockets)
        let summary = EvidenceSummary(
            processes: processes.processes.count, listeners: sockets.listeners.count, connections: sockets.connections.count,
            unixSockets: sockets.unix.count,
            anomalies: anomalies.filter(\.counts).count,
            anomalyMessages: anomalies.map(\.message),
            gaps: gaps.count, problems: processes.problems.count + sockets.problems.count + namespaces.problems.count,
            namespacesShared: namespaces.shared, namespacesNotShared: namespaces.notShared)
        return EvidenceReport(processes: processes, sockets: sockets, namespaces: namespaces, gaps: gaps, summary: summary,
                              evidenceShell: EvidenceShellCredentials.build(index: index, limits: options.limits))
    }
}
