import Evidence
import Foundation

extension Manifest {
    /// One selected pod and what happened to it.
    public struct Pod: Codable, Sendable, Equatable {
        /// In a bundle of several clusters, the name of the pod's cluster (one of
        /// the manifest's `clusters`); `nil` in a bundle of one.
        public var cluster: String?
        public var namespace: String
        public var name: String
        /// The pod's UID: a pod deleted and recreated under the same name is another pod.
        public var uid: String
        /// The node the pod ran on, if it was scheduled.
        public var node: String?
        /// `status.phase` when the pod was selected.
        public var phase: String?
        /// Container name → `imageID` (the digest the kubelet resolved), for
        /// the pod's regular containers, from `status.containerStatuses`.
        public var podImageIDs: [String: String]
        /// The container whose pid namespace the evidence container joined.
        public var targetContainer: String
        /// The ephemeral container the tool added; `nil` when none was added
        /// (skipped, or failed before the PATCH succeeded).
        public var evidenceContainer: EvidenceContainer?
        /// With `collect --via node`, the helper pod that gathered this pod's
        /// evidence from its node and how it found the target's processes; `nil`
        /// for an evidence container.
        public var nodeHelper: NodeHelper?
        /// How the pod ended.
        public var outcome: Outcome
        /// A short, stable reason (`Collected`, `ErrImagePull`, `Forbidden`,
        /// `Timeout`, `HashMismatch`, `NotRunning`, …), for tables and scripts.
        public var reason: String
        /// For a failed pod, the step that failed.
        public var failedStep: Step?
        /// A full sentence for a person: what happened, in the server's words
        /// where the server gave them.
        public var message: String
        /// When each step began, in order.
        public var steps: [StepTime]
        /// The archive paths of this pod's files (each also listed, with size
        /// and digest, in the manifest's `files`).
        public var files: [String]
        /// What the evidence shows at a glance (from the parsed processes,
        /// sockets and namespaces); `nil` when nothing was parsed.
        public var summary: EvidenceCounts?
        /// Every value masked in this pod's files before they were written;
        /// `nil` when none was.
        public var redactions: [Redaction]?
        /// The pod's object before and after this run added its container:
        /// ephemeral containers cannot be removed, and these bytes stay.
        public var footprint: Footprint?

        public init(namespace: String, name: String, uid: String, node: String? = nil, phase: String? = nil,
                    podImageIDs: [String: String] = [:], targetContainer: String,
                    evidenceContainer: EvidenceContainer? = nil, outcome: Outcome, reason: String,
                    failedStep: Step? = nil, message: String, steps: [StepTime] = [], files: [String] = []) {
            self.namespace = namespace
            self.name = name
            self.uid = uid
            self.node = node
            self.phase = phase
            self.podImageIDs = podImageIDs
            self.targetContainer = targetContainer
            self.evidenceContainer = evidenceContainer
            self.outcome = outcome
            self.reason = reason
            self.failedStep = failedStep
            self.message = message
            self.steps = steps
            self.files = files
        }
    }

    /// The node helper that gathered a pod's evidence (`collect --via node`).
    public struct NodeHelper: Codable, Sendable, Equatable {
        /// The helper pod (deleted when its node was done).
        public var namespace: String
        public var pod: String
        /// The host pid the helper entered the target's namespaces through (0 when none was found).
        public var hostPID: Int
        /// How that process was found: `cgroup <path> first` (the container's
        /// pid 1) or `… lowest`, or `none: <why>`.
        public var match: String

        public init(namespace: String, pod: String, hostPID: Int, match: String) {
            self.namespace = namespace
            self.pod = pod
            self.hostPID = hostPID
            self.match = match
        }
    }

    /// What the pod carried before the run and what it carries after it.
    public struct Footprint: Codable, Sendable, Equatable {
        /// Ephemeral containers in the pod's spec when it was selected.
        public var ephemeralContainersBefore: Int
        /// Those an earlier run of this tool added.
        public var evidenceContainersBefore: Int
        /// The pod's JSON as the server sent it when it was selected, in bytes.
        public var objectBytesBefore: Int
        /// The pod's JSON as last read in this run (with this run's container), in bytes;
        /// nil when the pod was not read again.
        public var objectBytesAfter: Int?

        public init(ephemeralContainersBefore: Int, evidenceContainersBefore: Int, objectBytesBefore: Int, objectBytesAfter: Int? = nil) {
            self.ephemeralContainersBefore = ephemeralContainersBefore
            self.evidenceContainersBefore = evidenceContainersBefore
            self.objectBytesBefore = objectBytesBefore
            self.objectBytesAfter = objectBytesAfter
        }
    }

    /// One value masked before writing: in which file, where in it, by which rule.
    public struct Redaction: Codable, Sendable, Equatable {
        /// The archive path (`pods/shop/x/pod.json`, `…/containers/app/evidence.raw`).
        public var path: String
        /// Where in the file (`spec.containers[app].env[DB_PASSWORD].value`, `proc/41/cmdline argv[3]`).
        public var location: String
        /// `env-value`, `last-applied-configuration`, `secret-option-value`,
        /// `secret-option-next-argument`, `secret-assignment`, `url-password`.
        public var rule: String

        public init(path: String, location: String, rule: String) {
            self.path = path
            self.location = location
            self.rule = rule
        }
    }

