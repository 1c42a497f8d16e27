import Crypto
import Foundation
import KubeAPI

/// The ephemeral container the tool adds to a pod: KubeAPI's
/// `EphemeralContainer`, the one model of it, as the collector fills it in.
///
/// It cannot be removed from the pod afterwards, so its name says what it is
/// (`evidence-<run id>`) and one run never adds more than one per pod.
public typealias EvidenceContainer = EphemeralContainer

extension EphemeralContainer {
    /// The evidence container: `command` is the argv it runs, exactly (on the
    /// wire every `$` is sent as `$$`, see ``asSent``); its termination message
    /// policy is "File": the in-pod script writes the SHA-256 of its output to
    /// /dev/termination-log, and the collector compares it with the log it reads.
    public init(name: String, image: String, imagePullPolicy: String, command: [String], targetContainerName: String,
                securityContext: SecurityContext?) {
        self.init(name: name, image: image, command: command, targetContainerName: targetContainerName,
                  securityContext: securityContext, terminationMessagePolicy: "File", imagePullPolicy: imagePullPolicy)
    }

    /// The body of `PATCH pods/{pod}/ephemeralcontainers` with
    /// `Content-Type: application/strategic-merge-patch+json`. The list merges
    /// by name, so no GET is needed first, and re-sending the same body is a
    /// no-op on the server (a retried request cannot add a second container).
    public func strategicMergePatch() throws -> Data {
        try Self.strategicMergePatch([self])
    }

    /// One PATCH adding several evidence containers to a pod at once (`--all-containers`):
    /// one request, one resourceVersion, and either all are added or none.
    public static func strategicMergePatch(_ containers: [EphemeralContainer]) throws -> Data {
        struct Patch: Encodable {
            struct Spec: Encodable { var ephemeralContainers: [EphemeralContainer] }
            var spec: Spec
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Patch(spec: .init(ephemeralContainers: containers.map(\.asSent))))
    }

    /// The container as the API server must store it: `command` escaped for the
    /// kubelet's `$(VAR)` expansion, so that what runs is byte for byte `command`.
    public var asSent: EphemeralContainer {
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
    public var containerName: String { Self.containerNamePrefix + value }

    /// With `--all-containers` a pod gets one evidence container per target, each
    /// named for its target (`evidence-<id>-sidecar`) so that `kubectl get pod`
    /// says which is which. A target whose name would take that past a DNS
    /// label's 63 characters is named by a digest of its name instead.
    public func containerName(targeting target: String) -> String {
        let named = "\(containerName)-\(target)"
        if named.count <= 63 { return named }
        let digest = SHA256.hash(data: Array(target.utf8)).prefix(5).map { String(format: "%02x", $0) }.joined()
        return "\(containerName)-\(digest)"
    }

    /// What every evidence container's name starts with, this run's and earlier ones'.
    public static let containerNamePrefix = "evidence-"
    public var description: String { value }
}
