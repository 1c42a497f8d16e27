/// A pod, decoded only as far as the tool needs, plus the server's own bytes.
///
/// `rawJSON` is what goes into the evidence bundle: the pod exactly as the API
/// server sent it (for a `PodList` item, exactly that item's bytes; for a watch
/// event, exactly the `object` value). Decoding through `JSONDecoder` alone
/// leaves it empty; the client fills it from the response body.
public struct Pod: Codable, Sendable, Equatable {
    public var metadata: ObjectMeta
    public var spec: PodSpec
    public var status: PodStatus
    /// The pod's JSON as the server sent it, byte for byte (no surrounding whitespace).
    public var rawJSON: [UInt8]
    /// How many bytes the server sent for this pod, also when `rawJSON` was not
    /// kept (a list read only to plan); 0 when unknown. What every client that
    /// lists or watches the pod carries, and what etcd refuses past 1.5 MiB.
    public var objectSize: Int = 0

    public init(metadata: ObjectMeta = .init(), spec: PodSpec = .init(), status: PodStatus = .init(), rawJSON: [UInt8] = []) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
        self.rawJSON = rawJSON
    }

    enum CodingKeys: String, CodingKey { case kind, apiVersion, metadata, spec, status }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? .init()
        spec = try c.decodeIfPresent(PodSpec.self, forKey: .spec) ?? .init()
        status = try c.decodeIfPresent(PodStatus.self, forKey: .status) ?? .init()
        rawJSON = []
        objectSize = 0
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("Pod", forKey: .kind)
        try c.encode("v1", forKey: .apiVersion)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(spec, forKey: .spec)
        try c.encode(status, forKey: .status)
    }
}

/// `spec` of a pod. Lists may be absent or `null` (a BOOKMARK sends
/// `"containers": null`): both decode as empty.
public struct PodSpec: Codable, Sendable, Equatable {
    public var nodeName: String?
    public var containers: [Container]
    public var initContainers: [Container]
    public var ephemeralContainers: [EphemeralContainer]
    public var os: PodOS?
    public var nodeSelector: [String: String]
    public var shareProcessNamespace: Bool?
    public var hostPID: Bool?
    public var hostNetwork: Bool?
    /// The pod-level securityContext, only as far as the tool reads it.
    public var securityContext: PodSecurityContext?

    public init(
        nodeName: String? = nil, containers: [Container] = [], initContainers: [Container] = [],
        ephemeralContainers: [EphemeralContainer] = [], os: PodOS? = nil, nodeSelector: [String: String] = [:],
        shareProcessNamespace: Bool? = nil, hostPID: Bool? = nil, hostNetwork: Bool? = nil,
        securityContext: PodSecurityContext? = nil
    ) {
        self.nodeName = nodeName
        self.containers = containers
        self.initContainers = initContainers
        self.ephemeralContainers = ephemeralContainers
        self.os = os
        self.nodeSelector = nodeSelector
        self.shareProcessNamespace = shareProcessNamespace
        self.hostPID = hostPID
        self.hostNetwork = hostNetwork
        self.securityContext = securityContext
    }

