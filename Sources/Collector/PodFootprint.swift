import KubeAPI

/// What a pod already carries before this run adds to it. Ephemeral
/// containers cannot be removed: every run leaves its container, and its
/// bytes, in the pod's object for the pod's lifetime, and every controller
/// and kubelet that lists or watches the pod carries them; etcd refuses an
/// object past 1.5 MiB, the kubelet's status updates included.
public struct PodFootprint: Sendable, Codable, Equatable {
    /// Ephemeral containers in the pod's spec, from any tool.
    public var ephemeralContainers: Int
    /// Those that an earlier run of this tool added (named `evidence-…`).
    public var evidenceContainers: Int
    /// The pod's JSON as the server sent it, in bytes.
    public var objectBytes: Int

    public init(ephemeralContainers: Int, evidenceContainers: Int, objectBytes: Int) {
        self.ephemeralContainers = ephemeralContainers
        self.evidenceContainers = evidenceContainers
        self.objectBytes = objectBytes
    }

    public init(_ pod: Pod) {
        ephemeralContainers = pod.spec.ephemeralContainers.count
        evidenceContainers = pod.spec.ephemeralContainers.filter { $0.name.hasPrefix(RunID.containerNamePrefix) }.count
        objectBytes = pod.objectSize
    }

    /// From this many evidence containers on, the run warns before adding one more.
    public static let manyEvidenceContainers = 10
}

/// How much a run may add to a pod: the largest object it leaves (`nil`:
/// `--force`, no limit), and what one evidence container adds (its spec and,
/// once it ran, its status).
public struct FootprintLimit: Sendable, Equatable {
    /// The default safe size: well below etcd's 1.5 MiB request limit, so that
    /// the kubelet can still write the pod's status after the container is added.
    public static let defaultMaxObjectBytes = 1 << 20

    public var maxObjectBytes: Int?
    public var addedBytes: Int

    public init(maxObjectBytes: Int? = FootprintLimit.defaultMaxObjectBytes, addedBytes: Int = 0) {
        self.maxObjectBytes = maxObjectBytes
        self.addedBytes = addedBytes
    }

    /// No limit: what the planner applies when none is given.
    public static let none = FootprintLimit(maxObjectBytes: nil)

    /// What a kubelet's status of a finished ephemeral container adds to the
    /// object, about (name, image, imageID, containerID, times, state, reason
    /// and the termination message with the output's digest).
    static let statusBytes = 700

    /// The limit for a run of `profile` whose script travels as `delivery`: what
    /// its evidence container adds is its spec as the PATCH sends it, and the
    /// status the kubelet writes.
    public init(profile: CollectionProfile, delivery: ScriptDelivery, maxObjectBytes: Int?) {
        let sample = EvidenceContainer(profile: profile, name: RunID.containerNamePrefix + "00000000", targetContainer: "app",
                                       avoidingUIDs: [], delivery: delivery)
        let spec = (try? sample.strategicMergePatch().count) ?? 0
        self.init(maxObjectBytes: maxObjectBytes, addedBytes: spec + Self.statusBytes)
    }
}
