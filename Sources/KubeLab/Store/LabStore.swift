import Foundation

/// The lab's storage: one global resourceVersion counter (as etcd's revision), pods
/// ordered by `namespace/name` key (as etcd orders them), a bounded event history for
/// watches that resume, and list snapshots so that paginated lists are consistent.
/// All state sits behind one lock; watch sinks are called under it and must only enqueue.
final class LabStore: Sendable {
    /// Events kept for resuming watches; older resourceVersions get 410 Gone.
    static let historyLimit = 10_000
    /// First pages of paginated lists whose state is kept for their continue tokens.
    static let snapshotLimit = 32

    struct Snapshot: Sendable {
        let resourceVersion: Int
        let keys: [String]
        let pods: [String: StoredPod]
    }

    /// Receives the events of one watch: the type as this watcher sees it, and the pod.
    typealias WatchSink = @Sendable (WatchEventType, StoredPod) -> Void

    struct Watcher: Sendable {
        let filter: PodFilter
        let sink: WatchSink
    }

    struct State: Sendable {
        var resourceVersion = 1
        var namespaces: [String: StoredObject] = [:]
        var nodes: [String: StoredObject] = [:]
        var pods: [String: StoredPod] = [:]
        var keys: [String] = []
        var history: [PodEvent] = []
        /// Watches may start from any resourceVersion >= this one.
        var oldestWatchableRV = 1
        var watchers: [Int: Watcher] = [:]
        var nextWatcherID = 1
        var snapshots: [Snapshot] = []
    }

    private let state = LabMutex(State())

    init() {}

    var resourceVersion: Int { state.withLock { $0.resourceVersion } }

    // MARK: loading

    /// Loads the initial objects without recording events: like a cluster whose
    /// history before the lab started has been compacted away.
    func load(namespaces: [String], namespaceLabels: [String: [String: String]] = [:], nodes: [(String, String)], pods: [LabPod], now: Date) {
        state.withLock { s in
            for ns in namespaces {
                s.resourceVersion += 1
                s.namespaces[ns] = .namespace(ns, labels: namespaceLabels[ns] ?? [:], resourceVersion: s.resourceVersion, now: now)
            }
            for (node, ip) in nodes {
                s.resourceVersion += 1
                s.nodes[node] = .node(node, hostIP: ip, resourceVersion: s.resourceVersion, now: now)
            }
            for var pod in pods {
                s.resourceVersion += 1
                pod.resourceVersion = s.resourceVersion
                s.pods[pod.key] = StoredPod(pod)
            }
            s.keys = s.pods.keys.sorted()
            s.oldestWatchableRV = s.resourceVersion
        }
    }

    // MARK: reading

    func namespace(_ name: String) -> StoredObject? { state.withLock { $0.namespaces[name] } }
    func namespaces() -> [StoredObject] { state.withLock { s in s.namespaces.keys.sorted().map { s.namespaces[$0]! } } }
    func node(_ name: String) -> StoredObject? { state.withLock { $0.nodes[name] } }
    func nodes() -> [StoredObject] { state.withLock { s in s.nodes.keys.sorted().map { s.nodes[$0]! } } }

    func pod(namespace: String, name: String) -> StoredPod? {
        state.withLock { $0.pods[namespace + "/" + name] }
    }

    /// All pods, in key order (for tests and the lab's own callers).
    func allPods() -> [LabPod] {
        state.withLock { s in s.keys.map { s.pods[$0]!.pod } }
    }

    struct ListResult: Sendable {
        var items: [StoredPod]
        var resourceVersion: Int
        var continueToken: String?
        var remainingItemCount: Int?
    }

