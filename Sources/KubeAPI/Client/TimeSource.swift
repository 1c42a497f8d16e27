import Foundation

/// Where the client and a collection run read the time and how they wait:
/// every backoff, relist delay, per-pod deadline and fallback timer goes
/// through one of these.
///
/// Production uses ``SystemTime``. Tests of the run core pass a clock they
/// advance themselves, so that "the watch stayed down for 6 s" or "the log read
/// stalled past --timeout" is a step of the test, not six real seconds and a
/// race with the machine's load.
public protocol TimeSource: Sendable {
    /// The current time, by this source.
    var now: Date { get }

    /// Returns once `seconds` have passed by this source; throws
    /// `CancellationError` when the task is cancelled first.
    func sleep(seconds: TimeInterval) async throws
}

extension TimeSource {
    /// Seconds from now until `date` (negative once it has passed).
    public func seconds(until date: Date) -> TimeInterval {
        date.timeIntervalSince(now)
    }
}

/// The machine's clock.
public struct SystemTime: TimeSource {
    public init() {}

    public var now: Date { Date() }

    public func sleep(seconds: TimeInterval) async throws {
        // Clamped: a profile's absurd timeout is refused earlier, but a sleep must never trap.
        let clamped = min(max(0, seconds), 365 * 24 * 3600)
        try await Task.sleep(nanoseconds: UInt64(clamped * 1_000_000_000))
    }
}
