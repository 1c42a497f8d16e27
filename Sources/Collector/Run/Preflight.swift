import Foundation
import KubeAPI

/// Checks, before any pod is touched, that the run can succeed at all: that
/// the user may do each thing the run needs in each namespace
/// (SelfSubjectAccessReview), and that admission accepts the evidence
/// container (the PATCH with dryRun=All on the first pod). A refusal here
/// becomes one clear message instead of the same failure on every pod.
public struct Preflight: Sendable {
    /// One permission the run needs, in `kubectl auth can-i` terms.
    public struct Permission: Sendable, Equatable {
        public var verb: String
        public var resource: String
        public var subresource: String?

        public var kubectlForm: String {
            "kubectl auth can-i \(verb) pods" + (subresource.map { " --subresource=\($0)" } ?? "")
        }
    }

    public static let required: [Permission] = [
        Permission(verb: "patch", resource: "pods", subresource: "ephemeralcontainers"),
        Permission(verb: "watch", resource: "pods", subresource: nil),
        Permission(verb: "get", resource: "pods", subresource: "log"),
    ]

    public struct Refusal: Error, LocalizedError, Sendable, Equatable {
        public var message: String
        public var errorDescription: String? { message }
    }

    let client: KubeClient

    public init(client: KubeClient) {
        self.client = client
    }

    /// Every missing permission in every namespace, in one message.
    public func checkPermissions(namespaces: [String]) async throws {
        var missing: [String] = []
        for namespace in namespaces {
            for permission in Self.required {
                let review = try await client.selfSubjectAccessReview(ResourceAttributes(
                    namespace: namespace, verb: permission.verb, resource: permission.resource, subresource: permission.subresource))
                if review.status?.allowed != true {
                    let why = review.status?.reason.map { " (\($0))" } ?? ""
                    missing.append("\(permission.kubectlForm) -n \(namespace)\(why)")
                }
            }
        }
        if !missing.isEmpty {
            throw Refusal(message: "You are not allowed to do what a collection needs, so no pod was touched. These checks answer no:\n  "
                + missing.joined(separator: "\n  ")
                + "\nAsk for a Role granting patch on pods/ephemeralcontainers, get on pods/log and list/watch on pods.")
        }
    }

    /// Sends the real PATCH with dryRun=All: Pod Security and admission
    /// webhooks judge it without anything being stored in the pod.
    public func checkAdmission(pod: PodKey, patch: Data) async throws {
        do {
            _ = try await client.patchPod(namespace: pod.namespace, name: pod.name, subresource: "ephemeralcontainers",
                                          patch: patch, type: .strategicMerge, dryRun: true)
        } catch {
            let exists: Bool? = (error as? KubeAPIError)?.statusCode == 404 ? await podExists(pod) : nil
            let failure = PodFailure.fromInjection(error, pod: pod, podExists: exists)
            if failure.reason == .podDeleted { return }  // that pod's own worker will record it; not a run-wide refusal
            throw Refusal(message: "The dry run of the injection was refused, so no pod was touched. \(failure.message)")
        }
    }

    func podExists(_ pod: PodKey) async -> Bool? {
        do {
            _ = try await client.getPod(namespace: pod.namespace, name: pod.name)
            return true
        } catch let error as KubeAPIError where error.isNotFound {
            return false
        } catch {
            return nil
        }
    }
}
