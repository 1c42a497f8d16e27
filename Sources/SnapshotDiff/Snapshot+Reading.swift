import Bundle
import Evidence
import Foundation

extension Snapshot {
    /// Reads the bundle at `path` in one pass, decoding within `budget`.
    ///
    /// With `pod` (namespace and name), only that pod's files are read (and
    /// charged to the budget); the others stream by. `podObjects: false`
    /// leaves pod.json unread, for a reader that needs only the evidence.
    /// A container's evidence comes from its processes.json, sockets.json and
    /// namespaces.json; for a bundle without them (written before they
    /// existed) it is rebuilt from evidence.raw with the decoder `collect`
    /// uses. Either way everything in it is hostile: renderers escape it.
    /// `keep` says what is kept of each container's evidence (``EvidenceKept``).
    public static func read(path: String, pod filter: (namespace: String, name: String)? = nil, cluster: String? = nil, podObjects: Bool = true,
                            keep: EvidenceKept = .whole, budget: ReadingBudget = ReadingBudget()) throws -> Snapshot {
        let reader = BundleReader(path: path)
        var budget = budget
        // In a bundle of several clusters the pod is looked for in each of them.
        let wanted = filter.map { BundlePath.podDirectory(namespace: $0.namespace, pod: $0.name) }
        // With a cluster too, only that cluster's pod is read, not the same name in every cluster.
        let wantedInCluster = filter.flatMap { f in cluster.map { BundlePath.podDirectory(namespace: f.namespace, pod: f.name, cluster: $0) } }
        var containers: [String: Partial] = [:]  // "[clusters/<c>/]pods/<ns>/<pod>/containers/<c>"
        var podFiles: [String: PodInfo] = [:]  // "[clusters/<c>/]pods/<ns>/<pod>"
        // Raw output is rebuilt only for a container whose decoded files did not come.
        var held = HeldContainerOutput()
        func settle(at path: String?) {
            guard let (directory, raw) = held.release(at: path) else { return }
            if containers[directory]?.hasDecodedFiles != true {
                containers[directory, default: Partial()].rebuilt = EvidenceReport.build(fromLog: raw)
                containers[directory]?.reduce(keep)
            }
        }
        let manifestEntry = try reader.forEachFile { entry in
            settle(at: entry.path)
            guard entry.kind == .file else { return }
            let all = entry.path.split(separator: "/", omittingEmptySubsequences: false)
            // `clusters/<c>/pods/…` in a bundle of several clusters, else `pods/…`.
            let root = all.count > 2 && all[0] == "clusters" ? 2 : 0
            let parts = all[root...]
            guard parts.first == "pods" else { return }
            if let wantedInCluster {
                guard entry.path.hasPrefix(wantedInCluster) else { return }
            } else if let wanted, !parts.joined(separator: "/").hasPrefix(wanted) { return }
            if parts.count == 4, parts.last == "pod.json" {
                guard podObjects else { return }
                // A pod.json that does not decode only costs the restart and owner facts.
                podFiles[all[0..<(root + 3)].joined(separator: "/")] = try budget.read(entry, as: .podObject, bundle: path) {
                    try? JSONDecoder().decode(PodInfo.self, from: Data($0))
                }
                return
            }
            guard parts.count == 6, parts[root + 3] == "containers" else { return }
            let directory = all[0..<(root + 5)].joined(separator: "/")
            var partial = containers[directory] ?? Partial()
            switch parts[root + 5] {
            case EvidenceFormat.processesFile: partial.processes = try decode(ProcessTable.self, entry, .processes, &budget, bundle: path)
            case EvidenceFormat.socketsFile: partial.sockets = try decode(SocketTable.self, entry, .sockets, &budget, bundle: path)
            case EvidenceFormat.namespacesFile: partial.namespaces = try decode(NamespaceReport.self, entry, .namespaces, &budget, bundle: path)
            case "evidence.raw": held.hold(try budget.read(entry, as: .rawOutput, bundle: path) { $0 }, directory: directory)
            default: return
            }
            partial.reduce(keep)
            containers[directory] = partial
        }
        settle(at: nil)
        var manifest = manifestEntry.manifest
        if case .features = keep {
            // diff compares pods, never file lists: a bundle of 5,000 pods lists 25,000 files twice.
            manifest.files = []
            for index in manifest.pods.indices { manifest.pods[index].files = [] }
        }
        let pods = manifest.pods.map { entry -> Pod in
            let container = BundlePath.containerDirectory(namespace: entry.namespace, pod: entry.name, container: entry.targetContainer,
                                                          cluster: entry.cluster)
            let partial = containers[container]
            return Pod(entry: entry, info: podFiles[String(entry.directory.dropLast())], evidence: partial?.evidence,
                       features: partial?.features, reduced: partial?.reduced)
        }
        var snapshot = Snapshot(path: path, manifest: manifest, pods: pods)
        snapshot.manifestSHA256 = manifestEntry.sha256
        snapshot.signed = manifestEntry.signatureBytes != nil
        snapshot.signature = manifestEntry.signatureStatus(key: nil)
        return snapshot
    }

    /// What was found for one container while streaming.
    private struct Partial {
        var processes: ProcessTable?
        var sockets: SocketTable?
        var namespaces: NamespaceReport?
        var rebuilt: EvidenceReport?
        /// Set, and the tables dropped, when only the features are kept.
        var features: ContainerFeatures?
        /// Set, and the tables dropped, when only a reduction is kept.
        var reduced: (any Sendable)?

        var hasDecodedFiles: Bool { features != nil || reduced != nil || (processes != nil && sockets != nil && namespaces != nil) }

        /// Once the evidence is complete, keeps only what `keep` asks for.
        mutating func reduce(_ keep: EvidenceKept) {
            guard features == nil, reduced == nil, let evidence else { return }
            switch keep {
            case .whole: return
            case .features(let options): features = ContainerFeatures(evidence, options: options)
            case .reduced(let reduce): reduced = reduce(evidence)
            }
            processes = nil
            sockets = nil
            namespaces = nil
            rebuilt = nil
        }

        /// The decoded files when all three are there, else the rebuilt report.
        var evidence: ContainerEvidence? {
            if let processes, let sockets, let namespaces {
                return ContainerEvidence(processes: processes, sockets: sockets, namespaces: namespaces)
            }
            guard let rebuilt else { return nil }
            return ContainerEvidence(processes: rebuilt.processes, sockets: rebuilt.sockets, namespaces: rebuilt.namespaces, source: .rawOutput)
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ entry: BundleEntry, _ kind: ReadingBudget.Kind,
                                             _ budget: inout ReadingBudget, bundle: String) throws -> T {
        let decoded = try budget.read(entry, as: kind, bundle: bundle) { bytes in Result { try JSONDecoder().decode(T.self, from: Data(bytes)) } }
        do {
            return try decoded.get()
        } catch {
            throw SnapshotDiffError("The file \(BundleReader.display(entry.path)) in the bundle \(BundleReader.display(bundle)) is not a valid \(entry.path.split(separator: "/").last ?? "evidence file") (\(error)). Run `kubectl-evidence verify` on the bundle: it may have been altered or written by an incompatible version.")
        }
    }
}

/// A bundle that could not be read or compared, in a sentence for the person running it.
public struct SnapshotDiffError: Error, LocalizedError, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var errorDescription: String? { message }
}
