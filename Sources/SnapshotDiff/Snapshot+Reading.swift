import Bundle
import Evidence
import Foundation

extension Snapshot {
    /// Rebuilds a container's evidence from its raw framed output
    /// (`evidence.raw`), for bundles written before the decoded files
    /// existed. The decoder lives in Collector, which this module does not
    /// depend on, so the command passes it in.
    public typealias RawRebuilder = @Sendable ([UInt8]) -> ContainerEvidence

    /// Reads the bundle at `path` in one pass, decoding within `budget`.
    public static func read(path: String, rebuild: RawRebuilder? = nil, budget: ReadingBudget = ReadingBudget()) throws -> Snapshot {
        let reader = BundleReader(path: path)
        var budget = budget
        var containers: [String: Partial] = [:]  // "pods/<ns>/<pod>/containers/<c>"
        var podFiles: [String: PodInfo] = [:]  // "pods/<ns>/<pod>"
        // Raw output is rebuilt only for a container whose decoded files did not come.
        var held = HeldContainerOutput()
        func settle(at path: String?) {
            guard let (directory, raw) = held.release(at: path), let rebuild else { return }
            if containers[directory]?.hasDecodedFiles != true { containers[directory, default: Partial()].rebuilt = rebuild(raw) }
        }
        let manifestEntry = try reader.forEachFile { entry in
            let parts = entry.path.split(separator: "/", omittingEmptySubsequences: false)
            settle(at: entry.path)
            guard entry.kind == .file else { return }
            if parts.count == 4, parts[0] == "pods", parts[3] == "pod.json" {
                // A pod.json that does not decode only costs the restart and owner facts.
                podFiles[parts[0..<3].joined(separator: "/")] = try budget.read(entry, as: .podObject, bundle: path) {
                    try? JSONDecoder().decode(PodInfo.self, from: Data($0))
                }
                return
            }
            guard parts.count == 6, parts[0] == "pods", parts[3] == "containers" else { return }
            let directory = parts[0..<5].joined(separator: "/")
            var partial = containers[directory] ?? Partial()
            switch parts[5] {
            case EvidenceFormat.processesFile: partial.processes = try decode(ProcessTable.self, entry, .processes, &budget, bundle: path)
            case EvidenceFormat.socketsFile: partial.sockets = try decode(SocketTable.self, entry, .sockets, &budget, bundle: path)
            case EvidenceFormat.namespacesFile: partial.namespaces = try decode(NamespaceReport.self, entry, .namespaces, &budget, bundle: path)
            case "evidence.raw":
                guard rebuild != nil else { return }
                held.hold(try budget.read(entry, as: .rawOutput, bundle: path) { $0 }, directory: directory)
            default: return
            }
            containers[directory] = partial
        }
        settle(at: nil)
        let manifest = manifestEntry.manifest
        let pods = manifest.pods.map { entry -> Pod in
            let container = BundlePath.container(namespace: entry.namespace, pod: entry.name, container: entry.targetContainer, file: "x")
                .string.dropLast(2)
            let pod = BundlePath.pod(namespace: entry.namespace, pod: entry.name, file: "x").string.dropLast(2)
            return Pod(entry: entry, info: podFiles[String(pod)], evidence: containers[String(container)]?.evidence)
        }
        var snapshot = Snapshot(path: path, manifest: manifest, pods: pods)
        snapshot.manifestSHA256 = manifestEntry.sha256
        snapshot.signed = manifestEntry.signatureBytes != nil
        return snapshot
    }

    private struct Partial {
        var processes: ProcessTable?
        var sockets: SocketTable?
        var namespaces: NamespaceReport?
        var rebuilt: ContainerEvidence?

        var hasDecodedFiles: Bool { processes != nil && sockets != nil && namespaces != nil }

        var evidence: ContainerEvidence? {
            if let processes, let sockets, let namespaces {
                return ContainerEvidence(processes: processes, sockets: sockets, namespaces: namespaces)
            }
            return rebuilt
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

/// A diff that could not be made, in a sentence for the person running it.
public struct SnapshotDiffError: Error, LocalizedError, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var errorDescription: String? { message }
}
