import Foundation
import KubeAPI

/// What the one shared watch has last seen of each pod of the selection, and
/// the pods' workers waiting on it.
///
/// Waiting on a single watch for the whole selection, instead of polling each
/// pod, keeps the load on the API server flat however many pods are collected:
/// one long request, not one GET per pod per second.
///
/// `@unchecked Sendable`: every stored property is read and written only while
/// holding `lock`; continuations are resumed outside it, exactly once.
public final class PodStateBoard: @unchecked Sendable {
    /// The latest word on one pod.
    public enum Observation: Sendable {
        case present(Pod)
        case deleted(Pod?)
    }

    /// Why a wait ended without its condition being met.
    public enum WaitEnd: Error, Sendable, Equatable {
        case timedOut
        /// The shared watch failed for good; the message says why.
        case watchFailed(String)
        /// The shared watch has been interrupted for `fallbackAfter` seconds: the
        /// waiter should read its pod by name until the watch is back.
        case watchDown
        case cancelled
    }

    /// How long the shared watch may be interrupted before waits stop relying
    /// on it and read their pods by name (one GET a second each).
    public static let fallbackAfter: TimeInterval = 5

    private struct Waiter {
        var id: UInt64
        var condition: @Sendable (Observation) -> Bool
        var continuation: CheckedContinuation<Result<Observation, WaitEnd>, Never>
    }

    private let lock = NSLock()
    private var latest: [PodKey: Observation] = [:]
    /// Pods the watch last reported as gone (see `isGoneFromWatch`).
    private var goneFromWatch = Set<PodKey>()
    private var waiters: [PodKey: [Waiter]] = [:]
    /// Admissions waiting for the watch to report the selection (see `waitUntilWatching`).
    private var watchWaiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    private var nextID: UInt64 = 0
    /// Set once every wait is over for good (the watch failed, or the run was stopped).
    private var ending: WaitEnd?
    /// Waits whose timeout or cancellation came before they were registered.
    private var endedEarly: [UInt64: WaitEnd] = [:]
    /// True while the watch reports the selection: from the first list on,
    /// and again from each relist after an interruption.
    private var watching = false
    /// Since when the watch has not reported the selection: from the start of
    /// the run (``track(_:)``) until its first list, and from each interruption
    /// until it is back.
    private var notWatchingSince: Date?
    /// Counts interruptions, so that a fallback timer knows whether the
    /// interruption it was started for is still the current one.
    private var interruptions: UInt64 = 0
    /// Set once an interruption lasted `fallbackAfter`: waits end with
    /// `.watchDown` until the watch is back.
    private var fallingBack = false
    private let fallbackAfter: TimeInterval
    /// The pods whose state is kept; nil keeps every pod the watch reports.
    /// A selection can match far more pods than are collected (pods skipped by
    /// the plan), and a pod's JSON grows with each run's container: the board
    /// keeps only what a target's wait needs, and forgets a pod once it is done.
    private var tracked: Set<PodKey>?

    /// What timeouts and the fallback delay are measured on.
    private let time: any TimeSource

    public init(fallbackAfter: TimeInterval = PodStateBoard.fallbackAfter, time: any TimeSource = SystemTime()) {
        self.fallbackAfter = fallbackAfter
        self.time = time
    }

    /// Keeps only these pods' state from now on.
    public func track(_ keys: Set<PodKey>) {
        lock.lock()
        if !watching { notWatchingSince = time.now }
        tracked = keys
        latest = latest.filter { keys.contains($0.key) }
        goneFromWatch = goneFromWatch.intersection(keys)
        lock.unlock()
    }

    /// Applies one update of the shared watch (a list, an event, an interruption);
    /// a list is checked against the pods given to ``track(_:)``.
    public func apply(_ update: PodWatchUpdate) {
        switch update {
        case .interrupted:
            watchInterrupted()
        case .resumed:
            watchResumed()
        case .relisted(let list):
            lock.lock()
            let keys = tracked ?? []
            lock.unlock()
            relisted(list.items, tracked: keys)
        case .event(let event):
            guard let pod = event.pod else { return }
            switch event.type {
            case .added, .modified: observe(pod)
            case .deleted: observe(pod, deleted: true)
            case .bookmark, .error: break
            }
        }
    }

    /// The pod is done: its state is dropped, and later reports of it are ignored.
    public func forget(_ key: PodKey) {
        lock.lock()
        if tracked == nil { tracked = Set(latest.keys) }
        tracked?.remove(key)
        latest[key] = nil
        goneFromWatch.remove(key)
        lock.unlock()
    }