    /// Lists pods, a page at a time when `limit` is set. Later pages come from the
    /// snapshot taken for the first page, so every pod appears exactly once.
    func listPods(filter: PodFilter, limit: Int?, continueToken: String?) throws(APIError) -> ListResult {
        let token: ContinueToken? = try continueToken.map { (t: String) throws(APIError) in try ContinueToken.decode(t) }
        return try state.withLock { (s: inout State) throws(APIError) -> ListResult in
            var keys = s.keys
            var pods = s.pods
            var rv = s.resourceVersion
            var startAfter: String? = nil
            if let token {
                guard let snap = s.snapshots.first(where: { $0.resourceVersion == token.resourceVersion }) else {
                    let fresh = ContinueToken(resourceVersion: s.resourceVersion, startAfter: token.startAfter).encoded()
                    throw .expired(
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                        continueToken: fresh)
                }
                keys = snap.keys
                pods = snap.pods
                rv = snap.resourceVersion
                startAfter = filter.namespace.map { $0 + "/" + token.startAfter } ?? token.startAfter
            }
            let prefix = filter.namespace.map { $0 + "/" } ?? ""
            var index: Int
            if let startAfter {
                index = LabStore.upperBound(keys, startAfter)
            } else {
                index = LabStore.lowerBound(keys, prefix)
            }
            var items: [StoredPod] = []
            let max = (limit ?? 0) > 0 ? limit! : Int.max
            var lastKey: String? = nil
            var more = false
            while index < keys.count {
                let key = keys[index]
                if !prefix.isEmpty && !key.hasPrefix(prefix) { break }
                let p = pods[key]!
                if filter.matches(p.pod) {
                    if items.count == max {
                        more = true
                        break
                    }
                    items.append(p)
                    lastKey = key
                }
                index += 1
            }
            var result = ListResult(items: items, resourceVersion: rv)
            if more, let lastKey {
                let relative = prefix.isEmpty ? lastKey : String(lastKey.dropFirst(prefix.count))
                result.continueToken = ContinueToken(resourceVersion: rv, startAfter: relative).encoded()
                if !filter.hasSelectors {
                    var remaining = 0
                    var j = index
                    while j < keys.count, prefix.isEmpty || keys[j].hasPrefix(prefix) {
                        remaining += 1
                        j += 1
                    }
                    result.remainingItemCount = remaining
                }
                if !s.snapshots.contains(where: { $0.resourceVersion == rv }) {
                    s.snapshots.append(Snapshot(resourceVersion: rv, keys: keys, pods: pods))
                    if s.snapshots.count > LabStore.snapshotLimit { s.snapshots.removeFirst() }
                }
            }
            return result
        }
    }

