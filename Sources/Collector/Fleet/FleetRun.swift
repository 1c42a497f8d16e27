import Bundle
import Foundation
import KubeAPI

/// One collection across several clusters (`collect --context a,b,c`), into
/// one bundle: each cluster keeps its own connection, preflight, watch and
/// fan-out (a ``CollectionRun`` each, all at once), and they share only the
/// writer. A cluster that could not be reached or refused everything before
/// any pod was touched is a ``Manifest/ClusterSection`` with its failure:
/// it costs its own pods, never another cluster's.
///
/// `@unchecked Sendable`: immutable after init; the runs are Sendable.
public final class FleetRun: @unchecked Sendable {
    /// A cluster of the fleet: ready to run, or already out with the reason.
    public enum Member: Sendable {
        /// Planned and preflighted: its request names the cluster (``CollectionRequest/clusterName``).
        case ready(CollectionRun, selection: Manifest.Selection)
        /// Could not be planned (unreachable, refused, nothing to collect there):
        /// the section says why, and the cluster has no pod in the bundle.
        case out(Manifest.ClusterSection)
    }

    let members: [Member]
    let progress: any RunObserver
    /// The run-wide fields (id, command line, output, signing key) of the first ready cluster's request.
    let request: CollectionRequest

    /// Nil when no member is ready: nothing can be collected, and the caller says why for each.
    public init?(members: [Member], progress: any RunObserver) {
        let ready = members.compactMap { member -> CollectionRequest? in
            if case .ready(let run, _) = member { return run.request }
            return nil
        }
        guard let first = ready.first else { return nil }
        self.members = members
        self.progress = progress
        self.request = first
    }

    /// The observer a cluster's ``CollectionRun`` reports to: the fleet's, with
    /// the cluster's name before each line and its counts added to the others'.
    public static func observer(for cluster: String, reportingTo base: any RunObserver) -> any RunObserver {
        ClusterScopedObserver(cluster: cluster, base: base)
    }

    /// Stops every cluster's run as ``CollectionRun/interrupt()`` stops one.
    public func interrupt() {
        for case .ready(let run, _) in members { run.interrupt() }
    }

    /// Runs every ready cluster at once and writes the one bundle. Throws only
    /// when no bundle can be written at all.
    public func run() async throws -> CollectionRun.Result {
        let startedAt = Date()
        let writer = try BundleWriter(path: request.outputPath, overwrite: request.overwrite)
        let sink = BundleSink(writer: writer)
        // --concurrency bounds the whole run: the clusters' fan-outs share its slots, so
        // three clusters hold no more pods in flight (nor their memory) than one.
        let widest = members.map { member -> Int in
            guard case .ready(let run, _) = member else { return 1 }
            return run.request.plan.widestPod
        }.max() ?? 1
        let slots = DispatchFanOut.Slots(limit: max(1, request.concurrency / widest))
        progress.start()
        let parts = await withTaskGroup(of: (Int, CollectionRun.ClusterPart).self) { group in
            for (index, member) in members.enumerated() {
                guard case .ready(let run, _) = member else { continue }
                group.addTask { (index, await run.collect(into: sink, sharing: slots)) }
            }
            var parts: [Int: CollectionRun.ClusterPart] = [:]
            for await (index, part) in group { parts[index] = part }
            return parts
        }
        progress.finish()

        var sections: [Manifest.ClusterSection] = []
        var pods: [Manifest.Pod] = []
        var deliveries: Set<String> = []
        for (index, member) in members.enumerated() {
            switch member {
            case .out(let section):
                sections.append(section)
            case .ready(let run, let selection):
                guard let part = parts[index], let name = run.request.clusterName else { continue }
                let delivery: String? = run.request.method == .node ? nil : run.request.scriptDelivery.rawValue
                if let delivery { deliveries.insert(delivery) }
                sections.append(Manifest.ClusterSection(name: name, cluster: part.cluster, selection: selection, scriptDelivery: delivery))
                pods += part.entries
            }
        }
        var runRecord = request.manifestRun(startedAt: startedAt, interrupted: parts.values.contains { $0.interrupted })
        // Said once when every cluster got the script alike; each section says its own.
        runRecord.scriptDelivery = deliveries.count == 1 ? deliveries.first : nil
        runRecord.method = request.method.rawValue
        let manifest = Manifest(tool: request.manifestTool, run: runRecord, clusters: sections, pods: pods)
        return CollectionRun.Result(bundle: try await sink.finish(manifest, signer: request.signingKey?.signer))
    }
}
