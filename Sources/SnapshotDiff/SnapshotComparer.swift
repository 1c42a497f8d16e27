import Bundle
import Foundation

/// Compares two snapshots of a selection taken at different times.
///
/// Pods are matched by UID (the same pod, perhaps restarted); what is left
/// by namespace and name (a pod recreated under its name, or another
/// cluster's pod); what is still left by workload: the same namespace and
/// controlling owner, and for a StatefulSet the same ordinal — only when
/// exactly one pod of that owner is left on each side, since among several
/// replicas any pairing would be a guess.
public enum SnapshotComparer {
    public static func compare(_ old: Snapshot, _ new: Snapshot, options: DiffOptions = DiffOptions()) -> DiffReport.Comparison {
        // A pod is compared with the other side's pods of its own cluster (by server) when the
        // other side has that cluster; a pod of a cluster only one side has may match by
        // name or workload any pod of the other side's clusters that are not shared
        // (the same Deployment in another cluster, as for two bundles of one cluster each).
        let shared = Set(old.manifest.servers).intersection(new.manifest.servers)
        let differentClusters = shared.isEmpty
        var pairs: [(Snapshot.Pod, Snapshot.Pod, String)] = []
        var oldLeft = old.pods
        var newLeft = new.pods

        /// The scope a pod is matched in: its cluster's server if both sides have it, else "elsewhere".
        func scope(_ manifest: Manifest) -> (Snapshot.Pod) -> String {
            let servers = manifest.serverByCluster
            let only = manifest.cluster?.server ?? ""
            return { pod in
                let server = pod.entry.cluster.flatMap { servers[$0] } ?? only
                return shared.contains(server) ? server : ""
            }
        }
        let oldScope = scope(old.manifest), newScope = scope(new.manifest)

        // Each key is the pod's scope and what `key` says of it.
        func match(_ how: String, uniqueOnly: Bool = false, _ key: (Snapshot.Pod) -> String?) {
            var byKey: [String: [Int]] = [:]
            for (index, pod) in newLeft.enumerated() {
                if let k = key(pod) { byKey[newScope(pod) + "\u{0}" + k, default: []].append(index) }
            }
            var oldCounts: [String: Int] = [:]
            for pod in oldLeft { if let k = key(pod) { oldCounts[oldScope(pod) + "\u{0}" + k, default: 0] += 1 } }
            var usedNew: Set<Int> = []
            var keptOld: [Snapshot.Pod] = []
            for pod in oldLeft {
                guard let own = key(pod) else { keptOld.append(pod); continue }
                let k = oldScope(pod) + "\u{0}" + own
                guard let candidates = byKey[k], let index = candidates.first(where: { !usedNew.contains($0) }),
                      !uniqueOnly || (candidates.count == 1 && oldCounts[k] == 1)
                else { keptOld.append(pod); continue }
                usedNew.insert(index)
                pairs.append((pod, newLeft[index], how))
            }
            oldLeft = keptOld
            newLeft = newLeft.enumerated().filter { !usedNew.contains($0.offset) }.map(\.element)
        }
        // UIDs never repeat across clusters: they pair pods only where a cluster is on both sides.
        // With --all-containers a pod has one entry per container: like is paired with like.
        if !differentClusters { match("uid") { $0.entry.uid.isEmpty ? nil : "\($0.entry.uid)\u{0}\($0.entry.targetContainer)" } }
        match("name") { "\($0.entry.namespace)\u{0}\($0.entry.name)\u{0}\($0.entry.targetContainer)" }
        // A pod whose evidence came from another container on the other side is still the same pod.
        if !differentClusters { match("uid") { $0.entry.uid.isEmpty ? nil : $0.entry.uid } }
        match("name") { "\($0.entry.namespace)\u{0}\($0.entry.name)" }
        match("workload", uniqueOnly: true, Self.workloadKey)

        // A pod with an entry per container (--all-containers) is named with its container.
        let several = old.pods.map(\.entry).podsWithSeveralEntries.union(new.pods.map(\.entry).podsWithSeveralEntries)
        func ref(_ pod: Snapshot.Pod) -> DiffReport.PodRef {
            var ref = podRef(pod)
            if several.contains(pod.entry.podKey) { ref.container = pod.entry.targetContainer }
            return ref
        }
        var changed: [DiffReport.PodChange] = []
        var unchanged: [DiffReport.PodRef] = []
        var notCompared: [DiffReport.PodChange] = []
        for (a, b, how) in pairs {
            var change = podChange(a, b, matchedBy: how, options: options)
            change.old = ref(a)
            change.new = ref(b)
            if change.hasChanges {
                changed.append(change)
            } else if change.notes.isEmpty {
                unchanged.append(change.new)
            } else {
                notCompared.append(change)
            }
        }
        let byName: (DiffReport.PodRef, DiffReport.PodRef) -> Bool = {
            ($0.cluster ?? "", $0.namespace, $0.name) < ($1.cluster ?? "", $1.namespace, $1.name)
        }
        var comparison = DiffReport.Comparison(
            old: bundleRef(old), new: bundleRef(new), differentClusters: differentClusters,
            pods: changed.sorted { byName($0.new, $1.new) }, unchanged: unchanged.sorted(by: byName),
            onlyInOld: oldLeft.map(ref).sorted(by: byName), onlyInNew: newLeft.map(ref).sorted(by: byName))
        comparison.notCompared = notCompared.isEmpty ? nil : notCompared.sorted { byName($0.new, $1.new) }
        let (oldProfile, newProfile) = (old.manifest.run.profile, new.manifest.run.profile)
        if oldProfile.sha256 != newProfile.sha256 {
            comparison.profileNote = "The bundles were collected with different profiles (\(oldProfile.name) and \(newProfile.name)): "
                + "what only one of them gathers (executables, namespace links, …) is unknown on the other side and not reported as a change."
        }
        let (oldMethod, newMethod) = (old.manifest.run.method ?? "ephemeral", new.manifest.run.method ?? "ephemeral")
        if oldMethod != newMethod {
            comparison.methodNote = "The bundles were collected by different methods (\(oldMethod) and \(newMethod)): "
                + "both ran the same in-pod script in the target's namespaces, so their evidence is compared as usual."
        }
        return comparison
    }

