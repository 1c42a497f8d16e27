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

    /// The reconnecting loop; returns only when cancelled. `connection` hears at
    /// once how the connection stands (`.interrupted` when a request failed,
    /// `.resumed` when a later one was answered), for a consumer that must stop
    /// relying on the watch while it is down (see `PodWatchRelisting`).
    func run(
        _ yield: @escaping @Sendable (WatchEvent) -> Void, connection: @escaping @Sendable (PodWatchUpdate) -> Void = { _ in }
    ) async throws {
        let cursor = WatchCursor(resourceVersion: resourceVersion, time: client.options.time)
        var failures = 0
        let path = KubeClient.podsPath(namespace: namespace)
        while true {
            try Task.checkCancellation()
            let resourceVersion = cursor.resourceVersion
            var query = KubeClient.selectorQuery(labelSelector: labelSelector, fieldSelector: fieldSelector)
            query.append(("watch", "1"))
            query.append(("resourceVersion", resourceVersion))
            // As client-go's reflector: the server ends the watch after 5–10 minutes (spread,
            // so that many clients do not reconnect at once), and it is resumed from here.
            query.append(("timeoutSeconds", String(Int.random(in: 300...600))))
            // With an empty or "0" resourceVersion, allowWatchBookmarks makes a v1.36 server default to
            // sendInitialEvents=true (a WatchList), which fails with 500 where etcd lacks progress
            // notifications (see errors/watch-sendinitialevents-200-stream-error-500.jsonl).
            if !resourceVersion.isEmpty && resourceVersion != "0" {
                query.append(("allowWatchBookmarks", "true"))
            }
            var request = APIRequest(method: .GET, path: path, query: query)
            // Retried here, where each failure is reported, not silently inside the transport.
            request.retriedByCaller = true
            cursor.beginRequest()
            do {
                try await cursor.whileActive(idleLimit: client.options.watchIdleTimeout) { [client, request] in
                    let response = try await client.open(request)
                    if cursor.markAnswered() { connection(.resumed) }
                    var splitter = LineSplitter()
                    for try await chunk in response.body {
                        cursor.touch()
                        for line in try splitter.append(chunk.readableBytesView) {
                            try handle(line, cursor: cursor, path: request.pathAndQuery, yield: yield)
                        }
                    }
                    // A last line without its newline was cut off: drop it; the reconnect
                    // below asks again from the last complete event.
                    _ = splitter.finish()
                }
                if cursor.receivedSinceRequest > 0 { failures = 0 }
                // The server ended the response (its watch timeout): reconnect from where we are,
                // pausing briefly if it ended without any event so a misbehaving server is not hammered.
                if cursor.receivedSinceRequest == 0 {
                    try await client.options.time.sleep(seconds: client.backoff(attempt: 1, retryAfter: nil))
                }
            } catch let terminal as EndOfWatch {
                throw terminal.error
            } catch let error as KubeAPIError where error.isGone {
                throw KubeAPIError.gone(resourceVersion: cursor.resourceVersion, message: goneMessage(error), path: request.pathAndQuery)
            } catch is WatchCursor.Idle where cursor.wasAnswered {
                // The server answered and then sent nothing for the idle limit: a quiet
                // selection without bookmarks, or a cut network that TCP has not noticed.
                // Reconnect from where we are at once; only a reconnect that fails counts.
                failures = 0
                continue
            } catch {
                if Task.isCancelled || error is CancellationError { throw CancellationError() }
                if cursor.receivedSinceRequest > 0 { failures = 0 }
                // A watch that went silent for the idle limit (a cut network keeps a dead
                // connection open for as long as TCP lets it) is reconnected like a dropped one.
                let classified = (error as? WatchCursor.Idle).map {
                    KubeAPIError.timedOut(method: "GET", path: request.pathAndQuery, server: client.connection.server,
                                          after: $0.seconds, phase: "waiting for the next watch event")
                } ?? client.classify(error, request: request)
                guard (classified as? KubeAPIError)?.isTransient == true, failures < client.options.maxRetries else { throw classified }
                failures += 1
                let delay = client.backoff(attempt: failures, retryAfter: nil)
                cursor.markDown()
                connection(.interrupted(reason: "\(classified)", retryIn: delay))
                try await client.options.time.sleep(seconds: delay)
            }
        }
    }

    private func handle(_ line: [UInt8], cursor: WatchCursor, path: String, yield: @Sendable (WatchEvent) -> Void) throws {
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
                throw EndOfWatch(error: .gone(resourceVersion: cursor.resourceVersion, message: status.message ?? "Expired", path: path))
            }
            throw EndOfWatch(error: .status(status, method: "GET", path: path))
        }
        cursor.received(resourceVersion: event.resourceVersion)
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
}

