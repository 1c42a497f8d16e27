import Bundle

extension PlannedTarget {
    /// The manifest entry of a target that ended without evidence: interrupted
    /// before it was reached, or failed at `failedStep` (the node method's
    /// helper, an injection the run did not get to).
    func entry(outcome: Manifest.Outcome, reason: String, failedStep: Manifest.Step? = nil, message: String) -> Manifest.Pod {
        Manifest.Pod(
            namespace: namespace, name: pod, uid: uid ?? "", node: node, phase: phase,
            targetContainer: targetContainer, outcome: outcome, reason: reason,
            failedStep: outcome == .failed ? failedStep : nil, message: message)
    }
}
