import Evidence
import KubeAPI

/// Turns the pods the API server selected into a `CollectionPlan`.
///
/// The rules follow what `kubectl debug --target` needs to work: the pod must
/// be Running and not being deleted, run on Linux (ephemeral containers share
/// Linux namespaces), and have the target container, itself running — a
/// container that is waiting has no process namespace to join.
public enum CollectionPlanner {
    /// The annotation kubectl reads to pick a pod's container when none is given.
    public static let defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

    /// `limit` skips the pods that their evidence containers would take past a safe size.
    /// `allContainers` makes every running regular container of a pod a target (`--all-containers`).
    public static func plan(pods: [Pod], selection: PodSelection, requestedContainer: String?,
                            limit: FootprintLimit = .none, allContainers: Bool = false) -> CollectionPlan {
        var targets: [PlannedTarget] = []
        var skipped: [SkippedPod] = []
        let ordered = pods.sorted { ($0.metadata.namespace ?? "", $0.metadata.name) < ($1.metadata.namespace ?? "", $1.metadata.name) }
        for pod in ordered {
            switch allContainers ? decideAll(pod: pod, limit: limit) : decide(pod: pod, requestedContainer: requestedContainer, limit: limit) {
            case .target(let target): targets.append(target)
            case .targets(let all): targets += all
            case .skip(let skip): skipped.append(skip)
            }
        }
        return CollectionPlan(selection: selection, requestedContainer: requestedContainer, targets: targets, skipped: skipped,
                              allContainers: allContainers)
    }

    enum Decision {
        case target(PlannedTarget)
        /// `--all-containers`: one target per running container of the pod.
        case targets([PlannedTarget])
        case skip(SkippedPod)
    }

