import AsyncHTTPClient
import Foundation

/// A watch on pods that survives dropped connections.
///
/// `GET …/pods?watch=1&resourceVersion=RV&allowWatchBookmarks=true` (bookmarks only
/// with a real RV: see `run`); events are
/// parsed line by line as they arrive. The last resourceVersion seen (from
/// objects and BOOKMARKs) is remembered; when the connection drops or the
/// server ends the response, the watch reconnects from it, so no event is
/// repeated or missed. BOOKMARK events are yielded too (their pod has only
/// `metadata.resourceVersion`); skip them if you do not need them.
///
/// When the resourceVersion is too old the server answers HTTP 200 and one
/// ERROR event with code 410 (or HTTP 410): the sequence then throws
/// `KubeAPIError.gone`; list again and watch from the new list, or use
/// `KubeClient.watchPodsRelisting`, which does that. Other ERROR events are
/// thrown as `KubeAPIError.status`.
public struct PodWatch: AsyncSequence, Sendable {
    public typealias Element = WatchEvent

    let client: KubeClient
    let namespace: String?
    let labelSelector: String?
    let fieldSelector: String?
    let resourceVersion: String

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<WatchEvent, any Error>.AsyncIterator

        public mutating func next() async throws -> WatchEvent? {
            try await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        let task = Task { [self] in
            do {
                try await run { continuation.yield($0) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return AsyncIterator(base: stream.makeAsyncIterator())
    }

    /// The reconnecting loop; returns only when cancelled.
    func run(_ yield: @Sendable (WatchEvent) -> Void) async throws {
        var resourceVersion = self.resourceVersion
        var failures = 0
        let path = KubeClient.podsPath(namespace: namespace)
        while true {
            try Task.checkCancellation()
            var query = KubeClient.selectorQuery(labelSelector: labelSelector, fieldSelector: fieldSelector)
            query.append(("watch", "1"))
            query.append(("resourceVersion", resourceVersion))
            // With an empty or "0" resourceVersion, allowWatchBookmarks makes a v1.36 server default to
            // sendInitialEvents=true (a WatchList), which fails with 500 where etcd lacks progress
            // notifications (see errors/watch-sendinitialevents-200-stream-error-500.jsonl).
            if !resourceVersion.isEmpty && resourceVersion != "0" {
                query.append(("allowWatchBookmarks", "true"))
            }
            let request = APIRequest(method: .GET, path: path, query: query)
            do {
                let response = try await client.open(request)
                var splitter = LineSplitter()
                var received = 0
                for try await chunk in response.body {
                    for line in try splitter.append(chunk.readableBytesView) {
                        try handle(line, resourceVersion: &resourceVersion, path: request.pathAndQuery, yield: yield)
                        failures = 0
                        received += 1
                    }
                }
                // A last line without its newline was cut off: drop it; the reconnect
                // below asks again from the last complete event.
                _ = splitter.finish()
                // The server ended the response (its watch timeout): reconnect from where we are,
                // pausing briefly if it ended without any event so a misbehaving server is not hammered.
                if received == 0 {
                    try await Task.sleep(for: client.backoff(attempt: 1, retryAfter: nil))
                }
            } catch let terminal as EndOfWatch {
                throw terminal.error
            } catch let error as KubeAPIError where error.isGone {
                throw KubeAPIError.gone(resourceVersion: resourceVersion, message: goneMessage(error), path: request.pathAndQuery)
            } catch {
                if Task.isCancelled || error is CancellationError { throw CancellationError() }
                let classified = client.classify(error, request: request)
                guard Self.isWorthReconnecting(classified), failures < client.options.maxRetries else { throw classified }
                failures += 1
                try await Task.sleep(for: client.backoff(attempt: failures, retryAfter: nil))
            }
        }
    }

    private func handle(_ line: [UInt8], resourceVersion: inout String, path: String, yield: @Sendable (WatchEvent) -> Void) throws {
        let event: WatchEvent
        do {
            event = try WatchEvent.decode(line: line)
        } catch {
            let preview = String(decoding: line.prefix(200), as: UTF8.self)
            throw EndOfWatch(error: .invalidResponse(method: "GET", path: path, detail: "a watch event is not valid JSON (\(error)): \(preview)"))
        }
        if case .status(let status) = event.object {
            // The server ends the watch after an ERROR event; reconnecting would only repeat it.
            if status.code == 410 {
                throw EndOfWatch(error: .gone(resourceVersion: resourceVersion, message: status.message ?? "Expired", path: path))
            }
            throw EndOfWatch(error: .status(status, method: "GET", path: path))
        }
        if let version = event.resourceVersion, !version.isEmpty { resourceVersion = version }
        yield(event)
    }

    /// An error that ends the watch without any attempt to reconnect.
    private struct EndOfWatch: Error {
        var error: KubeAPIError
    }

    private func goneMessage(_ error: KubeAPIError) -> String {
        if case .gone(_, let message, _) = error { return message }
        return error.description
    }

    /// Failures after which reconnecting may help: lost connections, a restarting server, 5xx.
    static func isWorthReconnecting(_ error: any Error) -> Bool {
        guard let error = error as? KubeAPIError else { return false }
        switch error {
        case .connectionLost, .connectionRefused, .timedOut, .transport: return true
        case .status, .unexpectedResponse: return (error.statusCode ?? 0) >= 500
        default: return false
        }
    }
}

/// What `watchPodsRelisting` yields: a full list (at the start and after each
/// 410 Gone) or one watch event. After `.relisted`, forget what you knew: the
/// list is the truth at its resourceVersion, and events continue from there.
public enum PodWatchUpdate: Sendable {
    case relisted(PodList)
    case event(WatchEvent)
}

/// A list-then-watch loop that relists on 410 Gone, like a client-go reflector.
public struct PodWatchRelisting: AsyncSequence, Sendable {
    public typealias Element = PodWatchUpdate

    let client: KubeClient
    let namespace: String?
    let labelSelector: String?
    let fieldSelector: String?
    let pageSize: Int

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<PodWatchUpdate, any Error>.AsyncIterator
        public mutating func next() async throws -> PodWatchUpdate? { try await base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        let (stream, continuation) = AsyncThrowingStream<PodWatchUpdate, any Error>.makeStream()
        let task = Task { [self] in
            do {
                while true {
                    try Task.checkCancellation()
                    let list = try await client.listAllPods(
                        namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, pageSize: pageSize)
                    continuation.yield(.relisted(list))
                    let watch = client.watchPods(
                        namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                        resourceVersion: list.metadata.resourceVersion ?? "")
                    do {
                        try await watch.run { continuation.yield(.event($0)) }
                    } catch let error as KubeAPIError where error.isGone {
                        continue  // relist
                    }
                }
            } catch {
                continuation.finish(throwing: error is CancellationError ? nil : error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return AsyncIterator(base: stream.makeAsyncIterator())
    }
}

extension KubeClient {
    /// Watches pods from `resourceVersion` (from a list), reconnecting after drops.
    /// See `PodWatch` for what is yielded and thrown.
    public func watchPods(
        namespace: String?, labelSelector: String?, fieldSelector: String? = nil, resourceVersion: String
    ) -> PodWatch {
        PodWatch(client: self, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, resourceVersion: resourceVersion)
    }

    /// Lists, then watches from the list's resourceVersion; on 410 Gone lists again.
    /// Yields `.relisted(list)` first and after every relist, then `.event`s.
    public func watchPodsRelisting(
        namespace: String?, labelSelector: String?, fieldSelector: String? = nil, pageSize: Int = 500
    ) -> PodWatchRelisting {
        PodWatchRelisting(client: self, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, pageSize: pageSize)
    }
}
