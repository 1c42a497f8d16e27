import Bundle
import KubeAPI

/// Why one pod's collection failed, in the vocabulary of the manifest: the
/// step it failed at, a short stable reason, and a full sentence for people.
public struct PodFailure: Error, Sendable, Equatable {
    /// The manifest's own steps: a failure is recorded at the step the run was in.
    public typealias Step = Manifest.Step

    /// Stable, machine-readable reasons (the manifest's `reason`).
    public enum Reason: String, Sendable, Codable {
        case imagePull = "ImagePull"
        case admission = "AdmissionRejected"
        case rbac = "Forbidden"
        case ephemeralContainersDisabled = "EphemeralContainersDisabled"
        case invalid = "Invalid"
        case timeout = "Timeout"
        case podDeleted = "PodDeleted"
        case podReplaced = "PodReplaced"
        case containerFailed = "ContainerFailed"
        case hashMismatch = "HashMismatch"
        case truncated = "Truncated"
        case apiError = "APIError"
        case unreachable = "Unreachable"
        case watchFailed = "WatchFailed"
        case bundleWrite = "BundleWriteFailed"
        /// pods/attach refused or failed before the script was on its way:
        /// the container waits for it and then ends on its own.
        case scriptNotDelivered = "ScriptNotDelivered"
        /// `--via node`: the node's helper pod could not be created, did not start, or its output broke off.
        case helperFailed = "HelperFailed"
        /// `--via node`: no process on the node belongs to the target container.
        case containerNotFound = "ContainerNotFound"
    }

    public var step: Step
    public var reason: Reason
    public var message: String

    public init(step: Step, reason: Reason, message: String) {
        self.step = step
        self.reason = reason
        self.message = message
    }

    /// Reads an API error from the PATCH that injects the container.
    ///
    /// A 403 is either RBAC (the user may not patch pods/ephemeralcontainers)
    /// or admission (Pod Security, a webhook) — the server's message tells
    /// them apart. A 404 on a pod we just listed means either that the pod
    /// is gone or that the cluster has ephemeral containers switched off:
    /// `podExists` (from a GET) decides.
    public static func fromInjection(_ error: any Error, pod: PodKey, podExists: Bool?) -> PodFailure {
        guard let api = error as? KubeAPIError else {
            return PodFailure(step: .inject, reason: .apiError, message: "Injecting into \(pod) failed: \(error)")
        }
        let serverMessage = api.serverStatus?.message ?? "\(api)"
        switch api.statusCode {
        case 403:
            if isAdmission(serverMessage) {
                return PodFailure(step: .inject, reason: .admission,
                                  message: "Admission refused the evidence container in \(pod): \(serverMessage). A profile that the namespace's policy admits (for example --profile restricted) may get through.")
            }
            return PodFailure(step: .inject, reason: .rbac,
                              message: "Not allowed to add an ephemeral container to \(pod): \(serverMessage). The user needs RBAC permission to patch pods/ephemeralcontainers.")
        case 404:
            if podExists == false {
                return PodFailure(step: .inject, reason: .podDeleted, message: "The pod \(pod) was deleted before the evidence container could be added.")
            }
            return PodFailure(step: .inject, reason: .ephemeralContainersDisabled,
                              message: "The API server answered 404 for \(pod)/ephemeralcontainers although the pod exists: ephemeral containers are switched off in this cluster (feature gate EphemeralContainers, or an API server older than v1.23).")
        case 422:
            let causes = api.serverStatus?.details?.causes.map { "\($0.field ?? "?"): \($0.message ?? "")" }.joined(separator: "; ") ?? ""
            return PodFailure(step: .inject, reason: .invalid,
                              message: "The API server found the evidence container for \(pod) invalid: \(serverMessage)\(causes.isEmpty ? "" : " (\(causes))")")
        default:
            return fromTransport(api, step: .inject, pod: pod)
        }
    }

    /// A transport failure or any other API error at some step.
    public static func fromTransport(_ error: any Error, step: Step, pod: PodKey) -> PodFailure {
        if let api = error as? KubeAPIError {
            switch api {
            case .connectionRefused, .hostNotFound, .tlsVerificationFailed, .connectionLost:
                return PodFailure(step: step, reason: .unreachable, message: "While collecting \(pod): \(api.description)")
            case .timedOut:
                return PodFailure(step: step, reason: .timeout, message: "While collecting \(pod): \(api.description)")
            default:
                if api.statusCode == 404 && step == .log {
                    return PodFailure(step: step, reason: .podDeleted, message: "The pod \(pod) was deleted before its evidence could be read: \(api.description)")
                }
                if api.statusCode == 403 {
                    return PodFailure(step: step, reason: .rbac, message: "Not allowed while collecting \(pod): \(api.serverStatus?.message ?? api.description)")
                }
                return PodFailure(step: step, reason: .apiError, message: "While collecting \(pod): \(api.description)")
            }
        }
        return PodFailure(step: step, reason: .apiError, message: "While collecting \(pod): \(error)")
    }

    static func isAdmission(_ message: String) -> Bool {
        message.contains("violates PodSecurity") || message.contains("admission webhook") || message.contains("denied the request")
    }
}
