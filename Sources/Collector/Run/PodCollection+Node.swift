import Bundle
import Foundation
import KubeAPI

extension PodCollection {
    /// `--via node`: the target's section of its node helper's output, checked
    /// against the in-pod script's own digest and written exactly as an
    /// evidence container's log is, so that `inspect`, `verify` and `diff` read
    /// it the same way. `steps` are the node's (helper created, output read).
    func collect(fromNode section: NodeHelperOutput.Section, helper: Manifest.NodeHelper,
                 steps: [Manifest.StepTime]) async -> Manifest.Pod {
        var record = Record()
        record.steps = steps
        await readPodAfterNode(&record)
        var outcome: Ending
        if section.notFound {
            outcome = .failed(PodFailure(
                step: .helper, reason: .containerNotFound,
                message: "The node helper \(helper.pod) found no process of the container \(target.targetContainer) of \(key) on node \(target.node ?? "?") (\(section.match)); the container may have restarted, or the pod moved, since the plan was made."))
            if let failure = await write([], record: &record) { outcome = .failed(failure) }
        } else {
            let message = section.terminationMessage.isEmpty ? nil : section.terminationMessage
            outcome = await finish(log: section.body, exitCode: Int32(clamping: section.exitCode), reason: nil, message: message,
                                   note: nil, record: &record)
            if case .failed(var failure) = outcome, message == nil, !section.stderr.isEmpty {
                failure.message += " It said on stderr: \(section.stderr)"
                outcome = .failed(failure)
            }
        }
        var entry = entry(record: record, outcome: outcome)
        entry.nodeHelper = helper
        return entry
    }

    /// A target its node could not collect (the helper was refused, did not
    /// start, or its output broke off before this target's section): its entry,
    /// with the pod's JSON when it can still be read.
    func failed(onNode failure: PodFailure, helper: Manifest.NodeHelper?, steps: [Manifest.StepTime],
                interrupted: Bool) async -> Manifest.Pod {
        var record = Record()
        record.steps = steps
        var outcome: Ending = interrupted ? .interrupted(failure.message) : .failed(failure)
        if !interrupted {
            await readPodAfterNode(&record)
            if let failure = await write([], record: &record) { outcome = .failed(failure) }
        }
        var entry = entry(record: record, outcome: outcome)
        entry.nodeHelper = helper
        return entry
    }

    /// The pod as it is now, for `pod.json`: unchanged by the node method. A pod
    /// that was replaced under the same name is not written (the evidence is
    /// the planned pod's: the helper matched its UID).
    private func readPodAfterNode(_ record: inout Record) async {
        guard let pod = try? await client.getPod(namespace: key.namespace, name: key.name) else { return }
        if let uid = target.uid, let now = pod.metadata.uid, uid != now { return }
        record.pod = pod
    }
}
