import Foundation

extension LabRuntime {
    /// What the runtime needs to know about a pod: the subset of `spec` that shapes its processes.
    /// The API server keeps the full object; this is what it hands to the runtime.
    public struct PodSpec: Sendable, Equatable {
        public var namespace: String
        public var name: String
        public var uid: String
        public var containers: [ContainerSpec]
        /// `spec.shareProcessNamespace`: all containers (and ephemeral ones) share the sandbox's pid namespace.
        public var shareProcessNamespace: Bool
        /// `spec.hostname`, when set; otherwise the pod's name, as the kubelet does.
        public var hostname: String?
        /// `spec.hostPID`: the containers share the lab host's pid namespace, and see every
        /// lab pod's processes in their /proc, as a node helper sees a node's.
        public var hostPID: Bool

        public init(
            namespace: String, name: String, uid: String, containers: [ContainerSpec],
            shareProcessNamespace: Bool = false, hostname: String? = nil, hostPID: Bool = false
        ) {
            self.hostPID = hostPID
            self.namespace = namespace
            self.name = name
            self.uid = uid
            self.containers = containers
            self.shareProcessNamespace = shareProcessNamespace
            self.hostname = hostname
        }

        /// The kubelet's `format.Pod`: `name_namespace(uid)`, used in its error messages.
        var kubeletName: String { "\(name)_\(namespace)(\(uid))" }
    }

    /// One container, regular or ephemeral.
    public struct ContainerSpec: Sendable, Equatable {
        public var name: String
        public var image: String
        /// Overrides the image's entrypoint (busybox has none).
        public var command: [String]
        /// Overrides the image's default arguments (busybox: `sh`).
        public var args: [String]
        /// Extra environment variables, added to PATH, HOSTNAME and HOME.
        public var environment: [String: String]
        public var securityContext: SecurityContext
        /// `File` (the default) or `FallbackToLogsOnError`.
        public var terminationMessagePolicy: String
        /// Fault injection: the container stays `waiting` (ContainerCreating) this long before it starts.
        public var startDelay: Duration
        /// stdin is a pipe that `pods/attach` writes to (otherwise /dev/null).
        public var stdin: Bool
        /// The pipe is closed when the first attach session ends.
        public var stdinOnce: Bool

        public init(
            name: String, image: String, command: [String] = [], args: [String] = [],
            environment: [String: String] = [:], securityContext: SecurityContext = .init(),
            terminationMessagePolicy: String = "File", startDelay: Duration = .zero, stdin: Bool = false, stdinOnce: Bool = false
        ) {
            self.name = name
            self.image = image
            self.command = command
            self.args = args
            self.environment = environment
            self.securityContext = securityContext
            self.terminationMessagePolicy = terminationMessagePolicy
            self.startDelay = startDelay
            self.stdin = stdin
            self.stdinOnce = stdinOnce
        }

        /// The process to run, as a container runtime combines ENTRYPOINT/CMD with command/args.
        /// The busybox image has no entrypoint and `CMD ["sh"]`.
        var argv: [String] {
            if !command.isEmpty { return command + args }
            if !args.isEmpty { return args }
            return ["sh"]
        }
    }

    /// The part of a container's `securityContext` the runtime enforces.
    public struct SecurityContext: Sendable, Equatable {
        public var privileged: Bool
        public var runAsUser: Int?
        public var runAsGroup: Int?
        public var runAsNonRoot: Bool?
        public var allowPrivilegeEscalation: Bool?
        /// Capability names as Kubernetes writes them (`SYS_PTRACE`, `CAP_SYS_PTRACE` or `ALL`).
        public var addCapabilities: [String]
        public var dropCapabilities: [String]

        public init(
            privileged: Bool = false, runAsUser: Int? = nil, runAsGroup: Int? = nil, runAsNonRoot: Bool? = nil,
            allowPrivilegeEscalation: Bool? = nil, addCapabilities: [String] = [], dropCapabilities: [String] = []
        ) {
            self.privileged = privileged
            self.runAsUser = runAsUser
            self.runAsGroup = runAsGroup
            self.runAsNonRoot = runAsNonRoot
            self.allowPrivilegeEscalation = allowPrivilegeEscalation
            self.addCapabilities = addCapabilities
            self.dropCapabilities = dropCapabilities
        }
    }

    /// Knobs of the runtime itself (not of a pod).
    public struct Options: Sendable {
        /// How long an unknown image shows `ErrImagePull` before it turns into `ImagePullBackOff`.
        public var errImagePullDuration: Duration
        /// The first back-off before the next pull attempt; it doubles up to five minutes, as the kubelet's does.
        public var imagePullBackOff: Duration
        /// Where the busybox of every lab image comes from.
        public var busyboxPath: String

        public init(
            errImagePullDuration: Duration = .seconds(3), imagePullBackOff: Duration = .seconds(10),
            busyboxPath: String = "/bin/busybox"
        ) {
            self.errImagePullDuration = errImagePullDuration
            self.imagePullBackOff = imagePullBackOff
            self.busyboxPath = busyboxPath
        }
    }
}
