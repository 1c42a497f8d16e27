import KubeAPI

/// Where the evidence container of one pod stands, as read from the pod's
/// `status.ephemeralContainerStatuses` (found by name: the server sorts them
/// by name, and a patch puts the new container first in the spec — position
/// means nothing).
public enum EvidenceContainerState: Sendable, Equatable {
    /// The kubelet has not reported the container yet.
    case notReported
    case waiting(reason: String?, message: String?)
    case running(startedAt: String?)
    case terminated(exitCode: Int32, reason: String?, message: String?, startedAt: String?, finishedAt: String?)

    public init(pod: Pod, containerName: String) {
        guard let status = pod.status.ephemeralContainerStatuses.first(where: { $0.name == containerName }) else {
            self = .notReported
            return
        }
        if let terminated = status.state.terminated {
            self = .terminated(exitCode: terminated.exitCode, reason: terminated.reason, message: terminated.message,
                               startedAt: terminated.startedAt, finishedAt: terminated.finishedAt)
        } else if let running = status.state.running {
            self = .running(startedAt: running.startedAt)
        } else if let waiting = status.state.waiting {
            self = .waiting(reason: waiting.reason, message: waiting.message)
        } else {
            self = .notReported
        }
    }

    /// Waiting reasons after which the container will not start without
    /// someone changing something: waiting longer only burns the timeout.
    /// ErrImagePull is not among them: the kubelet retries a failed pull, and
    /// a registry blip should not cost the evidence; ImagePullBackOff is the
    /// kubelet saying it has tried and is backing off.
    static let hopelessWaitingReasons: Set<String> = [
        "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError",
        "CreateContainerError", "RunContainerError", "PreCreateHookError", "PostStartHookError",
    ]

    /// True when the container will not produce evidence any more by waiting.
    public var isHopeless: Bool {
        if case .waiting(let reason, _) = self, let reason { return Self.hopelessWaitingReasons.contains(reason) }
        return false
    }
}
