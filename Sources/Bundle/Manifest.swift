import Foundation

/// `manifest.json`: what a bundle holds and how it came to be.
///
/// A plain model: the Collector fills it, ``BundleWriter/finish(manifest:)``
/// adds the `files` list it recorded and writes it as the last entry, and
/// `inspect`, `verify` and `diff` read it back with ``BundleReader/manifest()``.
/// Encoded with sorted keys, pretty-printed, dates in RFC 3339 UTC with
/// milliseconds (see `Manifest+JSON.swift`), so the same run gives the same
/// bytes. Optional fields that are `nil` are left out of the JSON.
public struct Manifest: Codable, Sendable, Equatable {
    /// The version of this format. Readers refuse versions they do not know.
    public var schemaVersion: Int
    /// The program that wrote the bundle.
    public var tool: Tool
    /// The collection run: who asked for what, when, and whether it finished.
    public var run: Run
    /// The cluster the evidence comes from; `nil` in a bundle of several
    /// clusters, where each of ``clusters`` says its own.
    public var cluster: Cluster?
    /// How the pods were selected; `nil` in a bundle of several clusters
    /// (each cluster's namespace may differ: its context's).
    public var selection: Selection?
    /// The clusters of a bundle of several (`collect --context a,b`,
    /// `--all-contexts`; `schemaVersion` 2): each with its server, its
    /// selection and, when it cost all its pods, why. `nil` in a bundle of one.
    public var clusters: [ClusterSection]?
    /// Every pod the selection matched, with its outcome, in the order the
    /// Collector lists them (it sorts them by namespace and name).
    public var pods: [Pod]
    /// Every file in the archive except `manifest.json` itself, sorted by
    /// path. Filled by the writer from what it actually wrote.
    public var files: [File]

    /// The `schemaVersion` of a bundle of one cluster.
    public static let currentSchemaVersion = 1
    /// The `schemaVersion` of a bundle of several clusters: `clusters` instead
    /// of `cluster` and `selection`, and each pod naming its cluster. A reader
    /// of version 1 only refuses it rather than mixing up two clusters' pods.
    public static let multiClusterSchemaVersion = 2

    public init(tool: Tool, run: Run, cluster: Cluster, selection: Selection, pods: [Pod] = [], files: [File] = []) {
        self.schemaVersion = Manifest.currentSchemaVersion
        self.tool = tool
        self.run = run
        self.cluster = cluster
        self.selection = selection
        self.pods = pods
        self.files = files
    }

    /// A manifest of several clusters; each pod's `cluster` names one of `clusters`.
    public init(tool: Tool, run: Run, clusters: [ClusterSection], pods: [Pod] = [], files: [File] = []) {
        self.schemaVersion = Manifest.multiClusterSchemaVersion
        self.tool = tool
        self.run = run
        self.clusters = clusters
        self.pods = pods
        self.files = files
    }

    /// The program that wrote the bundle.
    public struct Tool: Codable, Sendable, Equatable {
        /// `kubectl-evidence`.
        public var name: String
        /// The tool's version, so that a reader knows which parsers produced
        /// the decoded files.
        public var version: String
        /// The git commit the binary was built from (`-dirty` when the tree had
        /// changes, `unknown` outside a checkout); `nil` in older bundles.
        public var commit: String?
        /// When that commit was first built on the build machine; `nil` in older bundles.
        public var buildDate: String?

        public init(name: String, version: String, commit: String? = nil, buildDate: String? = nil) {
            self.name = name
            self.version = version
            self.commit = commit
            self.buildDate = buildDate
        }
    }

    /// One collection run.
    public struct Run: Codable, Sendable, Equatable {
        /// The run's id; the evidence containers are named `evidence-<id>`,
        /// so the pods' specs point back at this bundle.
        public var id: String
        /// The command line as typed (argv), for the incident record, with the
        /// value of a secret option (`--token`) masked.
        public var commandLine: [String]
        /// The collection profile the run used.
        public var profile: Profile
        /// When the run started (before selection).
        public var startedAt: Date
        /// When the writer was finished; `nil` only in a manifest still being built.
        public var finishedAt: Date?
        /// True when SIGINT/SIGTERM stopped the run: some pods are then
        /// `interrupted`, and the bundle holds what finished before.
        public var interrupted: Bool
        /// True when secrets were masked before writing (the default; each
        /// pod's `redactions` says what and where), false with `--no-redact`;
        /// `nil` in bundles from before redaction existed.
        public var redacted: Bool?
        /// SHA-256 (lower-case hex) of the in-pod script the evidence containers
        /// ran: each container's bootstrap checked it before running the script;
        /// `nil` in bundles from before it was recorded.
        public var scriptSHA256: String?
        /// How the script reached the containers: `attach` (on stdin through
        /// pods/attach) or `command` (packed into the container's command);
        /// `nil` in bundles from before attach delivery.
        public var scriptDelivery: String?
        /// How the pods' processes were reached: `ephemeral` (an evidence
        /// container in each pod) or `node` (one helper pod per node, nothing
        /// added to the pods); `nil` in bundles from before node mode, which
        /// were all `ephemeral`.
        public var method: String?

