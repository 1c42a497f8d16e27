import Foundation
import Logging

/// How a `KubeClient` treats the API server: rate limit, timeouts, retries.
public struct ClientOptions: Sendable {
    /// Requests per second allowed on average (`--qps`); 0 or less disables the limit.
    public var qps: Double
    /// Requests allowed at once after a quiet period (`--burst`).
    public var burst: Int
    /// Seconds one request may take, body included (not watches or log streams).
    public var requestTimeout: TimeInterval
    /// Retries for 429 and 503 (any request) and for a reset connection (GET only).
    public var maxRetries: Int
    public var userAgent: String
    /// First backoff delay when the server sends no Retry-After; doubles per attempt, with jitter.
    public var retryBaseDelay: TimeInterval
    /// Cap for one backoff delay (Retry-After included).
    public var maxRetryDelay: TimeInterval
    /// Largest response body read into memory (a 5,000-pod list is about 50 MB).
    public var maxResponseBytes: Int
    /// Connections kept open to the API server at once (HTTP/1.1: one request each). Watches and
    /// log streams hold theirs for as long as they run, so this must exceed the collector's fan-out.
    public var maxConnections: Int
    /// Where the API traffic is logged (swift-log): at `debug` (`-v 6`) one line per
    /// request (kubectl's `GET https://… 200 OK in 12 milliseconds`), at `trace` (`-v 8`)
    /// its headers too, credentials masked (`RequestLog`). Silent by default.
    public var logger: Logger = RequestLog.silent
    /// How long a watch may stay silent (no event, no bookmark, not even its
    /// reply's head) before it is taken for dead and reconnected from its last
    /// resourceVersion. A cut network can keep a dead connection open for as
    /// long as TCP lets it; a healthy but quiet watch pays one reconnect.
    public var watchIdleTimeout: TimeInterval = 90
    /// What backoffs and relist delays wait on: the machine's clock, or a test's.
    public var time: any TimeSource = SystemTime()

    public init(
        qps: Double = 50, burst: Int = 100, requestTimeout: TimeInterval = 30, maxRetries: Int = 5,
        userAgent: String = "kubectl-evidence/0.1", retryBaseDelay: TimeInterval = 0.2,
        maxRetryDelay: TimeInterval = 30, maxResponseBytes: Int = 1 << 30, maxConnections: Int = 64
    ) {
        self.qps = qps
        self.burst = burst
        self.requestTimeout = requestTimeout
        self.maxRetries = maxRetries
        self.userAgent = userAgent
        self.retryBaseDelay = retryBaseDelay
        self.maxRetryDelay = maxRetryDelay
        self.maxResponseBytes = maxResponseBytes
        self.maxConnections = maxConnections
    }
}

/// The `Content-Type` of a PATCH.
extension ClientOptions {
    /// Requests a run may hold open besides its pods' own: the shared watch,
    /// preflight reviews, and GETs of pods followed by name.
    public static let connectionsBesidesPods = 8

    /// Makes the connection pool large enough for `podsInFlight` pods, each
    /// with at most one request open at a time (its PATCH, a GET, or its log
    /// stream), and the run's own. With a smaller pool, `--concurrency 100`
    /// made a PATCH wait for a connection behind log streams inside its own
    /// request deadline. Never makes the pool smaller.
    public mutating func sizeConnectionPool(forPodsInFlight podsInFlight: Int) {
        maxConnections = max(maxConnections, podsInFlight + Self.connectionsBesidesPods)
    }
}

public enum PatchType: Sendable, CaseIterable {
    case strategicMerge, merge, json, apply

    public var contentType: String {
        switch self {
        case .strategicMerge: return "application/strategic-merge-patch+json"
        case .merge: return "application/merge-patch+json"
        case .json: return "application/json-patch+json"
        case .apply: return "application/apply-patch+yaml"
        }
    }
}
