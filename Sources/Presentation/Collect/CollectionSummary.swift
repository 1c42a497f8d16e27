import Bundle
import Collector
import Evidence
import Foundation

/// The closing summary of a run: one row per selected pod, where the bundle
/// is, and the exit status that goes with it.
public struct CollectionSummary {
    public let result: CollectionRun.Result
    /// Evidence containers planned (one per pod, or per container with `--all-containers`), across every cluster.
    let planned: Int
    /// Pods with at least one of them.
    let plannedPods: Int
    /// `--all-containers`: the table has a row per container.
    let perContainer: Bool

    public init(result: CollectionRun.Result, plan: CollectionPlan) {
        self.init(result: result, plans: [plan])
    }

    /// A run across several clusters: the plans of those that ran (a cluster
    /// left out planned nothing; the manifest's `clusters` say why).
    public init(result: CollectionRun.Result, plans: [CollectionPlan]) {
        self.result = result
        self.planned = plans.reduce(0) { $0 + $1.targets.count }
        self.plannedPods = plans.reduce(0) { $0 + $1.podCount }
        self.perContainer = plans.contains { $0.allContainers == true }
    }

    /// 0: every planned pod collected; 3: some not (or a cluster was left out);
    /// 4: none; 130: interrupted.
    public var exitStatus: Int32 {
        let collected = result.count(.collected)
        if result.manifest.run.interrupted { return 130 }
        if collected == planned && !result.manifest.clusterSections.contains(where: { $0.failure != nil }) { return 0 }
        return collected == 0 ? 4 : 3
    }

    /// From the start of the run to the bundle being finished.
    public var durationSeconds: Double? {
        result.manifest.run.finishedAt.map { $0.timeIntervalSince(result.manifest.run.startedAt) }
    }

    /// The bundle's size on disk, when it can be read.
    public static func size(of path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_size) : nil
    }

    /// The table and the closing lines; `bundleName` is the path, or "standard output".
    public func render(bundleName: String? = nil, sizeBytes: UInt64? = nil) -> String {
        // With --all-containers a pod has a row per container, and the table says which;
        // across clusters, each row says its cluster.
        let manifest = result.manifest
        let clusters = manifest.isMultiCluster
        var table = TextTable(headers: (clusters ? ["CLUSTER"] : []) + ["NAMESPACE", "POD"] + (perContainer ? ["CONTAINER"] : [])
                              + ["OUTCOME", "REASON", "FILES"])
        for pod in manifest.pods {
            table.append((clusters ? [pod.cluster ?? "-"] : []) + [pod.namespace, pod.name]
                         + (perContainer ? [pod.targetContainer.isEmpty ? "-" : pod.targetContainer] : [])
                         + [pod.outcome.rawValue, pod.reason, String(pod.files.count)])
        }
        var out = "\n" + table.render()
        let problems = manifest.pods.filter { $0.outcome == .failed || $0.outcome == .interrupted }
        let leftOut = manifest.clusterSections.filter { $0.failure != nil }
        if !problems.isEmpty || !leftOut.isEmpty {
            out += "\n"
            for section in leftOut {
                out += DisplayText.line("cluster \(section.name) (\(section.cluster.server)) was left out, \(section.failure!.reason): \(section.failure!.message)") + "\n"
            }
            for pod in problems {
                let container = perContainer && !pod.targetContainer.isEmpty ? " (\(pod.targetContainer))" : ""
                out += DisplayText.line("\(pod.displayName)\(container): \(pod.message)") + "\n"
            }
        }
        out += perContainer
            ? "\nCollected \(result.count(.collected)) of \(planned) planned containers in \(plannedPods) pods"
            : "\nCollected \(result.count(.collected)) of \(planned) planned pods"
        if clusters {
            out += " in \(manifest.clusterSections.count - leftOut.count) of \(manifest.clusterSections.count) clusters"
        }
        out += " (\(result.count(.failed)) failed, \(result.count(.skipped)) skipped, \(result.count(.interrupted)) interrupted).\n"
        let size = (sizeBytes ?? Self.size(of: result.bundle.path)).map { "\(ByteSize.text(Int(clamping: $0))), " } ?? ""
        let took = durationSeconds.map { String(format: " in %.1f s", $0) } ?? ""
        out += "Bundle: \(bundleName ?? result.bundle.path) (\(size)\(manifest.files.count) files; manifest SHA-256 \(result.bundle.manifestSHA256)), written\(took).\n"
        return out
    }
}
