import Bundle
import Evidence
import Foundation

/// `inspect --json`: the manifest's run parts, and per pod its manifest entry
/// with the three evidence documents (the shapes of `kubectl-evidence schema
/// processes|sockets|namespaces`). JSON escapes every control character, so
/// hostile strings are safe here as they are.
public struct InspectJSON: Encodable {
    public var bundle: String
    public var manifestSHA256: String
    public var signature: String
    public var tool: Manifest.Tool
    public var run: Manifest.Run
    public var cluster: Manifest.Cluster
    public var selection: Manifest.Selection
    public var outcomes: [String: Int]
    public var pods: [Pod]

    public struct Pod: Encodable {
        var pod: Manifest.Pod
        var evidenceSource: InspectedBundle.ContainerEvidence.Source?
        var processes: ProcessTable?
        var sockets: SocketTable?
        var namespaces: NamespaceReport?
    }

    public init(_ bundle: InspectedBundle) {
        self.bundle = bundle.path
        self.manifestSHA256 = bundle.manifestSHA256
        self.signature = bundle.signature.word
        self.tool = bundle.manifest.tool
        self.run = bundle.manifest.run
        self.cluster = bundle.manifest.cluster
        self.selection = bundle.manifest.selection
        var outcomes: [String: Int] = [:]
        for outcome in Manifest.Outcome.allCases { outcomes[outcome.rawValue] = 0 }
        for pod in bundle.manifest.pods { outcomes[pod.outcome.rawValue, default: 0] += 1 }
        self.outcomes = outcomes
        self.pods = bundle.pods.map {
            Pod(pod: $0.entry, evidenceSource: $0.evidence?.source, processes: $0.evidence?.processes,
                sockets: $0.evidence?.sockets, namespaces: $0.evidence?.namespaces)
        }
    }
}