        public init(id: String, commandLine: [String], profile: Profile, startedAt: Date,
                    finishedAt: Date? = nil, interrupted: Bool = false) {
            self.id = id
            self.commandLine = commandLine
            self.profile = profile
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.interrupted = interrupted
        }
    }

    /// The collection profile, named and pinned by the digest of its YAML, so
    /// that a profile edited later cannot be mistaken for the one that ran.
    public struct Profile: Codable, Sendable, Equatable {
        /// The profile's name (`standard`, `restricted`, …) or the path it was read from.
        public var name: String
        /// SHA-256 of the profile's YAML bytes, lower-case hex.
        public var sha256: String

        public init(name: String, sha256: String) {
            self.name = name
            self.sha256 = sha256
        }
    }

    /// The cluster, as the kubeconfig and the server described it.
    public struct Cluster: Codable, Sendable, Equatable {
        /// The API server URL the tool talked to.
        public var server: String
        /// The kubeconfig context used, if any (`nil` in-cluster).
        public var contextName: String?
        /// SHA-256 of the DER of the CA certificate that the server's chain was
        /// checked against, lower-case hex; `nil` when the system trust store was used.
        public var caFingerprintSHA256: String?
        /// The server's `gitVersion` from `/version`, when it answered.
        public var serverVersion: String?
        /// Who the server says ran the tool (SelfSubjectReview), when it has that API.
        /// Under impersonation this is the impersonated user.
        public var user: User?
        /// The impersonation the tool asked for (`--as`, or `as:` in the kubeconfig),
        /// so a reader knows `user` was acted as, not logged in as.
        public var impersonation: Impersonation?
        /// The proxy the requests went through (without its password), when one was used.
        public var proxy: String?

        public init(server: String, contextName: String? = nil, caFingerprintSHA256: String? = nil,
                    serverVersion: String? = nil, user: User? = nil, impersonation: Impersonation? = nil,
                    proxy: String? = nil) {
            self.server = server
            self.contextName = contextName
            self.caFingerprintSHA256 = caFingerprintSHA256
            self.serverVersion = serverVersion
            self.user = user
            self.impersonation = impersonation
            self.proxy = proxy
        }
    }

    /// Impersonation as requested: the user and groups asked for, and where it came from.
    public struct Impersonation: Codable, Sendable, Equatable {
        public var user: String
        public var uid: String?
        public var groups: [String]
        /// "--as" or the kubeconfig field (`users[NAME].user.as in FILE`).
        public var origin: String

        public init(user: String, uid: String? = nil, groups: [String], origin: String) {
            self.user = user
            self.uid = uid
            self.groups = groups
            self.origin = origin
        }
    }

    /// The identity the API server authenticated, from SelfSubjectReview.
    public struct User: Codable, Sendable, Equatable {
        public var username: String
        public var groups: [String]

        public init(username: String, groups: [String]) {
            self.username = username
            self.groups = groups
        }
    }

    /// The selection the user asked for.
    public struct Selection: Codable, Sendable, Equatable {
        /// The namespace; `nil` (left out of the JSON) means all namespaces.
        public var namespace: String?
        /// The label selector (`-l`), as given, or the one of `workload`.
        public var labelSelector: String?
        /// The field selector (`--field-selector`), as given.
        public var fieldSelector: String?
        /// Pods named on the command line.
        public var podNames: [String]?
        /// `TYPE/NAME` as given (`deployment/checkout`); `labelSelector` is its
        /// `spec.selector` as the API server returned it at the start of the run.
        public var workload: String?
        /// `--node`.
        public var node: String?

        public init(namespace: String?, labelSelector: String?, fieldSelector: String? = nil, podNames: [String]? = nil,
                    workload: String? = nil, node: String? = nil) {
            self.namespace = namespace
            self.labelSelector = labelSelector
            self.fieldSelector = fieldSelector
            self.podNames = podNames
            self.workload = workload
            self.node = node
        }
    }

    /// One file in the archive, as the writer wrote it.
    public struct File: Codable, Sendable, Equatable, Hashable {
        /// The archive path (see ``BundlePath``).
        public var path: String
        /// The file's length in bytes.
        public var size: UInt64
        /// SHA-256 of the file's bytes, lower-case hex.
        public var sha256: String

        public init(path: String, size: UInt64, sha256: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }
}
