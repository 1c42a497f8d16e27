import Bundle
import Collector
import Evidence
import Foundation

/// A bundle read for `inspect`: the manifest, and per pod the evidence of
/// its target container, in one streaming pass (nothing is unpacked to disk).
///
/// The evidence comes from `processes.json`, `sockets.json` and
/// `namespaces.json` when the bundle has them; for a bundle without them
/// (written before they existed) it is rebuilt from the raw framed output,
/// `evidence.raw`, with the same Evidence builder `collect` uses. Either way,
/// everything in it came from a pod or from a file someone handed over:
/// renderers escape every string (see ``InspectText``).
struct InspectedBundle: Sendable {
    var path: String
    var manifest: Manifest
    var manifestSHA256: String
    var signature: SignatureStatus
    var pods: [Pod]

    struct Pod: Sendable {
        var entry: Manifest.Pod
        /// nil when the bundle holds no evidence for the pod (failed, skipped).
        var evidence: ContainerEvidence?
    }

    /// One container's evidence and where it came from.
    struct ContainerEvidence: Sendable {
        enum Source: String, Sendable, Encodable {
            /// processes.json, sockets.json, namespaces.json in the bundle.
            case bundleFiles = "bundle-files"
            /// Rebuilt from evidence.raw (a bundle without the decoded files).
            case rawOutput = "evidence.raw"
        }
        var source: Source
        var processes: ProcessTable
        var sockets: SocketTable
        var namespaces: NamespaceReport
    }

    /// Reads the bundle at `path`; with `pod` (`namespace/name`), only that
    /// pod's entries are read, the rest skipped.
    static func read(path: String, pod filter: (namespace: String, name: String)?, budget: ReadingBudget = ReadingBudget()) throws -> InspectedBundle {
        let reader = BundleReader(path: path)
        var budget = budget
        let wantedPrefix = filter.map { BundlePath.pod(namespace: $0.namespace, pod: $0.name, file: "x").string.dropLast() }
        var collected: [String: Partial] = [:]  // by container directory, "pods/<ns>/<pod>/containers/<c>"
        // Raw output is rebuilt only for a container whose parsed files did not come.
        var held = HeldContainerOutput()
        func settle(at path: String?) {
            guard let (directory, raw) = held.release(at: path) else { return }
            if collected[directory]?.hasDecodedFiles != true { collected[directory, default: Partial()].rebuilt = rebuild(raw) }
        }
        let manifestEntry = try reader.forEachFile { entry in
            settle(at: entry.path)
            guard entry.kind == .file, let (directory, file) = containerFile(entry.path) else { return }
            if let wantedPrefix, !directory.hasPrefix(wantedPrefix) { return }
            var partial = collected[directory] ?? Partial()
            switch file {
            case EvidenceFormat.processesFile:
                partial.processes = try decode(ProcessTable.self, entry, .processes, &budget, bundle: path)
            case EvidenceFormat.socketsFile:
                partial.sockets = try decode(SocketTable.self, entry, .sockets, &budget, bundle: path)
            case EvidenceFormat.namespacesFile:
                partial.namespaces = try decode(NamespaceReport.self, entry, .namespaces, &budget, bundle: path)
            case "evidence.raw":
                held.hold(try budget.read(entry, as: .rawOutput, bundle: path) { $0 }, directory: directory)
            default:
                return
            }
            collected[directory] = partial
        }
        settle(at: nil)
        let manifest = manifestEntry.manifest
        var pods = manifest.pods
        if let filter {
            pods = pods.filter { $0.namespace == filter.namespace && $0.name == filter.name }
            if pods.isEmpty {
                throw InspectError(message: "The bundle \(BundleReader.display(path)) has no pod \(BundleReader.display("\(filter.namespace)/\(filter.name)")); its pods are: \(manifest.pods.prefix(20).map { BundleReader.display("\($0.namespace)/\($0.name)") }.joined(separator: ", "))\(manifest.pods.count > 20 ? ", …" : "").")
            }
        }
        let inspected = pods.map { entry -> Pod in
            let directory = BundlePath.container(namespace: entry.namespace, pod: entry.name, container: entry.targetContainer, file: "x")
                .string.dropLast(2)
            return Pod(entry: entry, evidence: collected[String(directory)]?.evidence)
        }
        return InspectedBundle(path: path, manifest: manifest, manifestSHA256: manifestEntry.sha256,
                               signature: manifestEntry.signatureStatus(key: nil), pods: inspected)
    }

    /// What was found for one container while streaming.
    private struct Partial {
        var processes: ProcessTable?
        var sockets: SocketTable?
        var namespaces: NamespaceReport?
        var rebuilt: EvidenceReport?

        var hasDecodedFiles: Bool { processes != nil && sockets != nil && namespaces != nil }

        /// The decoded files when all three are there, else the rebuilt report.
        var evidence: ContainerEvidence? {
            if let processes, let sockets, let namespaces {
                return ContainerEvidence(source: .bundleFiles, processes: processes, sockets: sockets, namespaces: namespaces)
            }
            guard let rebuilt else { return nil }
            return ContainerEvidence(source: .rawOutput, processes: rebuilt.processes, sockets: rebuilt.sockets,
                                     namespaces: rebuilt.namespaces)
        }
    }

    /// `pods/<ns>/<pod>/containers/<c>/<file>` → (directory, file); nil for other paths.
    static func containerFile(_ path: String) -> (directory: String, file: String)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "pods", parts[3] == "containers" else { return nil }
        return (parts[0..<5].joined(separator: "/"), String(parts[5]))
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ entry: BundleEntry, _ kind: ReadingBudget.Kind,
                                             _ budget: inout ReadingBudget, bundle: String) throws -> T {
        let decoded = try budget.read(entry, as: kind, bundle: bundle) { bytes in Result { try JSONDecoder().decode(T.self, from: Data(bytes)) } }
        do {
            return try decoded.get()
        } catch {
            throw InspectError(message: "The file \(BundleReader.display(entry.path)) in \(BundleReader.display(bundle)) is not valid \(entry.path.split(separator: "/").last ?? ""): \(error). Run `kubectl-evidence verify` on the bundle: it may have been altered.")
        }
    }

    /// The evidence rebuilt from the in-pod script's framed output. Records
    /// found only after the decoder resynchronised may be forged by a
    /// payload, so they are left out (as `collect` does).
    static func rebuild(_ raw: [UInt8]) -> EvidenceReport {
        let frames = FrameDecoder().decode(raw)
        let records = frames.records.compactMap { frame -> EvidenceRecord? in
            guard frame.kind != .end, !frame.afterResync else { return nil }
            let kind = EvidenceRecord.Kind(rawValue: frame.kind.rawValue) ?? .other
            return EvidenceRecord(kind: kind, key: frame.key, payload: frame.payload)
        }
        return EvidenceReport.build(from: GatheredEvidence(records: records))
    }
}

struct InspectError: Error, LocalizedError {
    var message: String
    var errorDescription: String? { message }
}
