import Foundation
import KubeAPI

/// Which delivery a run uses, decided before the plan (the footprint limit
/// depends on it) and before any pod is touched.
///
/// `pods/attach` is a permission of its own (RBAC `get` and `create` on the
/// subresource), often withheld from those who may patch ephemeral containers,
/// and admission policies commonly refuse it (Kyverno, Gatekeeper, a
/// ValidatingAdmissionPolicy on CONNECT). `auto` asks in every namespace of
/// the selection: RBAC by SelfSubjectAccessReview, then admission by an attach
/// to a container name no pod has, which admission judges before the name is
/// checked: a 400 "is not valid for pod" means attaching is allowed, and
/// nothing was attached to. Where either refuses, the run packs the script into
/// the command and says why. An explicit `attach` that is refused stops the run
/// before it starts.
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

    /// The container name of the admission probe: no container can have it (a
    /// container's name is a DNS label, and this one has a dot), so the probe can
    /// never attach to anything.
    static let probeContainer = "evidence.probe"

    /// How long the probe may take, asking again while the server is unreachable.
    static let probeSeconds: TimeInterval = 10

    /// `samples` maps each namespace of the selection to one of its pods. Without
    /// `probeAdmission` (a client-side dry run, which must not send an attach that
    /// audit logs and "attach to pod" alerts would see), only RBAC is asked.
    public static func choose(_ requested: Requested, samples: [String: String], client: KubeClient,
                              probeAdmission: Bool = true) async throws -> ScriptDeliveryChoice {
        if requested == .command { return ScriptDeliveryChoice(delivery: .command) }
        // A proxy carries the attach's WebSocket in a tunnel (HTTP CONNECT or SOCKS5), as every other request.
        for namespace in samples.keys.sorted() {
            // The WebSocket upgrade is a GET, authorized as get and, since Kubernetes 1.31, as create too.
            for verb in ["get", "create"] {
                let review = try await client.selfSubjectAccessReview(
                    ResourceAttributes(namespace: namespace, verb: verb, resource: "pods", subresource: "attach"))
                if review.status?.allowed != true {
                    return try refuse(requested, "RBAC does not allow \(verb) on pods/attach in namespace \(namespace) (`kubectl auth can-i \(verb) pods --subresource=attach -n \(namespace)` says no)")
                }
            }
        }
        for namespace in samples.keys.sorted() where probeAdmission {
            guard let pod = samples[namespace] else { continue }
            if let refusal = await admissionRefusal(namespace: namespace, pod: pod, client: client) {
                return try refuse(requested, refusal)
            }
        }
        return ScriptDeliveryChoice(delivery: .attach)
    }

    /// Why attaching to `pod` would be refused, or nil when the API server lets it through.
    static func admissionRefusal(namespace: String, pod: String, client: KubeClient) async -> String? {
        let time = client.options.time
        let until = time.now.addingTimeInterval(probeSeconds)
        do {
            _ = try await Deadline.run(seconds: probeSeconds, time: time) {
                try await AskAgain.whileTransient(time: time, while: { time.now < until }) {
                    try await client.attach(namespace: namespace, pod: pod, container: probeContainer, stdin: [], outputLimit: 0)
                }
            }
            // A server that attached to a name no container can have: not what a v1.36 server does; attach would work.
            return nil
        } catch let passed as Deadline.Passed {
            return "asking whether \(namespace)/\(pod) may be attached to got no answer within \(Int(passed.seconds)) s"
        } catch let error as KubeAPIError {
            let message = error.serverStatus?.message ?? error.description
            if error.statusCode == 400, message.contains("is not valid for pod") { return nil }
            // The pod went since the list: another pod of the namespace would tell, this one cannot.
            if error.statusCode == 404 { return nil }
            return "attaching to \(namespace)/\(pod) was refused (\(error.statusCode.map { "HTTP \($0)" } ?? "no answer")): \(message)"
        } catch {
            return "attaching to \(namespace)/\(pod) could not be tried: \(error)"
        }
    }

    private static func refuse(_ requested: Requested, _ why: String) throws -> ScriptDeliveryChoice {
        if requested == .attach {
            throw Preflight.Refusal(message: "--script-delivery attach cannot be used: \(why). No pod was touched. Use --script-delivery command, or ask for the permission.")
        }
        return ScriptDeliveryChoice(
            delivery: .command,
            notice: "The script goes packed into each evidence container's command (about 10 KB a pod, for the pod's lifetime), not through pods/attach: \(why).")
    }
}