    /// `--all-containers`: every regular container that runs is a target; one that
    /// does not is named in the others' note (it has no processes to see). The
    /// footprint limit counts one evidence container per target.
    static func decideAll(pod: Pod, limit: FootprintLimit = .none) -> Decision {
        let names = pod.spec.containers.map(\.name)
        guard !names.isEmpty else {
            return decide(pod: pod, requestedContainer: nil, limit: limit)
        }
        // One process namespace for the whole pod: one evidence container already sees every
        // container's processes, and several would see (and could reach) each other.
        if pod.spec.shareProcessNamespace == true || pod.spec.hostPID == true {
            let decision = decide(pod: pod, requestedContainer: nil, limit: limit)
            guard case .target(var target) = decision else { return decision }
            let shared = pod.spec.hostPID == true ? "the node's (hostPID)" : "one process namespace (shareProcessNamespace)"
            target.note = [target.note, "The pod's containers share \(shared), so one evidence container sees every container's processes; --all-containers adds no other."]
                .compactMap { $0 }.joined(separator: " ")
            return .target(target)
        }
        // The size limit counts one evidence container per container that runs (each gets one).
        let running = pod.status.containerStatuses.filter { $0.state.running != nil }.count
        var perPod = limit
        perPod.addedBytes = limit.addedBytes * max(1, running)
        // The pod-level rules (deleted, not running, Windows, size) and each container's, as for one target.
        var decisions: [(String, Decision)] = []
        for name in names {
            decisions.append((name, decide(pod: pod, requestedContainer: name, limit: perPod)))
        }
        var targets: [PlannedTarget] = []
        var notRunning: [String] = []
        for (name, decision) in decisions {
            switch decision {
            case .target(var target):
                target.targetChosenBy = .allContainers
                targets.append(target)
            case .skip(let skip) where skip.reason == .targetNotRunning:
                notRunning.append(name)
            case .skip(let skip):
                // A rule of the whole pod (deleted, not running, Windows, too large): the same for every container.
                return .skip(skip)
            case .targets(let more):
                targets += more
            }
        }
        // None runs: the first container's reason, as for one target.
        guard !targets.isEmpty else { return decisions[0].1 }
        if !notRunning.isEmpty {
            let note = "Not collected: \(notRunning.map { "\"\($0)\"" }.joined(separator: ", ")) \(notRunning.count == 1 ? "is" : "are") not running, so there is no process namespace to join."
            for index in targets.indices { targets[index].note = [targets[index].note, note].compactMap { $0 }.joined(separator: " ") }
        }
        return .targets(targets)
    }

    static func decide(pod: Pod, requestedContainer: String?, limit: FootprintLimit = .none) -> Decision {
        let namespace = pod.metadata.namespace ?? ""
        let name = pod.metadata.name
        let phase = pod.status.phase
        let node = pod.spec.nodeName
        func skip(_ reason: SkipReason, _ explanation: String) -> Decision {
            .skip(SkippedPod(namespace: namespace, pod: name, node: node, phase: phase, reason: reason, explanation: explanation))
        }

        if pod.metadata.deletionTimestamp != nil {
            return skip(.terminating, "The pod is being deleted (since \(pod.metadata.deletionTimestamp ?? "")); its processes are shutting down.")
        }
        if phase != "Running" {
            return skip(.notRunning, "The pod's phase is \(phase ?? "unknown"), not Running, so it has no live processes to examine.")
        }
        if isWindows(pod) {
            return skip(.windowsNode, "The pod runs on a Windows node; ephemeral containers there do not share Linux namespaces with the pod.")
        }

        let containerNames = pod.spec.containers.map(\.name)
        var choice: TargetChoice
        var target: String
        var note: String?
        if let requestedContainer {
            guard containerNames.contains(requestedContainer) else {
                return skip(.noSuchContainer, "The pod has no container named \"\(requestedContainer)\" (it has: \(containerNames.joined(separator: ", "))).")
            }
            choice = .flag
            target = requestedContainer
        } else if let annotated = pod.metadata.annotations[defaultContainerAnnotation], containerNames.contains(annotated) {
            choice = .annotation
            target = annotated
        } else if let first = containerNames.first {
            choice = .firstContainer
            target = first
            if let annotated = pod.metadata.annotations[defaultContainerAnnotation] {
                note = "The pod's default-container annotation names \"\(annotated)\", which the pod does not have; using its first container, as kubectl does."
            }
        } else {
            return skip(.noSuchContainer, "The pod declares no containers.")
        }

        if let status = pod.status.containerStatuses.first(where: { $0.name == target }), status.state.running == nil {
            let state: String
            if let waiting = status.state.waiting {
                state = "waiting" + (waiting.reason.map { " (\($0))" } ?? "")
            } else if let terminated = status.state.terminated {
                state = "terminated" + (terminated.reason.map { " (\($0))" } ?? "")
            } else {
                state = "in no known state"
            }
            return skip(.targetNotRunning, "The target container \"\(target)\" is \(state), so there is no process namespace to join.")
        }

        let footprint = pod.objectSize > 0 ? PodFootprint(pod) : nil
        if let footprint, let most = limit.maxObjectBytes, footprint.objectBytes + limit.addedBytes > most {
            return skip(.objectTooLarge, "The pod's object is \(ByteSize.text(footprint.objectBytes)) with \(footprint.ephemeralContainers) ephemeral container\(footprint.ephemeralContainers == 1 ? "" : "s"); one more evidence container (about \(ByteSize.text(limit.addedBytes))) would take it past the limit of \(ByteSize.text(most)) (--max-pod-size; the default 1 MiB stays clear of etcd's 1.5 MiB, past which not even the kubelet's status updates are written). Ephemeral containers cannot be removed; --force adds one anyway.")
        }
        return .target(PlannedTarget(
            namespace: namespace, pod: name, uid: pod.metadata.uid, node: node, phase: phase,
            targetContainer: target, targetChosenBy: choice, note: note,
            specRunAsUsers: pod.spec.runAsUsers.isEmpty ? nil : pod.spec.runAsUsers, footprint: footprint,
            containerID: pod.status.containerStatuses.first { $0.name == target }?.containerID))
    }

    /// A pod is on Windows when its spec says so: `spec.os.name` (the field
    /// the scheduler and the kubelet honour) or a `kubernetes.io/os` node selector.
    static func isWindows(_ pod: Pod) -> Bool {
        if pod.spec.os?.name.lowercased() == "windows" { return true }
        if pod.spec.nodeSelector["kubernetes.io/os"]?.lowercased() == "windows" { return true }
        return false
    }
}
