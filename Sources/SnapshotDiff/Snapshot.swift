import Bundle
import Evidence
import Foundation

/// One bundle as `inspect` and `diff` read it: its manifest and, per pod,
/// the pod JSON and the evidence of its target container, read in one
/// streaming pass (nothing is unpacked to disk) by ``read(path:pod:podObjects:budget:)``,
/// the one reader of a bundle's evidence.
public struct Snapshot: Sendable {
    /// The path the bundle was read from, as the user gave it.
    public var path: String
    public var manifest: Manifest
    public var pods: [Pod]
    /// SHA-256 of manifest.json as read; nil when not known.
    public var manifestSHA256: String?
    /// True when the bundle carries manifest.json.sig (not checked here).
    public var signed = false
    /// What is known of the signature without a key.
    public var signature: SignatureStatus = .absent

    public struct Pod: Sendable {
        public var entry: Manifest.Pod
        /// nil when the bundle has no (readable) pod.json for the pod.
        public var info: PodInfo?
        /// nil when the bundle holds no evidence for the pod (failed, skipped),
        /// and when it was read for its features only (``EvidenceKept/features(_:)``).
        public var evidence: ContainerEvidence?
        /// What `diff` compares of the evidence, when the bundle was read for it.
        public var features: ContainerFeatures?
        /// What ``EvidenceKept/reduced(_:)``'s function made of the evidence.
        public var reduced: (any Sendable)?

        public init(entry: Manifest.Pod, info: PodInfo?, evidence: ContainerEvidence?, features: ContainerFeatures? = nil,
                    reduced: (any Sendable)? = nil) {
            self.entry = entry
            self.info = info
            self.evidence = evidence
            self.features = features
            self.reduced = reduced
        }

        /// Whether the bundle holds evidence for the pod, kept in any form.
        public var hasEvidence: Bool { evidence != nil || features != nil || reduced != nil }

        /// The container's features for `options`: those read, or computed from the evidence.
        public func features(options: DiffOptions) -> ContainerFeatures? {
            features ?? evidence.map { ContainerFeatures($0, options: options) }
        }

        /// `namespace/name` (after `cluster: ` in a bundle of several), raw (escape before printing).
        public var key: String { entry.displayName }
    }

    /// What a reading keeps of each container's evidence. `inspect` renders it
    /// whole; `diff` compares only its features, so a bundle of thousands of
    /// pods is read keeping those (a fraction of the decoded tables), each
    /// computed as soon as the container's files have been read.
    public enum EvidenceKept: Sendable {
        case whole
        case features(DiffOptions)
        /// Each container's evidence is given to the function as soon as it is
        /// complete, and only what it returns is kept (``Pod/reduced``): a
        /// renderer keeps its text, not the tables.
        case reduced(@Sendable (ContainerEvidence) -> any Sendable)
    }

    /// One container's decoded evidence, and where it came from.
    public struct ContainerEvidence: Sendable {
        public enum Source: String, Sendable, Encodable {
            /// processes.json, sockets.json, namespaces.json in the bundle.
            case bundleFiles = "bundle-files"
            /// Rebuilt from evidence.raw (a bundle written before the parsed files).
            case rawOutput = "evidence.raw"
        }

        public var source: Source
        public var processes: ProcessTable
        public var sockets: SocketTable
        public var namespaces: NamespaceReport

        public init(processes: ProcessTable, sockets: SocketTable, namespaces: NamespaceReport, source: Source = .bundleFiles) {
            self.source = source
            self.processes = processes
            self.sockets = sockets
            self.namespaces = namespaces
        }
    }

    public init(path: String, manifest: Manifest, pods: [Pod]) {
        self.path = path
        self.manifest = manifest
        self.pods = pods
    }
}