    enum CodingKeys: String, CodingKey {
        case nodeName, containers, initContainers, ephemeralContainers, os, nodeSelector
        case shareProcessNamespace, hostPID, hostNetwork, securityContext
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nodeName = try c.decodeIfPresent(String.self, forKey: .nodeName)
        containers = try c.decodeIfPresent([Container].self, forKey: .containers) ?? []
        initContainers = try c.decodeIfPresent([Container].self, forKey: .initContainers) ?? []
        ephemeralContainers = try c.decodeIfPresent([EphemeralContainer].self, forKey: .ephemeralContainers) ?? []
        os = try c.decodeIfPresent(PodOS.self, forKey: .os)
        nodeSelector = try c.decodeIfPresent([String: String].self, forKey: .nodeSelector) ?? [:]
        shareProcessNamespace = try c.decodeIfPresent(Bool.self, forKey: .shareProcessNamespace)
        hostPID = try c.decodeIfPresent(Bool.self, forKey: .hostPID)
        hostNetwork = try c.decodeIfPresent(Bool.self, forKey: .hostNetwork)
        securityContext = try c.decodeIfPresent(PodSecurityContext.self, forKey: .securityContext)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(nodeName, forKey: .nodeName)
        try c.encode(containers, forKey: .containers)
        if !initContainers.isEmpty { try c.encode(initContainers, forKey: .initContainers) }
        if !ephemeralContainers.isEmpty { try c.encode(ephemeralContainers, forKey: .ephemeralContainers) }
        try c.encodeIfPresent(os, forKey: .os)
        if !nodeSelector.isEmpty { try c.encode(nodeSelector, forKey: .nodeSelector) }
        try c.encodeIfPresent(shareProcessNamespace, forKey: .shareProcessNamespace)
        try c.encodeIfPresent(hostPID, forKey: .hostPID)
        try c.encodeIfPresent(hostNetwork, forKey: .hostNetwork)
        try c.encodeIfPresent(securityContext, forKey: .securityContext)
    }

    /// Every `runAsUser` the spec names, at pod level and in any container
    /// (regular, init or ephemeral), in that order and without repeats. The
    /// image's own user is not in the spec, so a process may still run as a
    /// uid that is not here.
    public var runAsUsers: [Int64] {
        var uids: [Int64] = []
        let named = [securityContext?.runAsUser]
            + (containers + initContainers).map { $0.securityContext?.runAsUser }
            + ephemeralContainers.map { $0.securityContext?.runAsUser }
        for case let uid? in named where !uids.contains(uid) { uids.append(uid) }
        return uids
    }
}

/// `spec.securityContext`, decoded only for the uid the pod's containers run
/// as unless they set their own: the evidence container must not share it.
public struct PodSecurityContext: Codable, Sendable, Equatable {
    public var runAsUser: Int64?

    public init(runAsUser: Int64? = nil) {
        self.runAsUser = runAsUser
    }
}

/// `spec.os`: `linux` or `windows` when the pod author set it.
public struct PodOS: Codable, Sendable, Equatable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// A regular or init container: only what the plan and the manifest show.
public struct Container: Codable, Sendable, Equatable {
    public var name: String
    public var image: String?
    public var command: [String]
    public var args: [String]
    /// The container's securityContext, decoded only for `runAsUser`.
    public var securityContext: ContainerRunAs?

    public init(name: String, image: String? = nil, command: [String] = [], args: [String] = [],
                securityContext: ContainerRunAs? = nil) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.securityContext = securityContext
    }

    enum CodingKeys: String, CodingKey { case name, image, command, args, securityContext }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        image = try c.decodeIfPresent(String.self, forKey: .image)
        command = try c.decodeIfPresent([String].self, forKey: .command) ?? []
        args = try c.decodeIfPresent([String].self, forKey: .args) ?? []
        securityContext = try c.decodeIfPresent(ContainerRunAs.self, forKey: .securityContext)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(image, forKey: .image)
        if !command.isEmpty { try c.encode(command, forKey: .command) }
        if !args.isEmpty { try c.encode(args, forKey: .args) }
        try c.encodeIfPresent(securityContext, forKey: .securityContext)
    }
}

/// A regular or init container's `securityContext`, decoded only for the uid
/// it runs as (which overrides the pod's).
public struct ContainerRunAs: Codable, Sendable, Equatable {
    public var runAsUser: Int64?

    public init(runAsUser: Int64? = nil) {
        self.runAsUser = runAsUser
    }
}

/// `spec.ephemeralContainers[]`: also the shape the collector sends in its patch,
/// so encoding omits what is unset.
///
/// Decoded from a server, `command` and `args` are left empty: nothing reads
/// them back, and every earlier run left its evidence script (tens of KB) in
/// every pod's spec, so a pod collected three times carried 75 KB of strings
/// into each list item and watch event (a list of 2,000 such pods: 190 MB).
/// The pod's bytes as the server sent them, with every command, still go
/// into the bundle as pod.json.
public struct EphemeralContainer: Codable, Sendable, Equatable {
    public var name: String
    public var image: String?
    public var command: [String]
    public var args: [String]
    public var targetContainerName: String?
    public var securityContext: SecurityContext?
    public var terminationMessagePolicy: String?
    public var imagePullPolicy: String?
    /// The container's stdin stays open for `pods/attach` (the evidence script arrives on it).
    public var stdin: Bool?
    /// The runtime closes stdin when the first attach session ends.
    public var stdinOnce: Bool?

