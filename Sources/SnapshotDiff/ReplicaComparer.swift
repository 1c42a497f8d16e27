import Foundation

/// Compares the replicas inside one snapshot: pods grouped by namespace,
/// controlling owner and target container; in each group, what more than
/// half of the replicas have is "common", and each replica that has more or
/// less than that is listed, the one that stands out most first (see
/// ``ReplicaDeviation/score``).
public enum ReplicaComparer {
    public static func compare(_ snapshot: Snapshot, options: DiffOptions = DiffOptions()) -> ReplicaReport {
        var groups: [String: [Snapshot.Pod]] = [:]
        for pod in snapshot.pods {
            let owner = pod.info?.owner.map { "\($0.kind)/\($0.name)" } ?? "pod/\(pod.entry.name)"
            groups["\(pod.entry.namespace)\u{0}\(owner)\u{0}\(pod.entry.targetContainer)", default: []].append(pod)
        }
        let result = groups.values.map { group($0, options: options) }
        return ReplicaReport(bundle: SnapshotComparer.bundleRef(snapshot), groups: result.sorted {
            // Ties in the same workload (--all-containers: a group per container) by container, so the order is stable.
            ($0.odd.first?.score ?? 0, $1.namespace, $1.workload ?? "", $1.container) > ($1.odd.first?.score ?? 0, $0.namespace, $0.workload ?? "", $0.container)
        })
    }

    static func group(_ pods: [Snapshot.Pod], options: DiffOptions) -> ReplicaGroup {
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
            namespace: first.entry.namespace, workload: first.info?.owner.map { "\($0.kind)/\($0.name)" },
            container: first.entry.targetContainer, replicas: features.count,
            // One replica's pids would mislead here: the common items have none.
            common: commonKeys.compactMap { sample[$0] }.map { var item = $0; item.pids = []; return item }.sorted(),
            odd: odd.sorted { ($0.score, $1.pod.name) > ($1.score, $0.pod.name) },
            alike: alike.sorted { $0.name < $1.name },
            withoutEvidence: pods.filter { !$0.hasEvidence }.map(SnapshotComparer.podRef).sorted { $0.name < $1.name })
    }
}
