import Foundation
import KubeAPI

/// A clock that moves only when the test says: every sleep on it waits until
/// `advance` passes its end. Given to a `KubeClient` (`ClientOptions.time`), it
/// drives the client's backoffs and the collection run's deadlines, fallback
/// timers and relist delays, so a test states "the watch stayed down for 6 s"
/// and it happens in no real time, at the same point every run.
///
/// `@unchecked Sendable`: all state is under `lock`; continuations are resumed
/// outside it, exactly once (by `advance`, or by the sleeper's cancellation).
public final class ManualClock: TimeSource, @unchecked Sendable {
    private struct Sleeper {
        var id: UInt64
        var until: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let lock = NSLock()
    private var current: Date
    private var sleepers: [Sleeper] = []
    private var nextID: UInt64 = 0

    /// Starts at `start` (a fixed date by default, so runs are alike).
    public init(start: Date = Date(timeIntervalSince1970: 1_796_000_000)) {
        current = start
    }

    public var now: Date { lock.withLock { current } }

    /// The number of tasks sleeping on this clock now.
    public var sleeping: Int { lock.withLock { sleepers.count } }

    public func sleep(seconds: TimeInterval) async throws {
        try Task.checkCancellation()
        let id = lock.withLock { () -> UInt64 in
            nextID += 1
            return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                lock.lock()
                // Checked under the lock: a cancellation either comes before this
                // (and is seen here) or finds the sleeper registered.
                if Task.isCancelled {
                    lock.unlock()
                    continuation.resume(throwing: CancellationError())
                    return
                }
                if seconds <= 0 {
                    lock.unlock()
                    continuation.resume()
                    return
                }
                sleepers.append(Sleeper(id: id, until: current.addingTimeInterval(seconds), continuation: continuation))
                lock.unlock()
            }
        } onCancel: {
            let cancelled = lock.withLock { () -> Sleeper? in
                guard let index = sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock on by `seconds` at once and wakes every sleeper whose end
    /// has come, earliest first.
    public func advance(by seconds: TimeInterval) {
        let woken = lock.withLock { () -> [Sleeper] in
            current = current.addingTimeInterval(seconds)
            let due = sleepers.filter { $0.until <= current }.sorted { $0.until < $1.until }
            sleepers.removeAll { $0.until <= current }
            return due
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// Moves the clock on by `seconds` in steps of `step`, letting the woken
    /// tasks run (and their requests reach the server) for a moment of real
    /// time between steps: what a second of a run does is done before the next
    /// begins.
    public func advance(by seconds: TimeInterval, inStepsOf step: TimeInterval, pause: TimeInterval = 0.005) async {
        var left = seconds
        while left > 1e-9 {
            let move = min(step, left)
            advance(by: move)
            left -= move
            try? await Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))
        }
    }
}
