import KubeAPI

/// Which delivery a run uses, decided before the plan (the footprint limit
/// depends on it) and before any pod is touched.
///
/// `pods/attach` is a permission of its own (RBAC `get` and `create` on the subresource),
/// often withheld from those who may patch ephemeral containers. `auto` asks
/// the API server (SelfSubjectAccessReview) in every namespace of the
/// selection and attaches only where all of them allow it; otherwise the run
/// packs the script into the command and says so. An explicit `attach` that
/// is not allowed stops the run before it starts.
public struct ScriptDeliveryChoice: Sendable, Equatable {
    public enum Requested: String, Sendable, CaseIterable {
        case auto, attach, command
    }

    public var delivery: ScriptDelivery
    /// Why `auto` fell back to the packed command, for the user.
    public var notice: String?

    public init(delivery: ScriptDelivery, notice: String? = nil) {
        self.delivery = delivery
        self.notice = notice
    }

    public static func choose(_ requested: Requested, namespaces: [String], client: KubeClient) async throws -> ScriptDeliveryChoice {
        if requested == .command { return ScriptDeliveryChoice(delivery: .command) }
        if client.connection.proxy != nil {
            let why = "this tool does not attach through the kubeconfig's proxy"
            if requested == .attach { throw Preflight.Refusal(message: "--script-delivery attach cannot be used: \(why). Use --script-delivery command.") }
            return ScriptDeliveryChoice(delivery: .command, notice: "The script goes packed into each evidence container's command (about 10 KB a pod), not through pods/attach: \(why).")
        }
        var denied: [String] = []
        var deniedVerb = ""
        for namespace in namespaces.sorted() {
            // The WebSocket upgrade is a GET, authorized as get and, since Kubernetes 1.31, as create too.
            for verb in ["get", "create"] {
                let review = try await client.selfSubjectAccessReview(
                    ResourceAttributes(namespace: namespace, verb: verb, resource: "pods", subresource: "attach"))
                if review.status?.allowed != true {
                    if denied.isEmpty { deniedVerb = verb }
                    denied.append(namespace)
                    break
                }
            }
        }
        guard !denied.isEmpty else { return ScriptDeliveryChoice(delivery: .attach) }
        let which = (denied.count == 1 ? "namespace " : "namespaces ") + denied.joined(separator: ", ")
        let check = "`kubectl auth can-i \(deniedVerb) pods --subresource=attach -n \(denied[0])` says no"
        if requested == .attach {
            throw Preflight.Refusal(message: "--script-delivery attach needs RBAC get and create on pods/attach, which are not allowed in \(which) (\(check)); no pod was touched. Use --script-delivery command, or ask for the permission.")
        }
        return ScriptDeliveryChoice(
            delivery: .command,
            notice: "The script goes packed into each evidence container's command (about 10 KB a pod, for the pod's lifetime), not through pods/attach: attaching is not allowed in \(which) (\(check)).")
    }
}
