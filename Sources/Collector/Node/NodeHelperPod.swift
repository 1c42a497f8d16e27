import Crypto
import Foundation
import KubeAPI

/// How a run reaches the pods' processes (`collect --via`).
public enum CollectionMethod: String, Sendable, Codable, CaseIterable {
    /// An ephemeral container in each pod, joining the target container's namespaces.
    case ephemeral
    /// One helper pod per node (hostPID, privileged) that enters each target
    /// container's namespaces from the host: nothing is added to the pods.
    case node
}

/// The node helper: one short-lived pod per node that runs `node-collect.sh`
/// (in kubectl debug's `sysadmin` vocabulary: hostPID, privileged, pinned with
/// `nodeName`, tolerating every taint). It is deleted when its node is done;
/// `activeDeadlineSeconds` ends it if the tool dies first.
public struct NodeHelperPod: Sendable {
    /// One container the helper collects from.
    public struct Target: Sendable, Equatable {
        public var index: Int
        public var podUID: String
        /// The runtime's id, without its `containerd://` scheme.
        public var containerID: String
    }

    public var name: String
    /// Random, in the name and in an annotation: a pod found under the name after a
    /// lost reply is this run's only if it carries it (no one can make one in advance).
    public var nonce: String
    public var namespace: String
    public var node: String
    public var image: String
    public var imagePullPolicy: String
    public var targets: [Target]
    /// Targets the helper runs at once.
    public var parallelism: Int
    /// The most seconds one target's script may run before the helper kills it.
    public var secondsPerTarget: Int
    public var activeDeadlineSeconds: Int
    public var scriptArguments: [String]
    public var runID: RunID

    /// The helper's name: the run's evidence name, a digest of the node's (a node
    /// named by anything still gives a valid name that says which node), and the
    /// nonce, so that no one who sees one helper can make the next one's pod first.
    public static func name(runID: RunID, node: String, nonce: String) -> String {
        let digest = SHA256.hash(data: Array(node.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
        return "\(runID.containerName)-node-\(digest)-\(nonce)"
    }

    /// A fresh nonce: eight characters of the alphabet of generated names.
    public static func newNonce() -> String { RunID.generate().value }

    /// The annotation that carries the nonce.
    public static let nonceAnnotation = "kubectl-evidence/helper-nonce"

    /// Whether `pod` (found under the helper's name) is this helper: its nonce,
    /// run and node are this one's.
    public func isThis(_ pod: Pod) -> Bool {
        pod.metadata.annotations[Self.nonceAnnotation] == nonce && pod.metadata.labels["kubectl-evidence/run"] == runID.value
            && pod.spec.nodeName == node
    }

    /// The helper of `request`'s run for `node`: a fresh nonce, the profile's image
    /// and script arguments, up to ``NodeCollection/parallelism`` targets at once,
    /// each killed after the profile's time for a pod (so that one target cannot
    /// hold up its node's others longer than its own collection would have taken
    /// in an evidence container). The preflight's sample and each node's helper are
    /// made here alike.
    static func of(_ request: CollectionRequest, node: String, namespace: String, targets: [Target], activeDeadlineSeconds: Int) -> NodeHelperPod {
        let nonce = newNonce()
        let profile = request.profile
        return NodeHelperPod(
            name: name(runID: request.runID, node: node, nonce: nonce), nonce: nonce, namespace: namespace, node: node,
            image: profile.image, imagePullPolicy: profile.imagePullPolicy.rawValue, targets: targets,
            parallelism: min(NodeCollection.parallelism, max(1, targets.count)),
            secondsPerTarget: min(86_400, max(1, Int(profile.timeouts.podSeconds.rounded(.up)))),
            activeDeadlineSeconds: activeDeadlineSeconds,
            scriptArguments: scriptArguments(InPodScript.Options(profile: profile)), runID: request.runID)
    }

    /// The runtime's container id from `status.containerStatuses[].containerID`
    /// (`containerd://<id>`, `cri-o://<id>`, `docker://<id>`), or nil when it is
    /// missing or holds anything but letters, digits, `.`, `_` and `-`: it goes
    /// into the helper's command and is matched against cgroup paths.
    public static func runtimeID(_ containerID: String?) -> String? {
        guard let containerID, let range = containerID.range(of: "://") else { return nil }
        let id = String(containerID[range.upperBound...])
        return isSafeWord(id) ? id : nil
    }

    static func isSafeWord(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 128 && text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }

    /// The script's arguments for the node: the profile's, but its termination
    /// message goes to a file per target (the helper sets it) and its temporary
    /// directory is the helper's /tmp.
    public static func scriptArguments(_ options: InPodScript.Options) -> [String] {
        var options = options
        options.terminationLogPath = "/dev/termination-log"
        options.temporaryDirectory = nil
        return options.arguments
    }

    /// The helper's command: `sh -c <node-collect> node-collect <packed script> <sha> <jobs> <seconds> <args> -- <targets>`.
    public var command: [String] {
        ["sh", "-c", NodeHelperScript.text, NodeHelperScript.programName, InPodBootstrap.packedScript, InPodBootstrap.scriptSHA256,
         String(parallelism), String(secondsPerTarget)] + scriptArguments + ["--"] + targets.map { "\($0.index):\($0.podUID):\($0.containerID)" }
    }

    /// The pod's JSON as it is sent (every `$` doubled for the kubelet's expansion).
    public func json() throws -> [UInt8] {
        struct Body: Encodable {
            var apiVersion = "v1"
            var kind = "Pod"
            var metadata: Metadata
            var spec: Spec
            struct Metadata: Encodable {
                var name: String
                var namespace: String
                var labels: [String: String]
                var annotations: [String: String]
            }
            struct Spec: Encodable {
                var nodeName: String
                var hostPID = true
                var restartPolicy = "Never"
                var activeDeadlineSeconds: Int
                var terminationGracePeriodSeconds = 0
                var automountServiceAccountToken = false
                var enableServiceLinks = false
                var tolerations = [Toleration()]
                var containers: [Container]
            }
            struct Toleration: Encodable { var `operator` = "Exists" }
            struct Container: Encodable {
                var name = NodeHelperPod.containerName
                var image: String
                var imagePullPolicy: String
                var command: [String]
                var securityContext = SecurityContext()
                var terminationMessagePolicy = "File"
            }
            struct SecurityContext: Encodable { var privileged = true }
        }
        let body = Body(
            metadata: .init(name: name, namespace: namespace, labels: [
                "app.kubernetes.io/managed-by": "kubectl-evidence",
                "app.kubernetes.io/component": "node-helper",
                "kubectl-evidence/run": runID.value,
            ], annotations: [Self.nonceAnnotation: nonce]),
            spec: .init(nodeName: node, activeDeadlineSeconds: activeDeadlineSeconds, containers: [
                .init(image: image, imagePullPolicy: imagePullPolicy, command: command.map(KubeletEscaping.escape)),
            ]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(body))
    }

    /// The helper's one container.
    public static let containerName = "evidence-node"
}

/// `node-collect.sh`, compiled into the binary and compacted as the in-pod script is.
public enum NodeHelperScript {
    public static let text: String = InPodScript.compact(String(decoding: PackageResources.node_collect_sh, as: UTF8.self))
    static let programName = "node-collect"
}
