import Foundation
import KubeAPI

/// The ephemeral container the tool adds to a pod, and the strategic merge
/// patch that adds it.
///
/// It cannot be removed from the pod afterwards, so its name says what it is
/// (`evidence-<run id>`) and one run never adds more than one per pod.
public struct EvidenceContainer: Sendable, Codable, Equatable {
    public var name: String
    public var image: String
    public var imagePullPolicy: String
    /// The argv the container runs, exactly. On the wire every `$` is sent as
    /// `$$` (see `KubeletEscaping`), so the kubelet's expansion gives this back.
    public var command: [String]
    public var targetContainerName: String
    public var securityContext: SecurityContext?
    /// "File": the in-pod script writes the SHA-256 of its output to
    /// /dev/termination-log; the collector compares it with the log it reads.
    public var terminationMessagePolicy: String = "File"
    public var stdin: Bool?
    public var tty: Bool?

    public init(name: String, image: String, imagePullPolicy: String, command: [String], targetContainerName: String,
                securityContext: SecurityContext?) {
        self.name = name
        self.image = image
        self.imagePullPolicy = imagePullPolicy
        self.command = command
        self.targetContainerName = targetContainerName
        self.securityContext = securityContext
    }

    /// The body of `PATCH pods/{pod}/ephemeralcontainers` with
    /// `Content-Type: application/strategic-merge-patch+json`. The list merges
    /// by name, so no GET is needed first, and re-sending the same body is a
    /// no-op on the server (a retried request cannot add a second container).
    public func strategicMergePatch() throws -> Data {
        struct Patch: Encodable {
            struct Spec: Encodable { var ephemeralContainers: [EvidenceContainer] }
            var spec: Spec
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Patch(spec: .init(ephemeralContainers: [asSent])))
    }

    /// The container as the API server must store it: `command` escaped for the
    /// kubelet's `$(VAR)` expansion, so that what runs is byte for byte `command`.
    public var asSent: EvidenceContainer {
        var sent = self
        sent.command = command.map(KubeletEscaping.escape)
        return sent
    }
}

/// A run's identity: it names the evidence containers and the bundle's run.
public struct RunID: Sendable, Equatable, CustomStringConvertible {
    public let value: String

    /// Eight characters from the alphabet Kubernetes uses for generated names
    /// (no vowels, no look-alikes), so `evidence-<id>` is a valid DNS label
    /// and reads as a Kubernetes name.
    public static func generate() -> RunID {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var generator = SystemRandomNumberGenerator()
        return RunID(value: String((0..<8).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] }))
    }

    public init(value: String) { self.value = value }

    /// The ephemeral container's name in every pod of this run.
    public var containerName: String { "evidence-\(value)" }
    public var description: String { value }
}