/// What `watchPodsRelisting` yields: a full list (at the start and after each
/// relist) or one watch event, and a word when the list or the watch failed.
/// After `.relisted`, forget what you knew: the list is the truth at its
/// resourceVersion, and events continue from there.
public enum PodWatchUpdate: Sendable {
    case relisted(PodList)
    case event(WatchEvent)
    /// The list or the watch failed (the API server is unreachable, restarting,
    /// or ended the watch with an ERROR event other than 410): nothing is
    /// known of the pods until the next `.relisted` or `.resumed`; the next
    /// attempt is made after `retryIn` seconds, and again for as long as the
    /// sequence is read.
    case interrupted(reason: String, retryIn: TimeInterval)
    /// The watch reconnected after `.interrupted` without a relist: the events
    /// missed meanwhile follow, and the pods are reported again.
    case resumed
}

/// A list-then-watch loop like a client-go reflector: it relists on 410 Gone
/// and after any failure, for as long as it is read, waiting a capped,
/// jittered, growing delay between attempts, so a server that keeps failing
/// (or keeps answering 410) is not hammered with LISTs of the whole selection.
/// The delay starts again from the beginning once a watch delivers an event.
/// It ends only when cancelled; a request that can never succeed (401, 403,
/// a malformed reply) fails it.
public struct PodWatchRelisting: AsyncSequence, Sendable {
    public typealias Element = PodWatchUpdate

    let client: KubeClient
    let namespace: String?
    let labelSelector: String?
    let fieldSelector: String?
    let pageSize: Int

    /// The first delay before a relist, and the most it grows to.
    public static let firstRetryDelay: TimeInterval = 0.2
    public static let maximumRetryDelay: TimeInterval = 5

    /// The delay before attempt `failures` (1, 2, …): doubling from
    /// `firstRetryDelay` up to `maximumRetryDelay`, of which a random half to
    /// all is taken so that clients spread out.
    public static func retryDelay(afterFailures failures: Int) -> TimeInterval {
        let ceiling = Swift.min(maximumRetryDelay, firstRetryDelay * pow(2, Double(Swift.max(0, Swift.min(failures, 30) - 1))))
        return ceiling * Double.random(in: 0.5...1)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<PodWatchUpdate, any Error>.AsyncIterator
        public mutating func next() async throws -> PodWatchUpdate? { try await base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        let (stream, continuation) = AsyncThrowingStream<PodWatchUpdate, any Error>.makeStream()
        let task = Task { [self] in
            do {
                try await run { continuation.yield($0) }
            } catch {
                continuation.finish(throwing: error is CancellationError ? nil : error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return AsyncIterator(base: stream.makeAsyncIterator())
    }

    /// The loop; returns only by throwing (cancellation, or a failure no retry can mend).
    func run(_ yield: @escaping @Sendable (PodWatchUpdate) -> Void) async throws {
        let progress = ProgressFlag()
        var failures = 0
        while true {
            try Task.checkCancellation()
            do {
                let list = try await client.listAllPods(
                    namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, pageSize: pageSize)
                yield(.relisted(list))
                let watch = client.watchPods(
                    namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                    resourceVersion: list.metadata.resourceVersion ?? "")
                progress.reset()
                try await watch.run({ event in
                    progress.set()
                    yield(.event(event))
                }, connection: yield)
            } catch {
                if Task.isCancelled || error is CancellationError { throw CancellationError() }
                // 410 Gone is expected now and then, and is met by a relist; any other failure
                // only when another attempt may mend it (not a refusal, 401, 403, 404, or nonsense).
                // Until the relist the watch says it is interrupted: a reconnect announced as
                // resumed can still be answered with 410.
                guard let failure = error as? KubeAPIError, failure.isGone || failure.isTransient else { throw error }
                if progress.takeAndReset() { failures = 0 }
                failures += 1
                let delay = Self.retryDelay(afterFailures: failures)
                yield(.interrupted(reason: "\(error)", retryIn: delay))
                try await client.options.time.sleep(seconds: delay)
            }
        }
    }
}

/// Whether a watch delivered anything since it was last asked.
private final class ProgressFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var delivered = false
    func set() { lock.lock(); delivered = true; lock.unlock() }
    func reset() { lock.lock(); delivered = false; lock.unlock() }
    func takeAndReset() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let value = delivered
        delivered = false
        return value
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
