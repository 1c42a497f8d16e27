import Foundation

/// Where one watch is: the last resourceVersion it saw (to resume from), when
/// it last heard anything, and how many events the current request brought.
///
/// `@unchecked Sendable`: every property is read and written under `lock`; the
/// watch's reading task and its idle watchdog share it.
final class WatchCursor: @unchecked Sendable {
    /// The watch heard nothing for `seconds`.
    struct Idle: Error, CustomStringConvertible {
        var seconds: TimeInterval
        var description: String { "the watch sent nothing for \(Int(seconds)) s" }
    }

    private let lock = NSLock()
    private let time: any TimeSource
    private var version: String
    private var lastHeard: Date
    private var eventsSinceRequest = 0
    /// Set when a request failed, cleared when a later one is answered.
    private var down = false
    /// Whether the current request's reply has begun.
    private var answered = false

    init(resourceVersion: String, time: any TimeSource) {
        self.version = resourceVersion
        self.time = time
        self.lastHeard = time.now
    }

    var resourceVersion: String { lock.withLock { version } }
    var receivedSinceRequest: Int { lock.withLock { eventsSinceRequest } }

    /// A new request starts: nothing received yet, and the idle clock starts now.
    func beginRequest() {
        let now = time.now
        lock.withLock {
            eventsSinceRequest = 0
            answered = false
            lastHeard = now
        }
    }

    /// A request failed: the watch is down until one is answered.
    func markDown() {
        lock.withLock { down = true }
    }

    /// A request was answered; true when the watch had been down.
    func markAnswered() -> Bool {
        let now = time.now
        return lock.withLock {
            lastHeard = now
            answered = true
            defer { down = false }
            return down
        }
    }

    /// Whether the current request's reply has begun (a silent watch then is
    /// quiet, not broken: it is reconnected without counting a failure).
    var wasAnswered: Bool { lock.withLock { answered } }

    /// Bytes arrived.
    func touch() {
        let now = time.now
        lock.withLock { lastHeard = now }
    }

    /// An event arrived; objects and BOOKMARKs carry the resourceVersion to resume from.
    func received(resourceVersion: String?) {
        lock.withLock {
            eventsSinceRequest += 1
            if let resourceVersion, !resourceVersion.isEmpty { version = resourceVersion }
        }
    }

    /// Runs `body` (one watch request), throwing `Idle` and cancelling it once
    /// nothing was heard for `idleLimit` seconds.
    func whileActive(idleLimit: TimeInterval, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask { [self] in
                while true {
                    let silent = time.now.timeIntervalSince(lock.withLock { lastHeard })
                    if silent >= idleLimit { throw Idle(seconds: idleLimit) }
                    try await time.sleep(seconds: idleLimit - silent)
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}
