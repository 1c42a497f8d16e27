import Evidence
import KubeAPI

/// The plan of a collection run: which pods get an evidence container, in
/// which of their containers' namespaces, and which pods are left alone and
/// why. A dry run prints it and stops; a real run follows it.
public struct CollectionPlan: Sendable, Codable {
    public var selection: PodSelection
    /// The container the user asked for with `--container`, if any.
    public var requestedContainer: String?
    /// `--all-containers`: every running regular container of each pod is a target,
    /// one evidence container each, all added to the pod in one PATCH.
    public var allContainers: Bool?
    /// `--via node`: the pods are reached through a helper pod per node, and
    /// nothing is added to them; nil: an evidence container in each (the default).
    public var method: CollectionMethod?
    /// One per evidence container: with `--all-containers` a pod has one per running
    /// container, side by side (same namespace and pod); otherwise one per pod.
    public var targets: [PlannedTarget]
    public var skipped: [SkippedPod]

    public init(selection: PodSelection, requestedContainer: String?, targets: [PlannedTarget], skipped: [SkippedPod],
                allContainers: Bool = false) {
        self.selection = selection
        self.requestedContainer = requestedContainer
        self.allContainers = allContainers ? true : nil
        self.targets = targets
        self.skipped = skipped
    }

    /// The targets grouped by pod, in plan order: each group gets its evidence
    /// containers in one PATCH and is followed on one watch.
    public var targetsByPod: [[PlannedTarget]] {
        var groups: [[PlannedTarget]] = []
        var index: [String: Int] = [:]
        for target in targets {
            let key = "\(target.namespace)/\(target.pod)"
            if let at = index[key] { groups[at].append(target) } else {
                index[key] = groups.count
                groups.append([target])
            }
        }
        return groups
    }

    /// How many pods may be in flight when `concurrency` evidence containers may:
    /// with `--all-containers` a pod holds one per target, so fewer pods.
    public func podsInFlight(concurrency: Int) -> Int {
        max(1, concurrency / widestPod)
    }

    /// The most evidence containers one pod gets: 1, or with `--all-containers` its running containers.
    public var widestPod: Int { max(1, targetsByPod.map(\.count).max() ?? 1) }

    /// Pods with at least one target.
    public var podCount: Int { Set(targets.map { "\($0.namespace)/\($0.pod)" }).count }

    /// Every pod the selection matched, planned or skipped.
    public var selectedCount: Int { podCount + skipped.count }

    /// A warning when some targets already carry many evidence containers from
    /// earlier runs (``PodFootprint/manyEvidenceContainers``); nil otherwise.
    public var crowdedWarning: String? {
        let crowded = targets.filter { ($0.footprint?.evidenceContainers ?? 0) >= PodFootprint.manyEvidenceContainers }
        guard let most = crowded.max(by: { ($0.footprint?.evidenceContainers ?? 0) < ($1.footprint?.evidenceContainers ?? 0) }),
            let footprint = most.footprint
        else { return nil }
        let pods = crowded.count == 1 ? "1 pod already carries" : "\(crowded.count) pods already carry"
        return "warning: \(pods) \(PodFootprint.manyEvidenceContainers) or more evidence containers from earlier runs (the most: \(most.namespace)/\(most.pod) with \(footprint.evidenceContainers), its object \(ByteSize.text(footprint.objectBytes))); this run adds one more to each, and none can be removed until the pod is deleted."
    }
}

/// A pod that will get an evidence container targeting one of its containers.
public struct PlannedTarget: Sendable, Codable, Equatable {
    public var namespace: String
    public var pod: String
    public var uid: String?
    public var node: String?
    public var phase: String?
    /// The container whose pid namespace the evidence container joins.
    public var targetContainer: String
    /// How the target container was chosen: `--container`, the pod's
    /// default-container annotation, or the pod's first container.
    public var targetChosenBy: TargetChoice
    /// Set when the pod's default-container annotation named a container the
    /// pod does not have; kubectl falls back to the first container and so do we,
    /// but the user should know.
    public var note: String?
    /// Every `runAsUser` the pod's spec names (pod level and each container):
    /// an evidence container running as one of them would share its uid with
    /// the pod's processes, which could then reach its files through
    /// `/proc/<pid>/root` before they are hashed. Left out of the JSON when empty.
    public var specRunAsUsers: [Int64]?
    /// What the pod carries before this run adds its container (nil when the
    /// plan was made from pods without their size).
    public var footprint: PodFootprint?
    /// The target container's runtime id from the pod's status
    /// (`containerd://<id>`): what `--via node` finds its processes by.
    public var containerID: String?
}

public enum TargetChoice: String, Sendable, Codable {
    case flag = "--container"
    case annotation = "default-container annotation"
    case firstContainer = "first container"
    case allContainers = "--all-containers"
}

/// A pod the selection matched but the collection will not touch.
public struct SkippedPod: Sendable, Codable, Equatable {
    public var namespace: String
    public var pod: String
    public var node: String?
    public var phase: String?
    public var reason: SkipReason
    /// A full sentence for the plan and the manifest.
    public var explanation: String
}

/// Why a pod is skipped. Stable strings: they go into the manifest and JSON plan.
public enum SkipReason: String, Sendable, Codable {
    case notRunning = "NotRunning"
    case terminating = "Terminating"
    case windowsNode = "WindowsNode"
    case noSuchContainer = "NoSuchContainer"
    case targetNotRunning = "TargetContainerNotRunning"
    /// One more container would take the pod's object past the safe size (`--force` overrides).
    case objectTooLarge = "ObjectTooLarge"
}
