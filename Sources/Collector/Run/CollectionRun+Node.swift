import Bundle
import Foundation
import KubeAPI

extension CollectionRun {
    /// The namespace the node helpers go into: `--helper-namespace`, else the
    /// plan's first namespace.
    public var helperNamespace: String {
        request.helperNamespace ?? request.plan.targets.first?.namespace ?? request.plan.selection.namespace ?? "default"
    }

    /// The helper the first node would get, for the preflight's dry run (nil with no targets).
    var sampleNodeHelper: NodeHelperPod? {
        guard let group = targetsByNode.first(where: { $0.node != nil }), let node = group.node else { return nil }
        let targets = group.targets.enumerated().compactMap { index, target -> NodeHelperPod.Target? in
            guard let id = NodeHelperPod.runtimeID(target.containerID), let uid = target.uid else { return nil }
            return NodeHelperPod.Target(index: index, podUID: uid, containerID: id)
        }
        return NodeHelperPod.of(request, node: node, namespace: helperNamespace, targets: targets, activeDeadlineSeconds: 60)
    }

    /// The planned targets per node, in plan order; targets without a node have none.
    var targetsByNode: [(node: String?, targets: [PlannedTarget])] {
        var groups: [(node: String?, targets: [PlannedTarget])] = []
        var index: [String: Int] = [:]
        for target in request.plan.targets {
            let key = target.node ?? ""
            if let at = index[key] { groups[at].targets.append(target) } else {
                index[key] = groups.count
                groups.append((target.node, [target]))
            }
        }
        return groups
    }

    /// `--via node`: one helper pod per node, at most `--concurrency` nodes at
    /// once (through the same Dispatch admission as the evidence containers),
    /// nothing added to the pods. No watch of the selection is needed: the pods
    /// are not changed, and each is read once after its evidence.
    func collectThroughNodes(into sink: BundleSink, sharing slots: DispatchFanOut.Slots?) async -> [Manifest.Pod] {
        let namespace = helperNamespace
        progress.notice("Each node that runs selected pods gets one helper pod in namespace \(namespace) (hostPID, privileged) that collects from the host and is deleted when its node is done. Nothing is added to the pods.")
        progress.update({ $0.selected = request.plan.selectedCount })
        let entries = PodEntries()
        let nodes = targetsByNode
        let fanOut = slots.map { DispatchFanOut(sharing: $0) } ?? DispatchFanOut(limit: max(1, min(request.concurrency, nodes.count)))
        let refused = refusal(for: namespace)
        let group = Task { [self] in
            await fanOut.run(
                nodes.map(\.targets),
                shouldAdmit: { [weak self] in !(self?.isInterrupted ?? true) },
                notStarted: { [progress] targets in
                    for target in targets {
                        entries.append(target.entry(outcome: .interrupted, reason: "Interrupted",
                                                    message: "The run was interrupted before this pod's node was started on; nothing was added to it."))
                        progress.update({ $0.interrupted += 1 })
                    }
                },
                work: { [self, sink] targets in
                    guard let first = targets.first else { return }
                    if let failure = refused ?? (first.node == nil ? PodFailure(step: .helper, reason: .helperFailed, message: "The pod is not scheduled on a node, so no node helper can reach it.") : nil) {
                        for target in targets {
                            entries.append(target.entry(outcome: .failed, reason: failure.reason.rawValue, failedStep: failure.step,
                                                        message: failure.message))
                            progress.update({ $0.failed += 1 }, event: "failed     \(target.namespace)/\(target.pod): \(failure.message)")
                        }
                        return
                    }
                    let node = NodeCollection(
                        client: client, request: request, board: board, sink: sink, progress: progress, node: first.node ?? "",
                        targets: targets, helperNamespace: namespace, hardStopped: { [weak self] in self?.isHardStopped ?? true })
                    for entry in await node.run() { entries.append(entry) }
                })
        }
        if registerFanOut(group) { group.cancel() }
        await withTaskCancellationHandler {
            await group.value
        } onCancel: {
            group.cancel()
        }
        return finalEntries(entries)
    }
}
