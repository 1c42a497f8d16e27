/// `status` of a pod: phase and the per-container states the collector waits on.
public struct PodStatus: Codable, Sendable, Equatable {
    public var phase: String?
    public var reason: String?
    public var message: String?
    public var podIP: String?
    public var startTime: String?
    public var containerStatuses: [ContainerStatus]
    public var initContainerStatuses: [ContainerStatus]
    /// Sorted by name on a real server, not in spec order: look containers up by name.
    public var ephemeralContainerStatuses: [ContainerStatus]

    public init(
        phase: String? = nil, reason: String? = nil, message: String? = nil, podIP: String? = nil,
        startTime: String? = nil, containerStatuses: [ContainerStatus] = [],
        initContainerStatuses: [ContainerStatus] = [], ephemeralContainerStatuses: [ContainerStatus] = []
    ) {
        self.phase = phase
        self.reason = reason
        self.message = message
        self.podIP = podIP
        self.startTime = startTime
        self.containerStatuses = containerStatuses
        self.initContainerStatuses = initContainerStatuses
        self.ephemeralContainerStatuses = ephemeralContainerStatuses
    }

    enum CodingKeys: String, CodingKey {
        case phase, reason, message, podIP, startTime, containerStatuses, initContainerStatuses, ephemeralContainerStatuses
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        phase = try c.decodeIfPresent(String.self, forKey: .phase)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        message = try c.decodeIfPresent(String.self, forKey: .message)
        podIP = try c.decodeIfPresent(String.self, forKey: .podIP)
        startTime = try c.decodeIfPresent(String.self, forKey: .startTime)
        containerStatuses = try c.decodeIfPresent([ContainerStatus].self, forKey: .containerStatuses) ?? []
        initContainerStatuses = try c.decodeIfPresent([ContainerStatus].self, forKey: .initContainerStatuses) ?? []
        ephemeralContainerStatuses =
            try c.decodeIfPresent([ContainerStatus].self, forKey: .ephemeralContainerStatuses) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(phase, forKey: .phase)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeIfPresent(message, forKey: .message)
        try c.encodeIfPresent(podIP, forKey: .podIP)
        try c.encodeIfPresent(startTime, forKey: .startTime)
        if !containerStatuses.isEmpty { try c.encode(containerStatuses, forKey: .containerStatuses) }
        if !initContainerStatuses.isEmpty { try c.encode(initContainerStatuses, forKey: .initContainerStatuses) }
        if !ephemeralContainerStatuses.isEmpty {
            try c.encode(ephemeralContainerStatuses, forKey: .ephemeralContainerStatuses)
        }
    }
}

/// One entry of `containerStatuses`, `initContainerStatuses` or `ephemeralContainerStatuses`.
public struct ContainerStatus: Codable, Sendable, Equatable {
    public var name: String
    public var image: String?
    public var imageID: String?
    public var containerID: String?
    public var ready: Bool
    public var restartCount: Int
    public var started: Bool?
    public var state: ContainerState
    public var lastState: ContainerState

    public init(
        name: String, image: String? = nil, imageID: String? = nil, containerID: String? = nil,
        ready: Bool = false, restartCount: Int = 0, started: Bool? = nil,
        state: ContainerState = .init(), lastState: ContainerState = .init()
    ) {
        self.name = name
        self.image = image
        self.imageID = imageID
        self.containerID = containerID
        self.ready = ready
        self.restartCount = restartCount
        self.started = started
        self.state = state
        self.lastState = lastState
    }

    enum CodingKeys: String, CodingKey { case name, image, imageID, containerID, ready, restartCount, started, state, lastState }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        image = try c.decodeIfPresent(String.self, forKey: .image)
        imageID = try c.decodeIfPresent(String.self, forKey: .imageID)
        containerID = try c.decodeIfPresent(String.self, forKey: .containerID)
        ready = try c.decodeIfPresent(Bool.self, forKey: .ready) ?? false
        restartCount = try c.decodeIfPresent(Int.self, forKey: .restartCount) ?? 0
        started = try c.decodeIfPresent(Bool.self, forKey: .started)
        state = try c.decodeIfPresent(ContainerState.self, forKey: .state) ?? .init()
        lastState = try c.decodeIfPresent(ContainerState.self, forKey: .lastState) ?? .init()
    }
}

/// Exactly one of `waiting`, `running`, `terminated` is set on a live container;
/// none is set in an empty `lastState`.
public struct ContainerState: Codable, Sendable, Equatable {
    public var waiting: Waiting?
    public var running: Running?
    public var terminated: Terminated?

    public init(waiting: Waiting? = nil, running: Running? = nil, terminated: Terminated? = nil) {
        self.waiting = waiting
        self.running = running
        self.terminated = terminated
    }

    public struct Waiting: Codable, Sendable, Equatable {
        /// ContainerCreating, ErrImagePull, ImagePullBackOff, CreateContainerError…
        public var reason: String?
        public var message: String?
        public init(reason: String? = nil, message: String? = nil) {
            self.reason = reason
            self.message = message
        }
    }

    public struct Running: Codable, Sendable, Equatable {
        public var startedAt: String?
        public init(startedAt: String? = nil) { self.startedAt = startedAt }
    }

    public struct Terminated: Codable, Sendable, Equatable {
        public var exitCode: Int32
        public var signal: Int32?
        public var reason: String?
        /// The termination message (for the collector: the SHA-256 of its output).
        public var message: String?
        public var startedAt: String?
        public var finishedAt: String?
        public var containerID: String?

        public init(
            exitCode: Int32, signal: Int32? = nil, reason: String? = nil, message: String? = nil,
            startedAt: String? = nil, finishedAt: String? = nil, containerID: String? = nil
        ) {
            self.exitCode = exitCode
            self.signal = signal
            self.reason = reason
            self.message = message
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.containerID = containerID
        }
    }
}
