import Foundation

/// One container of a lab pod's spec.
public struct LabContainer: Sendable, Equatable {
    public var name: String
    public var image: String
    public var command: [String]
    public var args: [String]
    /// `env`, in order: the kubelet expands `$(NAME)` in each value against the ones before it.
    public var env: [LabEnvVar]
    public var ports: [LabContainerPort]
    /// `securityContext` in the API server's field order (see `LabSecurityContext`); nil when not set.
    public var securityContext: JSONValue?

    public init(
        name: String, image: String, command: [String] = [], args: [String] = [], env: [LabEnvVar] = [],
        ports: [LabContainerPort] = [], securityContext: JSONValue? = nil
    ) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.ports = ports
        self.securityContext = securityContext
    }

    public static func == (a: LabContainer, b: LabContainer) -> Bool {
        a.name == b.name && a.image == b.image && a.command == b.command && a.args == b.args && a.env == b.env && a.ports == b.ports
            && a.securityContext?.encoded() == b.securityContext?.encoded()
    }

    /// The kubelet's default: `Always` for an untagged or `:latest` image, else `IfNotPresent`.
    var imagePullPolicy: String {
        let lastPart = image.split(separator: "/").last.map(String.init) ?? image
        if image.contains("@") { return "IfNotPresent" }
        guard let colon = lastPart.lastIndex(of: ":") else { return "Always" }
        return lastPart[lastPart.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }
}

public struct LabContainerPort: Sendable, Equatable, Decodable {
    public var name: String?
    public var containerPort: Int
    public var `protocol`: String?
}

/// What the kubelet reports for one container; stored, not derived, so that a runtime
/// (LabKubelet, reporting the runtime's real processes) can move it through waiting → running → terminated.
public struct LabContainerStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case waiting(reason: String, message: String?)
        case running(startedAt: Date)
        case terminated(exitCode: Int, reason: String, message: String?, startedAt: Date, finishedAt: Date)
    }

    public var name: String
    public var state: State
    public var ready: Bool
    public var started: Bool
    public var restartCount: Int
    public var image: String
    public var imageID: String
    public var containerID: String?

    public init(
        name: String, state: State, ready: Bool, started: Bool, restartCount: Int = 0, image: String, imageID: String,
        containerID: String?
    ) {
        self.name = name
        self.state = state
        self.ready = ready
        self.started = started
        self.restartCount = restartCount
        self.image = image
        self.imageID = imageID
        self.containerID = containerID
    }
}

/// An ephemeral container in a pod's spec (kubectl debug's, or the collector's).
/// Added by `PATCH pods/{pod}/ephemeralcontainers` (LabAPI+EphemeralContainers.swift)
/// and started by the lab's kubelet (LabKubelet.swift).
public struct LabEphemeralContainer: Sendable {
    public var name: String
    public var image: String
    public var command: [String]
    public var args: [String]
    public var env: [LabEnvVar]
    public var imagePullPolicy: String
    public var terminationMessagePolicy: String
    /// The securityContext as the client sent it (kept as JSON, re-emitted in order).
    public var securityContext: JSONValue?
    public var stdin: Bool?
    /// The runtime closes stdin when the first attach session ends.
    public var stdinOnce: Bool?
    public var tty: Bool?
    public var targetContainerName: String?

    public init(
        name: String, image: String, command: [String] = [], args: [String] = [], env: [LabEnvVar] = [],
        imagePullPolicy: String? = nil, terminationMessagePolicy: String = "File", securityContext: JSONValue? = nil,
        stdin: Bool? = nil, stdinOnce: Bool? = nil, tty: Bool? = nil, targetContainerName: String? = nil
    ) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.imagePullPolicy = imagePullPolicy ?? LabContainer(name: name, image: image).imagePullPolicy
        self.terminationMessagePolicy = terminationMessagePolicy
        self.securityContext = securityContext
        self.stdin = stdin
        self.stdinOnce = stdinOnce
        self.tty = tty
        self.targetContainerName = targetContainerName
    }
}

public struct LabOwnerReference: Sendable, Equatable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var uid: String
}

/// Pod phase as in `status.phase`.
public enum LabPodPhase: String, Sendable, Decodable, CaseIterable {
    case Pending, Running, Succeeded, Failed, Unknown
}

/// A pod as the lab stores it: the fields the lab serves, rendered into the real
/// server's JSON by `LabPod+JSON.swift`.
public struct LabPod: Sendable {
    public var name: String
    public var generateName: String?
    public var namespace: String
    public var uid: String
    public var resourceVersion: Int = 0
    public var generation: Int = 1
    public var creationTimestamp: Date
    public var deletionTimestamp: Date?
    public var labels: [String: String]
    public var annotations: [String: String]
    public var ownerReferences: [LabOwnerReference]

    public var containers: [LabContainer]
    /// In the order the API server keeps them (a strategic-merge PATCH puts the new one first).
    public var ephemeralContainers: [LabEphemeralContainer] = []
    /// Pod-level `securityContext` in the API server's field order; nil renders `{}`.
    public var securityContext: JSONValue?
    /// True when the lab's runtime runs this pod's containers as real processes
    /// (false: an API object only, with the statuses the scheduler made up).
    public var runsProcesses = false
    /// `status.observedGeneration`: the generation the kubelet has seen (nil: the current one).
    public var observedGeneration: Int?
    public var restartPolicy: String = "Always"
    public var nodeName: String?
    public var nodeSelector: [String: String] = [:]
    public var osName: String?
    public var hostname: String?
    public var subdomain: String?
    public var shareProcessNamespace: Bool?
    /// `spec.hostPID`: the containers run in the lab host's pid namespace (a node helper).
    public var hostPID: Bool?
    public var serviceAccountName: String = "default"
    /// Name of the projected service-account token volume (`kube-api-access-xxxxx`).
    public var tokenVolumeName: String

    public var phase: LabPodPhase
    public var hostIP: String?
    public var podIP: String?
    public var startTime: Date?
    /// When the containers became ready (conditions' lastTransitionTime).
    public var readySince: Date?
    public var containerStatuses: [LabContainerStatus]
    /// Rendered sorted by name, as a real kubelet reports them.
    public var ephemeralContainerStatuses: [LabContainerStatus] = []

    /// The key the store orders pods by, as etcd does: `namespace/name`.
    var key: String { namespace + "/" + name }

    /// The value of a field selector's field for this pod (server-side field set of a Pod).
    func fieldValue(_ field: String) -> String? {
        switch field {
        case "metadata.name": return name
        case "metadata.namespace": return namespace
        case "spec.nodeName", "spec.host": return nodeName ?? ""
        case "spec.restartPolicy": return restartPolicy
        case "spec.schedulerName": return "default-scheduler"
        case "spec.serviceAccountName": return serviceAccountName
        case "spec.hostNetwork": return "false"
        case "status.phase": return phase.rawValue
        case "status.podIP", "status.podIPs": return podIP ?? ""
        case "status.nominatedNodeName": return ""
        default: return nil
        }
    }

    static let supportedFieldLabels: Set<String> = [
        "metadata.name", "metadata.namespace", "spec.nodeName", "spec.host", "spec.restartPolicy", "spec.schedulerName",
        "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs",
        "status.nominatedNodeName",
    ]
}
