import Foundation
import KubeAPI

/// Checks, before any pod is touched, that the run can succeed: that the user
/// may do each thing the run needs in each namespace (SelfSubjectAccessReview),
/// and that admission accepts the evidence container there (the PATCH with
/// dryRun=All on the namespace's first pod: Pod Security and webhooks judge it
/// without anything being stored).
///
/// A namespace that refuses costs only its own pods, which end `failed` at
/// the preflight step with the reason; when every namespace refuses, the run
/// stops with one clear message and no pod is touched.
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

    /// The whole run cannot go on; nothing was touched.
    public struct Refusal: Error, LocalizedError, Sendable, Equatable {
        public var message: String
        public var errorDescription: String? { message }
    }

    let client: KubeClient

    public init(client: KubeClient) {
        self.client = client
    }

    /// Checks every namespace of the plan. Returns, per refused namespace,
    /// the failure its pods get; throws `Refusal` when no namespace is left.
    public func check(plan: CollectionPlan, patchFor: (PlannedTarget) throws -> Data) async throws -> [String: PodFailure] {
        var refused: [String: PodFailure] = [:]
        let byNamespace = Dictionary(grouping: plan.targets, by: \.namespace)
        for namespace in byNamespace.keys.sorted() {
            if let failure = try await permissions(namespace: namespace) {
                refused[namespace] = failure
                continue
            }
            guard let first = byNamespace[namespace]?.first else { continue }
            if let failure = await admission(pod: PodKey(namespace: first.namespace, name: first.pod), patch: try patchFor(first)) {
                refused[namespace] = failure
            }
        }
        if !byNamespace.isEmpty && refused.count == byNamespace.count {
            let lines = refused.keys.sorted().map { "  \($0): \(refused[$0]!.message)" }
            throw Refusal(message: "The preflight checks refused every namespace of the selection, so no pod was touched.\n" + lines.joined(separator: "\n"))
        }
        return refused
    }

    /// What `--via node` needs in the helper's namespace: to create, read and
    /// delete its pods and read their logs. Nothing is asked of the pods' own
    /// namespaces but reading them, which the plan already did.
    public static let requiredForNode: [Permission] = [
        Permission(verb: "create", resource: "pods", subresource: nil),
        Permission(verb: "get", resource: "pods", subresource: nil),
        Permission(verb: "delete", resource: "pods", subresource: nil),
        Permission(verb: "get", resource: "pods", subresource: "log"),
    ]

    /// `--via node`: the permissions in the helper's namespace, then the dry run
    /// of one helper pod there (Pod Security must admit a privileged, hostPID
    /// pod). Every node's helper goes into that namespace, so a refusal stops
    /// the whole run before anything is created.
    public func checkNodeHelper(_ helper: NodeHelperPod) async throws {
        if let failure = try await permissions(namespace: helper.namespace, required: Self.requiredForNode,
                                               needs: "The node method needs create, get and delete on pods and get on pods/log in the helper's namespace (--helper-namespace).") {
            throw Refusal(message: "The preflight refused the node method, so nothing was created: " + failure.message)
        }
        do {
            _ = try await client.createPod(namespace: helper.namespace, body: try helper.json(), dryRun: true)
        } catch {
            let failure = NodeCollection.creationFailure(error, helper: helper)
            throw Refusal(message: "The dry run of the node helper was refused, so nothing was created: " + failure.message)
        }
    }

    /// The permissions the user lacks in `namespace`, as one failure, or nil.
    func permissions(namespace: String, required: [Permission] = Preflight.required,
                     needs: String = "A collection needs patch on pods/ephemeralcontainers, get on pods/log and list/watch on pods.") async throws -> PodFailure? {
        var missing: [String] = []
        // Under --as the answer is the impersonated user's; the hint must ask as that user too.
        let acting = client.connection.impersonation.map { impersonation in
            " --as \(impersonation.user)" + impersonation.groups.map { " --as-group \($0)" }.joined()
        } ?? ""
        for permission in required {
            let review = try await client.selfSubjectAccessReview(ResourceAttributes(
                namespace: namespace, verb: permission.verb, resource: permission.resource, subresource: permission.subresource))
            if review.status?.allowed != true {
                let why = review.status?.reason.map { " (\($0))" } ?? ""
                missing.append("`\(permission.kubectlForm) -n \(namespace)\(acting)` says no\(why)")
            }
        }
        guard !missing.isEmpty else { return nil }
        return PodFailure(step: .preflight, reason: .rbac,
                          message: "Not allowed in namespace \(namespace): " + missing.joined(separator: "; ")
                            + ". " + needs)
    }

    /// The admission verdict on the evidence container in `pod`'s namespace, or nil when admitted.
    func admission(pod: PodKey, patch: Data) async -> PodFailure? {
        do {
            _ = try await client.patchPod(namespace: pod.namespace, name: pod.name, subresource: "ephemeralcontainers",
                                          patch: patch, type: .strategicMerge, dryRun: true)
            return nil
        } catch {
            let exists: Bool? = (error as? KubeAPIError)?.statusCode == 404 ? await client.podExists(pod) : nil
            var failure = PodFailure.fromInjection(error, pod: pod, podExists: exists)
            // A pod deleted since the list is that pod's business, not the namespace's.
            if failure.reason == .podDeleted { return nil }
            failure.step = .preflight
            failure.message = "The dry run of the injection into \(pod) was refused: " + failure.message
            return failure
        }
    }
}

extension KubeClient {
    /// Whether the pod exists now: a 404 on a pod that was just listed means
    /// either that it was deleted or that the subresource is not served, and
    /// only a GET tells which. nil when the GET itself failed. With `plannedUID`,
    /// a pod of that name with another UID counts as gone: it was deleted and
    /// recreated between the list and the PATCH (the 404 was the old pod's).
    func podExists(_ pod: PodKey, plannedUID: String? = nil) async -> Bool? {
        do {
            let found = try await getPod(namespace: pod.namespace, name: pod.name)
            if let plannedUID, let uid = found.metadata.uid, uid != plannedUID { return false }
            return true
        } catch let error as KubeAPIError where error.isNotFound {
            return false
        } catch {
            return nil
        }
    }
}
