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
        /// nil when the bundle holds no evidence for the pod (failed, skipped).
        public var evidence: ContainerEvidence?
    }

    /// Reads the bundle at `path`; with `pod` (`namespace/name`), only that
    /// pod's entries are read, the rest skipped.
    public static func read(path: String, pod filter: (namespace: String, name: String)?, budget: ReadingBudget = ReadingBudget()) throws -> InspectedBundle {
        let snapshot = try Snapshot.read(path: path, pod: filter, podObjects: false, budget: budget)
        var pods = snapshot.pods
        if let filter {
            pods = pods.filter { $0.entry.namespace == filter.namespace && $0.entry.name == filter.name }
            if pods.isEmpty {
                let names = snapshot.manifest.pods.prefix(20).map { BundleReader.display("\($0.namespace)/\($0.name)") }
                throw InspectError(message: "The bundle \(BundleReader.display(path)) has no pod \(BundleReader.display("\(filter.namespace)/\(filter.name)")); its pods are: \(names.joined(separator: ", "))\(snapshot.manifest.pods.count > 20 ? ", …" : "").")
            }
        }
        return InspectedBundle(path: path, manifest: snapshot.manifest, manifestSHA256: snapshot.manifestSHA256 ?? "",
                               signature: snapshot.signature, pods: pods.map { Pod(entry: $0.entry, evidence: $0.evidence) })
    }
}

public struct InspectError: Error, LocalizedError {
    public var message: String
    public var errorDescription: String? { message }
}