    /// A process whose executable one side could not read (`?`: the profile had no
    /// right to the link) is the same process as one with the same argv on the
    /// other side: the pair is dropped from added and removed.
    static func reconcilingUnknownExecutables(_ changes: ItemChanges) -> ItemChanges {
        func argvKey(_ item: DiffItem) -> Substring { item.key.drop { $0 != "\u{0}" } }
        func exeUnknown(_ item: DiffItem) -> Bool { item.key.hasPrefix("?\u{0}") }
        var added = changes.added
        var removed = changes.removed
        for item in changes.added {
            guard let match = removed.firstIndex(where: { argvKey($0) == argvKey(item) && (exeUnknown($0) || exeUnknown(item)) }),
                  let own = added.firstIndex(of: item)
            else { continue }
            removed.remove(at: match)
            added.remove(at: own)
        }
        return ItemChanges(added: added, removed: removed)
    }

    /// Namespace, owner and (for a StatefulSet) the ordinal at the end of the pod's name.
    static func workloadKey(_ pod: Snapshot.Pod) -> String? {
        guard let owner = pod.info?.owner else { return nil }
        var key = "\(pod.entry.namespace)\u{0}\(owner.kind)/\(owner.name)\u{0}\(pod.entry.targetContainer)"
        if owner.kind == "StatefulSet" {
            guard let dash = pod.entry.name.lastIndex(of: "-"), Int(pod.entry.name[pod.entry.name.index(after: dash)...]) != nil
            else { return nil }
            key += "\u{0}\(pod.entry.name[pod.entry.name.index(after: dash)...])"
        }
        return key
    }

