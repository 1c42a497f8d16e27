/// Container logs as a node keeps them: per pod and container, the current log file in the
/// CRI format containerd writes (``CRILogRecord``: timestamp, stream, `F`/`P`, content),
/// with stdout and stderr interleaved in one file, rotated when it reaches the kubelet's
/// `containerLogMaxSize`. `GET pods/{pod}/log` serves the current file only, so a rotation
/// loses the head of the log for readers, as on a real node.
///
/// Whoever runs the container (LabKubelet copying the runtime's output, or a test) appends
/// raw output per stream; each stream is cut into records as containerd cuts it
/// (``CRILogFramer``). Readers read the file whole or follow it until the container ends.
/// Thread-safe; followers' sinks are called under the lock and must only enqueue.
final class LabLogStore: Sendable {
    enum Chunk: Sendable {
        /// Records just written to the file.
        case records([CRILogRecord])
        case end
    }

    typealias Sink = @Sendable (Chunk) -> Void

    /// The kubelet's `containerLogMaxSize` default (10Mi). The kubelet looks every 10 s and
    /// rotates a file that has reached it; the lab rotates as soon as it has, so that what a
    /// reader sees does not depend on when it looked.
    static let containerLogMaxSize = 10 * 1024 * 1024

    private struct Log: Sendable {
        /// The current log file, record after record.
        var file: [UInt8] = []
        var stdout = CRILogFramer(stream: .stdout)
        var stderr = CRILogFramer(stream: .stderr)
        /// Files rotated away; their content is gone for `GET …/log` (the lab keeps none of it).
        var rotations = 0
        var ended = false
        var followers: [Int: Sink] = [:]

        mutating func write(_ records: [CRILogRecord]) {
            guard !records.isEmpty else { return }
            for record in records {
                record.frame(into: &file)
                if file.count >= LabLogStore.containerLogMaxSize {
                    file = []
                    rotations += 1
                }
            }
            for sink in followers.values { sink(.records(records)) }
        }
    }

    private struct State: Sendable {
        var logs: [String: Log] = [:]
        var nextID = 1
    }

    private let state = LabMutex(State())

    static func key(_ namespace: String, _ pod: String, _ container: String) -> String { "\(namespace)/\(pod)/\(container)" }

    /// Changes one log in place: a copy of the entry would copy its file (up to 10 MiB) on every write.
    private func withLog(_ namespace: String, _ pod: String, _ container: String, _ change: (inout Log) -> Void) {
        state.withLock { s in change(&s.logs[LabLogStore.key(namespace, pod, container), default: Log()]) }
    }

    /// Output a container wrote on one stream, seen at `time`: the lines it completes become
    /// records of the file; a line still without its newline waits for the rest.
    func append(
        namespace: String, pod: String, container: String, stream: CRILogRecord.Stream = .stdout, at time: CRILogTime = .now(),
        _ bytes: [UInt8]
    ) {
        withLog(namespace, pod, container) { log in
            let records = stream == .stdout ? log.stdout.feed(bytes, at: time) : log.stderr.feed(bytes, at: time)
            log.write(records)
        }
    }

    /// The container has ended: the last line of each stream, if it had no newline, becomes a
    /// `P` record; followers get the end of the stream.
    func end(namespace: String, pod: String, container: String, at time: CRILogTime = .now()) {
        withLog(namespace, pod, container) { log in
            let rest = log.stdout.finish(at: time) + log.stderr.finish(at: time)
            log.write(rest)
            log.ended = true
            for sink in log.followers.values { sink(.end) }
            log.followers = [:]
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

    /// The current log file, as the kubelet would find it on disk.
    func file(namespace: String, pod: String, container: String) -> [UInt8] {
        state.withLock { $0.logs[LabLogStore.key(namespace, pod, container)]?.file ?? [] }
    }

    /// How many times this log has been rotated.
    func rotations(namespace: String, pod: String, container: String) -> Int {
        state.withLock { $0.logs[LabLogStore.key(namespace, pod, container)]?.rotations ?? 0 }
    }

    /// What `GET …/log` without options serves: the content of the current file's records.
    func read(namespace: String, pod: String, container: String) -> [UInt8] {
        var writer = ContainerLogWriter(timestamps: false, since: nil, limitBytes: nil)
        var out: [UInt8] = []
        writer.write(file: file(namespace: namespace, pod: pod, container: container), tailLines: nil, into: &out)
        return out
    }

    /// The current file and, unless the log has ended, a follower id; atomically, so that no
    /// record falls between them.
    func follow(namespace: String, pod: String, container: String, sink: @escaping Sink) -> (file: [UInt8], id: Int?) {
        state.withLock { s in
            let key = LabLogStore.key(namespace, pod, container)
            if s.logs[key]?.ended == true { return (s.logs[key]!.file, nil) }
            let id = s.nextID
            s.nextID += 1
            s.logs[key, default: Log()].followers[id] = sink
            return (s.logs[key]!.file, id)
        }
    }

    func unfollow(namespace: String, pod: String, container: String, id: Int) {
        state.withLock { _ = $0.logs[LabLogStore.key(namespace, pod, container)]?.followers.removeValue(forKey: id) }
    }
}