    /// A pod's evidence at a glance, for tables and for comparing replicas
    /// without opening every file.
    public struct EvidenceCounts: Codable, Sendable, Equatable {
        public var processes: Int
        public var listeners: Int
        public var connections: Int
        /// Anomalies worth a look (warnings and notices, of the namespaces and
        /// of the socket tables alike), and the sentences of all of them,
        /// hints included.
        public var anomalies: Int
        public var anomalyMessages: [String]
        /// Things that could not be read (each explained in the evidence files).
        public var gaps: Int
        /// Namespace types the evidence container shared with its target, and those it did not.
        public var namespacesShared: [String]
        public var namespacesNotShared: [String]

        public init(processes: Int, listeners: Int, connections: Int, anomalies: Int, anomalyMessages: [String],
                    gaps: Int, namespacesShared: [String], namespacesNotShared: [String]) {
            self.processes = processes
            self.listeners = listeners
            self.connections = connections
            self.anomalies = anomalies
            self.anomalyMessages = anomalyMessages
            self.gaps = gaps
            self.namespacesShared = namespacesShared
            self.namespacesNotShared = namespacesNotShared
        }
    }

    /// The ephemeral container the tool added to a pod. It stays in the pod's
    /// spec for the pod's life: its name ties the pod back to this run.
    public struct EvidenceContainer: Codable, Sendable, Equatable {
        /// `evidence-<run id>`.
        public var name: String
        /// The image as requested (for example `docker.io/library/busybox:1.36`).
        public var image: String
        /// The image digest the kubelet ran, from `ephemeralContainerStatuses`;
        /// `nil` if the container never started.
        public var imageID: String?
        /// The uid its securityContext asked for (chosen per pod, never one the
        /// pod's spec names); `nil` when it asked for none.
        public var runAsUser: Int?
        /// Who it really ran as, from its own shell's /proc/<pid>/status as
        /// gathered; `nil` when that was not gathered.
        public var credentials: Credentials?
        /// Where its output was read: `attach` (the stream the script was
        /// delivered on) or `log` (the container's log: with the packed
        /// command, or when the attach stream broke); `nil` when none was read
        /// or in bundles from before attach delivery.
        public var outputSource: String?

        public init(name: String, image: String, imageID: String? = nil, runAsUser: Int? = nil, credentials: Credentials? = nil) {
            self.name = name
            self.image = image
            self.imageID = imageID
            self.runAsUser = runAsUser
            self.credentials = credentials
        }
    }

    /// The uids, gids and capabilities the evidence shell had, as its
    /// /proc/self/status showed them: Evidence's one model of them.
    public typealias Credentials = EvidenceShellCredentials

    /// How a pod ended. Stable strings: scripts and `diff` read them.
    public enum Outcome: String, Codable, Sendable, Equatable, CaseIterable {
        /// The evidence was gathered, its hash checked and its files written.
        case collected
        /// A step failed; `failedStep`, `reason` and `message` say which and why.
        case failed
        /// The pod was selected but not touched (not running, no such container, …).
        case skipped
        /// The run was stopped (SIGINT/SIGTERM) before this pod finished.
        case interrupted
    }

    /// The steps of one pod's collection. Stable strings.
    public enum Step: String, Codable, Sendable, Equatable, CaseIterable {
        /// Permission and admission checks before any pod is touched.
        case preflight
        /// With `--via node`: creating the node's helper pod and waiting for it to start.
        case helper
        /// The PATCH that adds the ephemeral container.
        case inject
        /// Waiting, on the shared watch, for the container to terminate.
        case wait
        /// Delivering the script on the container's stdin and reading its
        /// output through pods/attach.
        case attach
        /// Reading the container's log.
        case log
        /// Checking the output's hash and decoding its frames.
        case decode
        /// Writing the pod's files into the bundle.
        case write
    }

    /// When one step began.
    public struct StepTime: Codable, Sendable, Equatable {
        public var step: Step
        public var at: Date

        public init(step: Step, at: Date) {
            self.step = step
            self.at = at
        }
    }
}

extension Manifest.Pod {
    /// Which pod this is, for matching entries with each other: `namespace/name`,
    /// after the cluster's name and a NUL in a bundle of several clusters (the
    /// same name in two clusters is two pods). Not for printing: see ``displayName``.
    public var podKey: String {
        (cluster.map { $0 + "\u{0}" } ?? "") + "\(namespace)/\(name)"
    }

    /// `namespace/name`, after `cluster: ` in a bundle of several clusters; raw
    /// (escape before printing).
    public var displayName: String {
        (cluster.map { "\($0): " } ?? "") + "\(namespace)/\(name)"
    }

    /// The directory of the pod's files in the bundle, with its trailing `/`.
    public var directory: String {
        BundlePath.podDirectory(namespace: namespace, pod: name, cluster: cluster)
    }
}

extension Sequence where Element == Manifest.Pod {
    /// ``Manifest/Pod/podKey`` of each pod with more than one entry: a run with
    /// `--all-containers` records one per container, and whoever lists them
    /// then names the container beside the pod.
    public var podsWithSeveralEntries: Set<String> {
        var seen: Set<String> = []
        var several: Set<String> = []
        for pod in self where !seen.insert(pod.podKey).inserted {
            several.insert(pod.podKey)
        }
        return several
    }
}
