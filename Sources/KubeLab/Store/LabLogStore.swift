/// Container logs as the kubelet would serve them: bytes per pod and container,
/// appended by whoever runs the container (LabKubelet copying the runtime's log files, or a test), read
/// whole or followed until the container ends. Thread-safe; followers' sinks are called
/// under the lock and must only enqueue.
final class LabLogStore: Sendable {
    enum Chunk: Sendable {
        case bytes([UInt8])
        case end
    }

    typealias Sink = @Sendable (Chunk) -> Void

    private struct Log: Sendable {
        var bytes: [UInt8] = []
        var ended = false
        var followers: [Int: Sink] = [:]
    }

    private struct State: Sendable {
        var logs: [String: Log] = [:]
        var nextID = 1
    }

    private let state = LabMutex(State())

    static func key(_ namespace: String, _ pod: String, _ container: String) -> String { "\(namespace)/\(pod)/\(container)" }

    func append(namespace: String, pod: String, container: String, _ bytes: [UInt8]) {
        state.withLock { s in
            let key = LabLogStore.key(namespace, pod, container)
            var log = s.logs[key] ?? Log()
            log.bytes.append(contentsOf: bytes)
            for sink in log.followers.values { sink(.bytes(bytes)) }
            s.logs[key] = log
        }
    }

    /// The container has ended: followers get the end of the stream.
    func end(namespace: String, pod: String, container: String) {
        state.withLock { s in
            let key = LabLogStore.key(namespace, pod, container)
            var log = s.logs[key] ?? Log()
            log.ended = true
            for sink in log.followers.values { sink(.end) }
            log.followers = [:]
            s.logs[key] = log
        }
    }

    /// Forgets every log of a pod (it was deleted); followers see the end.
    func removePod(namespace: String, pod: String) {
        state.withLock { s in
            let prefix = "\(namespace)/\(pod)/"
            for key in s.logs.keys where key.hasPrefix(prefix) {
                for sink in s.logs[key]!.followers.values { sink(.end) }
                s.logs[key] = nil
            }
        }
    }

    /// True while someone follows this log (`follow=true`): only then is it worth copying as it grows.
    func hasFollowers(namespace: String, pod: String, container: String) -> Bool {
        state.withLock { !($0.logs[LabLogStore.key(namespace, pod, container)]?.followers.isEmpty ?? true) }
    }

    func read(namespace: String, pod: String, container: String) -> [UInt8] {
        state.withLock { $0.logs[LabLogStore.key(namespace, pod, container)]?.bytes ?? [] }
    }

    /// The bytes so far and, unless the log has ended, a follower id; atomically, so nothing is lost between them.
    func follow(namespace: String, pod: String, container: String, sink: @escaping Sink) -> (bytes: [UInt8], id: Int?) {
        state.withLock { s in
            let key = LabLogStore.key(namespace, pod, container)
            var log = s.logs[key] ?? Log()
            if log.ended { return (log.bytes, nil) }
            let id = s.nextID
            s.nextID += 1
            log.followers[id] = sink
            s.logs[key] = log
            return (log.bytes, id)
        }
    }

    func unfollow(namespace: String, pod: String, container: String, id: Int) {
        state.withLock { _ = $0.logs[LabLogStore.key(namespace, pod, container)]?.followers.removeValue(forKey: id) }
    }
}
