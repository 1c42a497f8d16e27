import Bundle
import Evidence
import Foundation
import SnapshotDiff

/// A bundle as `inspect` shows it: the manifest, its digest and what is known
/// of its signature, and per pod the evidence of its target container. It is
/// read by ``Snapshot/read(path:pod:podObjects:budget:)``, the reader `diff`
/// uses too; this only selects what inspect renders. Everything in it came
/// from a pod or from a file someone handed over: renderers escape every
/// string (see ``InspectText``).
public struct InspectedBundle: Sendable {
    public typealias ContainerEvidence = Snapshot.ContainerEvidence

    public var path: String
    public var manifest: Manifest
    public var manifestSHA256: String
    public var signature: SignatureStatus
    public var pods: [Pod]

    public struct Pod: Sendable {
        public var entry: Manifest.Pod
        /// nil when the bundle holds no evidence for the pod (failed, skipped),
        /// or when the bundle was read for the text only.
        public var evidence: ContainerEvidence?
        /// What the text shows of the evidence, when the bundle was read for the text only.
        public var rendered: RenderedEvidence?
        /// The evidence encoded for `inspect --json` and put aside, when the bundle was read for it.
        public var encoded: InspectJSON.EncodedEvidence?
    }

    /// What a reading keeps of each pod's evidence: the decoded tables (for
    /// JSON and HTML), or only its text and counts (``InspectText``), which a
    /// bundle of thousands of pods is read for without holding their tables.
    public enum Keep: Sendable {
        case evidence
        case text
        /// The JSON of each container's evidence, written to the spill as it is read.
        case json(EvidenceSpill)
    }

    /// Reads the bundle at `path`; with `pod` (`namespace/name`), only that
    /// pod's entries are read, the rest skipped; with `cluster` too, only that
    /// cluster's pod of that name (a bundle of several clusters).
    public static func read(path: String, pod filter: (namespace: String, name: String)?, cluster: String? = nil, keep: Keep = .evidence,
                            budget: ReadingBudget = ReadingBudget()) throws -> InspectedBundle {
        let kept: Snapshot.EvidenceKept
        switch keep {
        case .evidence: kept = .whole
        case .text: kept = .reduced { InspectText.rendered($0) }
        // A scratch file that cannot be written (a full disk) fails the command below, not silently a pod.
        case .json(let spill): kept = .reduced { evidence in Result { try InspectJSON.encode(evidence, into: spill) } }
        }
        let snapshot = try Snapshot.read(path: path, pod: filter, cluster: cluster, podObjects: false, keep: kept, budget: budget)
        var pods = snapshot.pods
        if let filter {
            pods = pods.filter { $0.entry.namespace == filter.namespace && $0.entry.name == filter.name && (cluster == nil || $0.entry.cluster == cluster) }
            if pods.isEmpty {
                func named(_ pod: Manifest.Pod) -> String {
                    BundleReader.display((cluster != nil ? (pod.cluster ?? "") + "/" : "") + "\(pod.namespace)/\(pod.name)")
                }
                let names = snapshot.manifest.pods.prefix(20).map(named)
                let asked = (cluster.map { "\($0)/" } ?? "") + "\(filter.namespace)/\(filter.name)"
                let why = cluster != nil && !snapshot.manifest.isMultiCluster ? " (it is a bundle of one cluster: name the pod as NAMESPACE/NAME)" : ""
                throw InspectError(message: "The bundle \(BundleReader.display(path)) has no pod \(BundleReader.display(asked))\(why); its pods are: \(names.joined(separator: ", "))\(snapshot.manifest.pods.count > 20 ? ", …" : "").")
            }
        }
        return InspectedBundle(path: path, manifest: snapshot.manifest, manifestSHA256: snapshot.manifestSHA256 ?? "",
                               signature: snapshot.signature, pods: try pods.map { pod in
                                   Pod(entry: pod.entry, evidence: pod.evidence, rendered: pod.reduced as? RenderedEvidence,
                                       encoded: try (pod.reduced as? Result<InspectJSON.EncodedEvidence, any Error>)?.get())
                               })
    }
}

public struct InspectError: Error, LocalizedError {
    public var message: String
    public var errorDescription: String? { message }
}

/// A pod's evidence as inspect's text shows it: the overview's counts and the
/// pod's section, made while the bundle is read.
public struct RenderedEvidence: Sendable {
    public struct Counts: Sendable {
        public var processes, listeners, connections, anomalies, gaps: Int

        init(_ evidence: InspectedBundle.ContainerEvidence) {
            processes = evidence.processes.processes.count
            listeners = evidence.sockets.listeners.count
            connections = evidence.sockets.connections.count
            anomalies = EvidenceSummary.anomalies(namespaces: evidence.namespaces, sockets: evidence.sockets).filter(\.counts).count
            gaps = evidence.processes.gaps.count + evidence.sockets.gaps.count + evidence.namespaces.gaps.count
        }
    }

    public var counts: Counts
    /// The pod's section below its header, escaped.
    public var body: String
}
