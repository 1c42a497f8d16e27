import Bundle
import Collector
import Evidence
import Foundation

/// The closing summary of a run: one row per selected pod, where the bundle
/// is, and the exit status that goes with it.
public struct CollectionSummary {
    public let result: CollectionRun.Result
    public let plan: CollectionPlan

    public init(result: CollectionRun.Result, plan: CollectionPlan) {
        self.result = result
        self.plan = plan
    }

    /// 0: every planned pod collected; 3: some not; 4: none; 130: interrupted.
    public var exitStatus: Int32 {
        let planned = plan.targets.count
        let collected = result.count(.collected)
        if result.manifest.run.interrupted { return 130 }
        if collected == planned { return 0 }
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
        // With --all-containers a pod has a row per container, and the table says which.
        let perContainer = plan.allContainers == true
        var table = TextTable(headers: perContainer ? ["NAMESPACE", "POD", "CONTAINER", "OUTCOME", "REASON", "FILES"]
                                                     : ["NAMESPACE", "POD", "OUTCOME", "REASON", "FILES"])
        for pod in result.manifest.pods {
            table.append([pod.namespace, pod.name] + (perContainer ? [pod.targetContainer.isEmpty ? "-" : pod.targetContainer] : [])
                         + [pod.outcome.rawValue, pod.reason, String(pod.files.count)])
        }
        var out = "\n" + table.render()
        let problems = result.manifest.pods.filter { $0.outcome == .failed || $0.outcome == .interrupted }
        if !problems.isEmpty {
            out += "\n"
            for pod in problems {
                let container = perContainer && !pod.targetContainer.isEmpty ? " (\(pod.targetContainer))" : ""
                out += DisplayText.line("\(pod.namespace)/\(pod.name)\(container): \(pod.message)") + "\n"
            }
        }
        let manifest = result.manifest
        out += perContainer
            ? "\nCollected \(result.count(.collected)) of \(plan.targets.count) planned containers in \(plan.podCount) pods"
            : "\nCollected \(result.count(.collected)) of \(plan.targets.count) planned pods"
        out += " (\(result.count(.failed)) failed, \(result.count(.skipped)) skipped, \(result.count(.interrupted)) interrupted).\n"
        let size = (sizeBytes ?? Self.size(of: result.bundle.path)).map { "\(ByteSize.text(Int(clamping: $0))), " } ?? ""
        let took = durationSeconds.map { String(format: " in %.1f s", $0) } ?? ""
        out += "Bundle: \(bundleName ?? result.bundle.path) (\(size)\(manifest.files.count) files; manifest SHA-256 \(result.bundle.manifestSHA256)), written\(took).\n"
        return out
    }
}
