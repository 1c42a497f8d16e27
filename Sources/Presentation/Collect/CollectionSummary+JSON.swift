import Bundle
import Collector
import Foundation

/// `collect --json`: the run's summary as one JSON document on stdout, for
/// scripts and tickets, instead of the table.
extension CollectionSummary {
    public struct Document: Encodable {
        struct BundleFile: Encodable {
            var path: String
            var sizeBytes: UInt64?
            var files: Int
            var manifestSHA256: String
            var signed: Bool
        }

        struct Counts: Encodable {
            var planned, collected, failed, skipped, interrupted: Int
        }

        struct PodRow: Encodable {
            /// The cluster's name (its context), in a run across several.
            var cluster: String?
            var namespace, name, outcome, reason, message: String
            /// The container whose processes were examined (several rows per pod with --all-containers).
            var targetContainer: String?
            var evidenceContainer: String?
            var files: Int
            var redactions: Int
        }

        var kind = "CollectionSummary"
        var runID: String
        var exitStatus: Int32
        var durationSeconds: Double?
        var bundle: BundleFile
        var counts: Counts
        /// A run across several clusters: each one, with why it was left out if it was.
        var clusters: [Manifest.ClusterSection]?
        var pods: [PodRow]
    }

    public func document(bundlePath: String, sizeBytes: UInt64?) -> Document {
        let manifest = result.manifest
        return Document(
            runID: manifest.run.id, exitStatus: exitStatus, durationSeconds: durationSeconds,
            bundle: .init(path: bundlePath, sizeBytes: sizeBytes, files: manifest.files.count,
                          manifestSHA256: result.bundle.manifestSHA256, signed: result.bundle.signature != nil),
            counts: .init(planned: planned, collected: result.count(.collected), failed: result.count(.failed),
                          skipped: result.count(.skipped), interrupted: result.count(.interrupted)),
            clusters: manifest.clusters,
            pods: manifest.pods.map { pod in
                Document.PodRow(cluster: pod.cluster, namespace: pod.namespace, name: pod.name, outcome: pod.outcome.rawValue, reason: pod.reason, message: pod.message,
                       targetContainer: pod.targetContainer.isEmpty ? nil : pod.targetContainer,
                       evidenceContainer: pod.evidenceContainer?.name, files: pod.files.count, redactions: pod.redactions?.count ?? 0)
            })
    }

    public func renderJSON(bundlePath: String, sizeBytes: UInt64?) throws -> String {
        String(decoding: try JSONOutput.encode(document(bundlePath: bundlePath, sizeBytes: sizeBytes)), as: UTF8.self) + "\n"
    }
}