    /// The number of pods whose state is kept (for tests and benchmarks).
    public var keptCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return latest.count
    }

    /// True while the shared watch reports the selection.
    public var isWatching: Bool {
        lock.lock()
        defer { lock.unlock() }
        return watching
    }

    /// Since when the watch has been down (or not yet up); nil while it reports the selection.
    public var downSince: Date? {
        lock.lock()
        defer { lock.unlock() }
        return watching ? nil : notWatchingSince
    }

    /// The list or the watch failed and is being tried again. Pods already
    /// waiting keep waiting; if it lasts `fallbackAfter`, every wait ends
    /// with `.watchDown` so that its pod is read by name instead.
    public func watchInterrupted() {
        lock.lock()
        let wasWatching = watching
        watching = false
        if wasWatching {
            interruptions += 1
            notWatchingSince = time.now
        }
        let current = interruptions
        lock.unlock()
        guard wasWatching else { return }
        _ = after(fallbackAfter) { $0.fallBackIfStillInterrupted(current) }
    }

    /// The watch reports the selection again: reconnected after an interruption
    /// without a relist (the events it missed follow), or after a list.
    public func watchResumed() {
        lock.lock()
        watching = true
        notWatchingSince = nil
        fallingBack = false
        let admissions = Array(watchWaiters.values)
        watchWaiters.removeAll()
        lock.unlock()
        for admission in admissions { admission.resume(returning: true) }
    }

    private func fallBackIfStillInterrupted(_ interruption: UInt64) {
        lock.lock()
        guard !watching, interruptions == interruption, ending == nil else {
            lock.unlock()
            return
        }
        fallingBack = true
        let all = waiters.values.flatMap { $0 }
        waiters.removeAll()
        lock.unlock()
        for waiter in all { waiter.continuation.resume(returning: .failure(.watchDown)) }
    }


    /// Records a pod as the watch or a list reported it, and wakes whoever
    /// was waiting for it to reach some state.
    /// `fromWatch` false: the pod came from another reply (the injection's PATCH), which
    /// says nothing about whether the watch still reports it.
    public func observe(_ pod: Pod, deleted: Bool = false, fromWatch: Bool = true) {
        guard let namespace = pod.metadata.namespace else { return }
        let key = PodKey(namespace: namespace, name: pod.metadata.name)
        if fromWatch { markWatched(key, gone: deleted) }
        publish(key, deleted ? .deleted(pod) : .present(pod))
    }

    /// True when the watch last reported this pod gone: deleted, or (for a label
    /// selector) no longer matching. Only a read by name can tell which.
    public func isGoneFromWatch(_ key: PodKey) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return goneFromWatch.contains(key)
    }

    private func markWatched(_ key: PodKey, gone: Bool) {
        lock.lock()
        if let tracked, !tracked.contains(key) {
            lock.unlock()
            return
        }
        if gone { goneFromWatch.insert(key) } else { goneFromWatch.remove(key) }
        lock.unlock()
    }

    /// A fresh list: the first, or after the watch fell too far behind (410
    /// Gone) or was interrupted. The watch reports the selection again, and
    /// pods we track that are not in the list have left it meanwhile.
    public func relisted(_ pods: [Pod], tracked: Set<PodKey>) {
        // New waits rely on the watch again from now (the list is the truth); admission
        // goes on once the list is on the board, so that a pod admitted next already
        // sees whether it is still in the selection.
        lock.withLock { fallingBack = false }
        defer { watchResumed() }
        var seen = Set<PodKey>()
        for pod in pods {
            observe(pod)
            if let namespace = pod.metadata.namespace { seen.insert(PodKey(namespace: namespace, name: pod.metadata.name)) }
        }
        for key in tracked.subtracting(seen) {
            markWatched(key, gone: true)
            publish(key, .deleted(nil))
        }
    }

    /// The shared watch cannot go on: every waiter ends with the reason.
    public func fail(_ message: String) {
        endAll(.watchFailed(message))
    }

    /// The run was stopped: every waiter, now and later, ends as cancelled,
    /// so its pod is recorded as interrupted rather than failed.
    public func cancelAll() {
        endAll(.cancelled)
    }

    private func endAll(_ end: WaitEnd) {
        lock.lock()
        if ending == nil { ending = end }
        let reason = ending ?? end
        let all = waiters.values.flatMap { $0 }
        waiters.removeAll()
        let admissions = Array(watchWaiters.values)
        watchWaiters.removeAll()
        lock.unlock()
        for waiter in all { waiter.continuation.resume(returning: .failure(reason)) }
        for admission in admissions { admission.resume(returning: false) }
    }

    /// Drops the note of a timeout or cancellation that came for a wait already
    /// over (a timer that fired just as the wait was resumed): it would never be read.
    private func forgetEarlyEnd(_ id: UInt64) {
        lock.withLock { _ = endedEarly.removeValue(forKey: id) }
    }

    private func newWaitID() -> UInt64 {
        lock.withLock {
            nextID += 1
            return nextID
        }
    }

    /// A timer on the board's clock: `fire` runs after `seconds` unless the
    /// returned task is cancelled first (the wait ended some other way).
    private func after(_ seconds: TimeInterval, _ fire: @escaping @Sendable (PodStateBoard) -> Void) -> Task<Void, Never> {
        let time = self.time
        return Task { [weak self] in
            try? await time.sleep(seconds: seconds)
            if Task.isCancelled { return }
            if let self { fire(self) }
        }
    }

    /// Returns true once the watch reports the selection (at once if it does),
    /// false when `timeout` passes first, the waits end for good, or the task is
    /// cancelled. Admission waits here: a container added while nothing can see
    /// it settle would stay in the pod for nothing.
    public func waitUntilWatching(timeout: TimeInterval) async -> Bool {
        let id = newWaitID()
        let timer = after(timeout) { $0.endWatchWait(id) }
        defer {
            timer.cancel()
            forgetEarlyEnd(id)
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                lock.lock()
                if watching || ending != nil || endedEarly.removeValue(forKey: id) != nil || Task.isCancelled {
                    let result = watching
                    lock.unlock()
                    continuation.resume(returning: result)
                    return
                }
                watchWaiters[id] = continuation
                lock.unlock()
            }
        } onCancel: { [weak self] in
            self?.endWatchWait(id)
        }
    }

    private func endWatchWait(_ id: UInt64) {
        lock.lock()
        guard let continuation = watchWaiters.removeValue(forKey: id) else {
            // Not registered yet: the registration sees this and returns at once.
            endedEarly[id] = .timedOut
            lock.unlock()
            return
        }
        lock.unlock()
        continuation.resume(returning: false)
    }

    /// Why every wait is over for good (the watch failed, or the run was stopped); nil while waits go on.
    public var ended: WaitEnd? {
        lock.lock()
        defer { lock.unlock() }
        return ending
    }

    public func latest(_ key: PodKey) -> Observation? {
        lock.lock()
        defer { lock.unlock() }
        return latest[key]
    }

    /// Waits until the pod's latest observation meets `condition`, or the
    /// timeout passes. Returns at once if it already does.
    public func wait(
        for key: PodKey, timeout: TimeInterval, until condition: @escaping @Sendable (Observation) -> Bool
    ) async -> Result<Observation, WaitEnd> {
        let id = newWaitID()
        let timer = after(timeout) { $0.end(key: key, id: id, with: .timedOut) }
        defer {
            timer.cancel()
            forgetEarlyEnd(id)
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                lock.lock()
                if let ending {
                    lock.unlock()
                    continuation.resume(returning: .failure(ending))
                    return
                }
                if fallingBack {
                    lock.unlock()
                    continuation.resume(returning: .failure(.watchDown))
                    return
                }
                if let early = endedEarly.removeValue(forKey: id) {
                    lock.unlock()
                    continuation.resume(returning: .failure(early))
                    return
                }
                if let current = latest[key], condition(current) {
                    lock.unlock()
                    continuation.resume(returning: .success(current))
                    return
                }
                waiters[key, default: []].append(Waiter(id: id, condition: condition, continuation: continuation))
                lock.unlock()
            }
        } onCancel: { [weak self] in
            self?.end(key: key, id: id, with: .cancelled)
        }
    }

    private func end(key: PodKey, id: UInt64, with reason: WaitEnd) {
        lock.lock()
        guard var list = waiters[key], let index = list.firstIndex(where: { $0.id == id }) else {
            // Not registered yet (or already resumed): remember, so a late
            // registration ends at once instead of waiting forever.
            if reason == .cancelled || reason == .timedOut { endedEarly[id] = reason }
            lock.unlock()
            return
        }
        let waiter = list.remove(at: index)
        waiters[key] = list.isEmpty ? nil : list
        lock.unlock()
        waiter.continuation.resume(returning: .failure(reason))
    }

    /// True when `incoming` is an older state of the same pod than `current`:
    /// the PATCH's reply can arrive after the watch already reported the
    /// container terminated, and must not undo that. resourceVersions are
    /// opaque to clients in general, but those of one object from one API
    /// server are etcd revisions that only grow; when either does not read
    /// as a number, the newer arrival wins, as before.
    static func isStale(_ incoming: Pod, comparedTo current: Pod) -> Bool {
        guard incoming.metadata.uid == current.metadata.uid,
            let new = incoming.metadata.resourceVersion.flatMap({ UInt64($0) }),
            let old = current.metadata.resourceVersion.flatMap({ UInt64($0) })
        else { return false }
        return new < old
    }

    private func publish(_ key: PodKey, _ observation: Observation) {
        lock.lock()
        if let tracked, !tracked.contains(key) {
            lock.unlock()
            return
        }
        if case .present(let incoming) = observation, case .present(let current)? = latest[key],
            Self.isStale(incoming, comparedTo: current)
        {
            lock.unlock()
            return
        }
        latest[key] = observation
        var woken: [Waiter] = []
        if let list = waiters[key] {
            var remaining: [Waiter] = []
            for waiter in list {
                if waiter.condition(observation) { woken.append(waiter) } else { remaining.append(waiter) }
            }
            waiters[key] = remaining.isEmpty ? nil : remaining
        }
        lock.unlock()
        for waiter in woken { waiter.continuation.resume(returning: .success(observation)) }
    }
}
