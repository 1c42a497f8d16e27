import Foundation

/// Compares the replicas inside one snapshot: pods grouped by namespace,
/// controlling owner and target container; in each group, what more than
/// half of the replicas have is "common", and each replica that has more or
/// less than that is listed, the one that stands out most first (see
/// ``ReplicaDeviation/score``).
///
/// In a bundle of several clusters each cluster's replicas are a group of their
/// own, unless `acrossClusters`: then the same workload in every cluster is one
/// group (a Deployment's ReplicaSet is named after its pod template, so it is
/// recognised as the Deployment where the template differs between clusters),
/// and the replicas of a cluster that differs from the others rank first.
public enum ReplicaComparer {
    public static func compare(_ snapshot: Snapshot, options: DiffOptions = DiffOptions(), acrossClusters: Bool = false) -> ReplicaReport {
        var groups: [String: [Snapshot.Pod]] = [:]
        for pod in snapshot.pods {
            let owner = workload(of: pod, acrossClusters: acrossClusters) ?? "pod/\(pod.entry.name)"
            let cluster = acrossClusters ? "" : pod.entry.cluster ?? ""
            groups["\(cluster)\u{0}\(pod.entry.namespace)\u{0}\(owner)\u{0}\(pod.entry.targetContainer)", default: []].append(pod)
        }
        let result = groups.values.map { group($0, options: options, acrossClusters: acrossClusters) }
        return ReplicaReport(bundle: SnapshotComparer.bundleRef(snapshot), groups: result.sorted {
            // Ties in the same workload (--all-containers: a group per container) by container, so the order is stable.
            ($0.odd.first?.score ?? 0, $1.cluster ?? "", $1.namespace, $1.workload ?? "", $1.container)
                > ($1.odd.first?.score ?? 0, $0.cluster ?? "", $0.namespace, $0.workload ?? "", $0.container)
        })
    }

    /// `Kind/name` of the pod's controlling owner; across clusters a ReplicaSet of
    /// a Deployment (named `<deployment>-<pod-template-hash>`) is its Deployment.
    static func workload(of pod: Snapshot.Pod, acrossClusters: Bool) -> String? {
        guard let owner = pod.info?.owner else { return nil }
        if acrossClusters, owner.kind == "ReplicaSet", let hash = pod.info?.metadata.labels?["pod-template-hash"], !hash.isEmpty,
           owner.name.hasSuffix("-" + hash) {
            return "Deployment/" + owner.name.dropLast(hash.count + 1)
        }
        return "\(owner.kind)/\(owner.name)"
    }

    static func group(_ pods: [Snapshot.Pod], options: DiffOptions, acrossClusters: Bool = false) -> ReplicaGroup {
        let first = pods[0]
        let features = pods.compactMap { pod in
            pod.features(options: options).map { (pod, Dictionary($0.items.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })) }
        }
        var counts: [String: Int] = [:]
        var sample: [String: DiffItem] = [:]
        for (_, items) in features {
            for (key, item) in items {
                counts[key, default: 0] += 1
                sample[key] = sample[key] ?? item
            }
        }
        let commonKeys = Set(counts.filter { $0.value * 2 > features.count }.keys)
        var odd: [ReplicaDeviation] = []
        var alike: [DiffReport.PodRef] = []
        for (pod, items) in features {
            let extra = items.filter { !commonKeys.contains($0.key) }.values.sorted()
            let missing = commonKeys.filter { items[$0] == nil }.compactMap { sample[$0] }.sorted()
            let ref = SnapshotComparer.podRef(pod)
            if extra.isEmpty && missing.isEmpty { alike.append(ref); continue }
            let score = (extra + missing).reduce(0) { $0 + $1.kind.weight }
            odd.append(ReplicaDeviation(pod: ref, score: score, extra: extra, missing: missing,
                                        restarts: pod.info?.container(pod.entry.targetContainer)?.restartCount))
        }
        return ReplicaGroup(
            cluster: acrossClusters ? nil : first.entry.cluster,
            namespace: first.entry.namespace, workload: workload(of: first, acrossClusters: acrossClusters),
            container: first.entry.targetContainer, replicas: features.count,
            // One replica's pids would mislead here: the common items have none.
            common: commonKeys.compactMap { sample[$0] }.map { var item = $0; item.pids = []; return item }.sorted(),
            odd: odd.sorted { ($0.score, $1.pod.name) > ($1.score, $0.pod.name) },
            alike: alike.sorted { $0.name < $1.name },
            withoutEvidence: pods.filter { !$0.hasEvidence }.map(SnapshotComparer.podRef).sorted { $0.name < $1.name })
    }
}
