/// The evidence files of a bundle and how they are made.
///
/// Per container, beside the raw framed output, a bundle holds:
///
/// | file | type | top-level fields |
/// | --- | --- | --- |
/// | `processes.json` | ``ProcessTable`` | formatVersion, clockTicksPerSecond, clockTicksSource, pageSize, bootTime, bootTimeUTC, evidenceShellPid, processes[], processesLeftOut, problems[], gaps[] |
/// | `sockets.json` | ``SocketTable`` | formatVersion, listeners[], connections[], other[], unix[], tables[], unownedSockets, unixVerification, anomalies[], problems[], gaps[] |
/// | `namespaces.json` | ``NamespaceReport`` | formatVersion, processes[], container, evidenceContainer, sharing[], shared[], notShared[], unknown[], anomalies[], problems[], gaps[] |
///
/// and the manifest carries an ``EvidenceSummary`` per pod. Field names are
/// the Swift property names (the synthesized Codable keys), written by
/// ``EvidenceJSON/encode(_:)`` with sorted keys; optional fields that are
/// nil are left out, never written as null. Any incompatible change bumps
/// `formatVersion`.
///
/// Everything is built from a ``GatheredEvidence`` by
/// ``EvidenceReport/build(from:options:)``. The Collector maps its decoded
/// frames into it one to one (kind, key, payload); records the frame decoder
/// found only after resynchronising (`afterResync`) may be forged by a
/// payload and are best left out.
///
/// Sizes: every parser reads at most the caps of ``EvidenceLimits``, and the
/// output of a parser is at most a small multiple of its input (escaping
/// quadruples a control byte at worst), so the frame decoder's input cap
/// bounds the whole analysis.
public enum EvidenceFormat {
    public static let processesFile = "processes.json"
    public static let socketsFile = "sockets.json"
    public static let namespacesFile = "namespaces.json"
}