    static func lowerBound(_ keys: [String], _ value: String) -> Int {
        var lo = 0
        var hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    static func upperBound(_ keys: [String], _ value: String) -> Int {
        var lo = 0
        var hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] <= value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    // MARK: writing

    private static func record(_ s: inout State, _ event: PodEvent) {
        s.history.append(event)
        if s.history.count > historyLimit + 1_000 {
            s.history.removeFirst(s.history.count - historyLimit)
            s.oldestWatchableRV = s.history[0].resourceVersion - 1
        }
        for watcher in s.watchers.values {
            if let type = event.type(for: watcher.filter) { watcher.sink(type, event.object) }
        }
    }

    /// Stores a new pod (its name must be set); fails as the server does when the
    /// namespace is missing or the name is taken.
    @discardableResult
    func createPod(_ pod: LabPod) throws(APIError) -> StoredPod {
        try state.withLock { (s: inout State) throws(APIError) -> StoredPod in
            guard s.namespaces[pod.namespace] != nil else { throw .notFound(resource: "namespaces", name: pod.namespace) }
            guard s.pods[pod.key] == nil else { throw .alreadyExists(resource: "pods", name: pod.name) }
            s.resourceVersion += 1
            var pod = pod
            pod.resourceVersion = s.resourceVersion
            let stored = StoredPod(pod)
            s.pods[pod.key] = stored
            s.keys.insert(pod.key, at: LabStore.lowerBound(s.keys, pod.key))
            LabStore.record(&s, PodEvent(resourceVersion: s.resourceVersion, type: .ADDED, object: stored, previous: nil))
            return stored
        }
    }

    /// Changes a pod in place; returns nil when there is no such pod.
    @discardableResult
    func updatePod(namespace: String, name: String, _ change: (inout LabPod) -> Void) -> StoredPod? {
        updatePodIf(namespace: namespace, name: name) { (pod: inout LabPod) -> Bool in
            change(&pod)
            return true
        }
    }

    /// Changes a pod in place when `change` returns true (a MODIFIED event, a new resourceVersion);
    /// false leaves the pod as it was, without an event. Nil when there is no such pod or nothing changed.
    @discardableResult
    func updatePodIf(namespace: String, name: String, _ change: (inout LabPod) -> Bool) -> StoredPod? {
        state.withLock { s in
            let key = namespace + "/" + name
            guard let old = s.pods[key] else { return nil }
            var pod = old.pod
            guard change(&pod) else { return nil }
            s.resourceVersion += 1
            pod.resourceVersion = s.resourceVersion
            let stored = StoredPod(pod)
            s.pods[key] = stored
            LabStore.record(&s, PodEvent(resourceVersion: s.resourceVersion, type: .MODIFIED, object: stored, previous: old.pod))
            return stored
        }
    }

    /// Removes a pod at once (no graceful termination; the lab's kubelet stops its processes).
    @discardableResult
    func deletePod(namespace: String, name: String) -> StoredPod? {
        state.withLock { s in
            let key = namespace + "/" + name
            guard let old = s.pods.removeValue(forKey: key) else { return nil }
            let i = LabStore.lowerBound(s.keys, key)
            if i < s.keys.count, s.keys[i] == key { s.keys.remove(at: i) }
            s.resourceVersion += 1
            var pod = old.pod
            pod.resourceVersion = s.resourceVersion
            let stored = StoredPod(pod)
            LabStore.record(&s, PodEvent(resourceVersion: s.resourceVersion, type: .DELETED, object: stored, previous: nil))
            return stored
        }
    }

    // MARK: watching

    enum WatchStart: Sendable {
        /// No resourceVersion or "0": ADDED for every current pod first.
        case now
        /// Replay every change after this resourceVersion, then follow.
        case after(Int)
    }

    struct WatchRegistration: Sendable {
        let id: Int
        /// Events to write before anything the sink receives.
        let initialEvents: [(type: WatchEventType, pod: StoredPod)]
        /// The resourceVersion the watch is current with after `initialLines`.
        let resourceVersion: Int
    }

    /// Registers a watcher atomically with the replay, so no change falls between them.
    /// Throws 410 Expired (as the stream's ERROR event) when `start` is older than the history.
    func watchPods(filter: PodFilter, start: WatchStart, sink: @escaping WatchSink) throws(APIError) -> WatchRegistration {
        try state.withLock { (s: inout State) throws(APIError) -> WatchRegistration in
            var events: [(type: WatchEventType, pod: StoredPod)] = []
            switch start {
            case .now:
                for key in s.keys {
                    let p = s.pods[key]!
                    if filter.matches(p.pod) { events.append((.ADDED, p)) }
                }
            case .after(let rv):
                if rv < s.oldestWatchableRV {
                    throw .expired("too old resource version: \(rv) (\(s.oldestWatchableRV))")
                }
                let first = LabStore.firstEvent(after: rv, in: s.history)
                for event in s.history[first...] {
                    if let type = event.type(for: filter) { events.append((type, event.object)) }
                }
            }
            let id = s.nextWatcherID
            s.nextWatcherID += 1
            s.watchers[id] = Watcher(filter: filter, sink: sink)
            return WatchRegistration(id: id, initialEvents: events, resourceVersion: s.resourceVersion)
        }
    }

    private static func firstEvent(after rv: Int, in history: [PodEvent]) -> Int {
        var lo = 0
        var hi = history.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if history[mid].resourceVersion <= rv { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func cancelWatch(_ id: Int) {
        state.withLock { _ = $0.watchers.removeValue(forKey: id) }
    }

    var watcherCount: Int { state.withLock { $0.watchers.count } }
}
