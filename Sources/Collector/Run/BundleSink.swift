import Bundle
import Foundation

/// The run's one writer. Pods hand their files over from their tasks; the
/// writes happen one at a time on a serial Dispatch queue of their own, so
/// compressing a pod's evidence never occupies one of the few threads that
/// run the HTTP clients and the watch.
final class BundleSink: Sendable {
    let writer: BundleWriter
    private let queue = DispatchQueue(label: "kubectl-evidence.bundle-writer")

    init(writer: BundleWriter) {
        self.writer = writer
    }

    /// One file to write.
    struct Item: Sendable {
        var path: BundlePath
        var bytes: [UInt8]
    }

    /// Writes the files in order and returns their archive paths. A failure
    /// stops at that file; the files before it stay in the bundle.
    func write(_ items: [Item], modified: Date) async throws -> [String] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                var written: [String] = []
                do {
                    for item in items {
                        let record = try self.writer.add(path: item.path, data: item.bytes, modified: modified)
                        written.append(record.path)
                    }
                    continuation.resume(returning: written)
                } catch {
                    continuation.resume(throwing: WriteFailure(written: written, underlying: "\(error)"))
                }
            }
        }
    }

    struct WriteFailure: Error, Sendable {
        var written: [String]
        var underlying: String
    }

    /// Writes the manifest (and its signature, with a signer) and publishes the bundle.
    func finish(_ manifest: Manifest, signer: ManifestSigner? = nil) async throws -> FinishedBundle {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.writer.finish(manifest: manifest, signer: signer) })
            }
        }
    }
}