    public init(
        name: String, image: String? = nil, command: [String] = [], args: [String] = [],
        targetContainerName: String? = nil, securityContext: SecurityContext? = nil,
        terminationMessagePolicy: String? = nil, imagePullPolicy: String? = nil,
        stdin: Bool? = nil, stdinOnce: Bool? = nil
    ) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.targetContainerName = targetContainerName
        self.securityContext = securityContext
        self.terminationMessagePolicy = terminationMessagePolicy
        self.imagePullPolicy = imagePullPolicy
        self.stdin = stdin
        self.stdinOnce = stdinOnce
    }

    enum CodingKeys: String, CodingKey {
        case name, image, command, args, targetContainerName, securityContext, terminationMessagePolicy, imagePullPolicy
        case stdin, stdinOnce
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        image = try c.decodeIfPresent(String.self, forKey: .image)
        command = []
        args = []
        targetContainerName = try c.decodeIfPresent(String.self, forKey: .targetContainerName)
        securityContext = try c.decodeIfPresent(SecurityContext.self, forKey: .securityContext)
        terminationMessagePolicy = try c.decodeIfPresent(String.self, forKey: .terminationMessagePolicy)
        imagePullPolicy = try c.decodeIfPresent(String.self, forKey: .imagePullPolicy)
        stdin = try c.decodeIfPresent(Bool.self, forKey: .stdin)
        stdinOnce = try c.decodeIfPresent(Bool.self, forKey: .stdinOnce)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(image, forKey: .image)
        if !command.isEmpty { try c.encode(command, forKey: .command) }
        if !args.isEmpty { try c.encode(args, forKey: .args) }
        try c.encodeIfPresent(targetContainerName, forKey: .targetContainerName)
        try c.encodeIfPresent(securityContext, forKey: .securityContext)
        try c.encodeIfPresent(terminationMessagePolicy, forKey: .terminationMessagePolicy)
        try c.encodeIfPresent(imagePullPolicy, forKey: .imagePullPolicy)
        try c.encodeIfPresent(stdin, forKey: .stdin)
        try c.encodeIfPresent(stdinOnce, forKey: .stdinOnce)
    }
}

/// A container `securityContext`, as far as kubectl debug's profiles use it.
public struct SecurityContext: Codable, Sendable, Equatable {
    public var privileged: Bool?
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var runAsNonRoot: Bool?
    public var allowPrivilegeEscalation: Bool?
    public var readOnlyRootFilesystem: Bool?
    public var capabilities: Capabilities?
    public var seccompProfile: SeccompProfile?

    public init(
        privileged: Bool? = nil, runAsUser: Int64? = nil, runAsGroup: Int64? = nil, runAsNonRoot: Bool? = nil,
        allowPrivilegeEscalation: Bool? = nil, readOnlyRootFilesystem: Bool? = nil,
        capabilities: Capabilities? = nil, seccompProfile: SeccompProfile? = nil
    ) {
        self.privileged = privileged
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.runAsNonRoot = runAsNonRoot
        self.allowPrivilegeEscalation = allowPrivilegeEscalation
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.capabilities = capabilities
        self.seccompProfile = seccompProfile
    }

    public struct Capabilities: Codable, Sendable, Equatable {
        public var add: [String]?
        public var drop: [String]?
        public init(add: [String]? = nil, drop: [String]? = nil) {
            self.add = add
            self.drop = drop
        }
    }

    public struct SeccompProfile: Codable, Sendable, Equatable {
        public var type: String
        public var localhostProfile: String?
        public init(type: String, localhostProfile: String? = nil) {
            self.type = type
            self.localhostProfile = localhostProfile
        }
    }
}
