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
        /// nil when the bundle holds no evidence for the pod (failed, skipped).
        public var evidence: ContainerEvidence?

        public init(entry: Manifest.Pod, info: PodInfo?, evidence: ContainerEvidence?) {
            self.entry = entry
            self.info = info
            self.evidence = evidence
        }

        /// `namespace/name`, raw (escape before printing).
        public var key: String { "\(entry.namespace)/\(entry.name)" }
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
