import Foundation

/// Client-side rate limit shared by every request of one `KubeClient`
/// (`--qps`, `--burst`), so a fan-out over hundreds of pods cannot flood
/// the API server. Works like client-go's token bucket: `burst` tokens,
/// refilled at `qps` per second; a request that finds none waits its turn.
actor TokenBucket {
    private let qps: Double
    private let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    init(qps: Double, burst: Int) {
        self.qps = qps
        self.burst = Double(max(burst, 1))
        self.tokens = Double(max(burst, 1))
        self.last = .now
    }

    /// Takes a token now and returns how long the caller must wait before using it.
    /// Reserving (rather than sleeping inside the actor) keeps waiters in order.
    func reserve() -> Duration {
        guard qps > 0 else { return .zero }
        let now = ContinuousClock.now
        let elapsed = now - last
        last = now
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * qps)
        tokens -= 1
        if tokens >= 0 { return .zero }
        return .seconds(-tokens / qps)
    }

    /// Waits until the next request may go.
    nonisolated func acquire() async throws {
        let wait = await reserve()
        if wait > .zero { try await Task.sleep(for: wait) }
    }
}
