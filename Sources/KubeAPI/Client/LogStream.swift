import AsyncHTTPClient
import Foundation

/// A container's log, yielded as byte chunks as they arrive
/// (`GET /api/v1/namespaces/{ns}/pods/{pod}/log?container=C`).
///
/// Not resumed after a dropped connection: a resumed log could repeat or lose
/// bytes, and the collector compares the log's SHA-256 with the one the
/// container reported, so a cut must surface as an error.
public struct LogStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    let client: KubeClient
    let namespace: String
    let pod: String
    let container: String
    /// `follow=true`: the stream stays open while the container runs, and the
    /// kubelet follows its log across rotation (the node helper's output).
    var follow = false

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
        public mutating func next() async throws -> [UInt8]? { try await base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let request = APIRequest(
            method: .GET, path: KubeClient.podPath(namespace: namespace, name: pod, subresource: "log"),
            query: [("container", container)] + (follow ? [("follow", "true")] : []), accept: "*/*")
        let task = Task { [client] in
            do {
                let response = try await client.open(request)
                for try await chunk in response.body {
                    continuation.yield(Array(chunk.readableBytesView))
                }
                continuation.finish()
            } catch {
                if Task.isCancelled {
                    continuation.finish()
                } else {
                    continuation.finish(throwing: client.classify(error, request: request))
                }
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return AsyncIterator(base: stream.makeAsyncIterator())
    }
}

extension KubeClient {
    /// Streams a container's log as it arrives. See `LogStream`.
    public func streamLog(namespace: String, pod: String, container: String, follow: Bool = false) -> LogStream {
        LogStream(client: self, namespace: namespace, pod: pod, container: container, follow: follow)
    }

    /// Reads a container's whole log into memory (at most `limit` bytes, else an error).
    public func readLog(namespace: String, pod: String, container: String, limit: Int = 64 << 20) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in streamLog(namespace: namespace, pod: pod, container: container) {
            bytes.append(contentsOf: chunk)
            if bytes.count > limit {
                throw KubeAPIError.invalidResponse(
                    method: "GET", path: KubeClient.podPath(namespace: namespace, name: pod, subresource: "log"),
                    detail: "the log of container \(container) is larger than \(limit) bytes")
            }
        }
        return bytes
    }
}
