import Foundation

/// What `kubectl-evidence diff` found, as printed by `--json` (field names are
/// stable; `kubectl-evidence schema diff` prints the JSON Schema).
///
/// `mode` is `diff` (two bundles: one comparison), `timeline` (more than
/// two: one comparison per consecutive pair) or `replicas` (one bundle:
/// `groups`). Strings from pods are as the evidence has them (already free
/// of control bytes); JSON escapes the rest.
public struct DiffReport: Sendable, Equatable, Codable {
    public var schemaVersion: Int
    public var mode: Mode
    /// True when anything differs (the exit status is then 1).
    public var differs: Bool
    public var comparisons: [Comparison]?
    public var replicas: ReplicaReport?

    public static let currentSchemaVersion = 1

    public enum Mode: String, Sendable, Codable {
        case diff, timeline, replicas
    }

    public init(mode: Mode, comparisons: [Comparison]) {
        self.schemaVersion = Self.currentSchemaVersion
        self.mode = mode
        self.comparisons = comparisons
        self.differs = comparisons.contains { $0.differs }
    }

    public init(replicas: ReplicaReport) {
        self.schemaVersion = Self.currentSchemaVersion
        self.mode = .replicas
        self.replicas = replicas
        self.differs = replicas.groups.contains { !$0.odd.isEmpty }
    }

    /// A bundle, as named in a report.
    public struct BundleRef: Sendable, Equatable, Codable {
        public var path: String
        public var runID: String
        public var startedAt: Date
        public var server: String
        public var contextName: String?
        /// Who the server said ran the collection.
        public var user: String?
        public var profile: String?
        public var profileSHA256: String?
        public var manifestSHA256: String?
        /// A signature is in the bundle (not checked here: `verify --key` does that).
        public var signed: Bool?
        /// The clusters of a bundle of several (their contexts); `server` then lists their servers.
        public var clusters: [String]?
    }

    /// A pod, as named in a report.
    public struct PodRef: Sendable, Equatable, Codable {
        /// The pod's cluster, in a bundle of several clusters.
        public var cluster: String?
        public var namespace: String
        public var name: String
        public var uid: String
        public var node: String?
        /// `Kind/name` of the controlling owner, when pod.json names one.
        public var owner: String?
        public var outcome: String
        /// The target container, when a bundle has several of the pod's (`--all-containers`).
        public var container: String?

        /// `namespace/name`, after `cluster: ` in a bundle of several; raw (escape before printing).
        public var displayName: String {
            (cluster.map { "\($0): " } ?? "") + "\(namespace)/\(name)"
        }

        /// The name alone, after `cluster: ` in a bundle of several (a replica group's namespace is said once).
        public var shortName: String {
            (cluster.map { "\($0): " } ?? "") + name
        }
    }

    /// Two bundles compared: OLD, then NEW.
    public struct Comparison: Sendable, Equatable, Codable {
        public var old: BundleRef
        public var new: BundleRef
        /// True when the two bundles name different API servers: pods are
        /// then matched by name or workload only (UIDs never repeat across clusters).
        public var differentClusters: Bool
        /// Matched pods in which something changed.
        public var pods: [PodChange]
        /// Matched pods in which nothing changed.
        public var unchanged: [PodRef]
        public var onlyInOld: [PodRef]
        public var onlyInNew: [PodRef]
        /// Matched pods that could not be compared (no evidence on a side):
        /// what one side did not gather is unknown, not a change.
        public var notCompared: [PodChange]?
        /// Set when the two bundles were collected with different profiles:
        /// said once, and what only one profile gathers is not compared.
        public var profileNote: String?
        /// Set when the bundles were collected by different methods (`--via
        /// ephemeral` and `--via node`): the evidence is the same kind and is
        /// compared as usual; this says why the bundles' runs differ.
        public var methodNote: String?
        public var differs: Bool {
            !pods.isEmpty || !onlyInOld.isEmpty || !onlyInNew.isEmpty
        }
    }

    /// One pod matched in both bundles, and what changed in it.
    public struct PodChange: Sendable, Equatable, Codable {
        public var old: PodRef
        public var new: PodRef
        /// How it was matched: `uid`, `name` or `workload`.
        public var matchedBy: String
        /// The container compared (the evidence container's target).
        public var container: String
        public var processes: ItemChanges
        public var listeners: ItemChanges
        public var connections: ItemChanges
        public var anomalies: ItemChanges
        public var namespaces: [NamespaceChange]
        public var restarts: [RestartChange]
        public var images: [ImageChange]
        /// Things that could not be compared (no evidence on one side, …).
        public var notes: [String]

        public var isEmpty: Bool { !hasChanges && notes.isEmpty }

        /// Something was seen to change (notes alone say what could not be compared).
        public var hasChanges: Bool {
            !(processes.isEmpty && listeners.isEmpty && connections.isEmpty && anomalies.isEmpty
                && namespaces.isEmpty && restarts.isEmpty && images.isEmpty)
        }
    }

    public struct NamespaceChange: Sendable, Equatable, Codable {
        public var type: String
        public var old: UInt64?
        public var new: UInt64?

        public init(type: String, old: UInt64?, new: UInt64?) {
            self.type = type
            self.old = old
            self.new = new
        }
    }

    public struct RestartChange: Sendable, Equatable, Codable {
        public var container: String
        public var old: Int
        public var new: Int

        public init(container: String, old: Int, new: Int) {
            self.container = container
            self.old = old
            self.new = new
        }
    }

    public struct ImageChange: Sendable, Equatable, Codable {
        public var container: String
        public var old: String?
        public var new: String?
    }
}

/// Replicas inside one bundle compared with each other.
public struct ReplicaReport: Sendable, Equatable, Codable {
    public var bundle: DiffReport.BundleRef
    public var groups: [ReplicaGroup]
}

/// The pods of one workload (same namespace, owner and target container; in a
/// bundle of several clusters, the same cluster too unless compared across them).
public struct ReplicaGroup: Sendable, Equatable, Codable {
    /// The cluster of a group in a bundle of several; nil when the group spans
    /// clusters (`--across-clusters`) or the bundle is of one.
    public var cluster: String?
    public var namespace: String
    /// `Kind/name` of the owner; nil for a pod without one (a group of one).
    public var workload: String?
    public var container: String
    /// Pods with evidence in the group.
    public var replicas: Int
    /// What more than half of the replicas have.
    public var common: [DiffItem]
    /// The replicas that differ from ``common``, the one that stands out most first.
    public var odd: [ReplicaDeviation]
    /// The replicas that match ``common`` exactly.
    public var alike: [DiffReport.PodRef]
    /// Pods of the group the bundle has no evidence for.
    public var withoutEvidence: [DiffReport.PodRef]
}

public struct ReplicaDeviation: Sendable, Equatable, Codable {
    public var pod: DiffReport.PodRef
    /// Sum of the weights of what differs (listeners and anomalies 3,
    /// processes 2, connections 1): the ranking.
    public var score: Int
    /// What it has that most replicas do not.
    public var extra: [DiffItem]
    /// What most replicas have and it does not.
    public var missing: [DiffItem]
    /// Restarts of the target container, when the pod JSON has them.
    public var restarts: Int?
}