    static func podChange(_ a: Snapshot.Pod, _ b: Snapshot.Pod, matchedBy: String, options: DiffOptions) -> DiffReport.PodChange {
        var change = DiffReport.PodChange(
            old: podRef(a), new: podRef(b), matchedBy: matchedBy, container: b.entry.targetContainer,
            processes: ItemChanges(), listeners: ItemChanges(), connections: ItemChanges(), anomalies: ItemChanges(),
            namespaces: [], restarts: [], images: [], notes: [])
        if a.entry.targetContainer != b.entry.targetContainer {
            change.notes.append("The evidence comes from different containers: \(a.entry.targetContainer) before, \(b.entry.targetContainer) after.")
        }
        if let x = a.features(options: options), let y = b.features(options: options), a.entry.targetContainer == b.entry.targetContainer {
            change.processes = reconcilingUnknownExecutables(.between(x.processes, y.processes))
            change.listeners = .between(x.listeners, y.listeners)
            change.connections = .between(x.connections, y.connections)
            change.anomalies = .between(x.anomalies, y.anomalies)
            // A namespace link one side could not read is unknown there, not changed.
            for type in Set(x.namespaceIDs.keys).intersection(y.namespaceIDs.keys).sorted() where x.namespaceIDs[type] != y.namespaceIDs[type] {
                change.namespaces.append(DiffReport.NamespaceChange(type: type, old: x.namespaceIDs[type], new: y.namespaceIDs[type]))
            }
        } else {
            for (side, pod) in [("old", a), ("new", b)] where !pod.hasEvidence {
                change.notes.append("The \(side) bundle has no evidence for this pod (outcome \(pod.entry.outcome.rawValue), \(pod.entry.reason)), so its processes and sockets are not compared.")
            }
        }
        // Restarts and images, per regular container, from pod.json (images also from the manifest).
        let oldStatuses = Dictionary((a.info?.status?.containerStatuses ?? []).map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        let newStatuses = Dictionary((b.info?.status?.containerStatuses ?? []).map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        for name in Set(oldStatuses.keys).intersection(newStatuses.keys).sorted() {
            if let r0 = oldStatuses[name]?.restartCount, let r1 = newStatuses[name]?.restartCount, r0 != r1 {
                change.restarts.append(DiffReport.RestartChange(container: name, old: r0, new: r1))
            }
        }
        let oldImages = a.entry.podImageIDs.merging(oldStatuses.compactMapValues(\.imageID)) { x, _ in x }
        let newImages = b.entry.podImageIDs.merging(newStatuses.compactMapValues(\.imageID)) { x, _ in x }
        for name in Set(oldImages.keys).intersection(newImages.keys).sorted() where oldImages[name] != newImages[name] {
            change.images.append(DiffReport.ImageChange(container: name, old: oldImages[name], new: newImages[name]))
        }
        return change
    }

    static func podRef(_ pod: Snapshot.Pod) -> DiffReport.PodRef {
        DiffReport.PodRef(cluster: pod.entry.cluster, namespace: pod.entry.namespace, name: pod.entry.name, uid: pod.entry.uid,
                          node: pod.entry.node, owner: pod.info?.owner.map { "\($0.kind)/\($0.name)" }, outcome: pod.entry.outcome.rawValue)
    }

    static func bundleRef(_ snapshot: Snapshot) -> DiffReport.BundleRef {
        let manifest = snapshot.manifest
        var ref = DiffReport.BundleRef(
            path: snapshot.path, runID: manifest.run.id, startedAt: manifest.run.startedAt, server: manifest.servers.joined(separator: ", "),
            contextName: manifest.cluster?.contextName, user: manifest.cluster?.user?.username, profile: manifest.run.profile.name,
            profileSHA256: manifest.run.profile.sha256, manifestSHA256: snapshot.manifestSHA256, signed: snapshot.signed)
        if let clusters = manifest.clusters { ref.clusters = clusters.map(\.name) }
        return ref
    }

    /// Two or more snapshots in order: `diff` for two, a `timeline` of each consecutive pair for more.
    public static func report(_ snapshots: [Snapshot], options: DiffOptions = DiffOptions()) -> DiffReport {
        let comparisons = zip(snapshots, snapshots.dropFirst()).map { compare($0, $1, options: options) }
        return DiffReport(mode: snapshots.count > 2 ? .timeline : .diff, comparisons: comparisons)
    }
}
