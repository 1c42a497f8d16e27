import Foundation
import KubeAPI

/// Runs async work under a deadline that cancels it, so the cancellation
/// reaches the HTTP request inside (AsyncHTTPClient ends a request whose task
/// is cancelled). The API server treats `pods/log` as a long-running request
/// with no timeout of its own: without this, a node cut off during a log read
/// held its pod, and the run, until SIGKILL.
enum Deadline {
    struct Passed: Error, Sendable {
        var seconds: TimeInterval
    }

    /// `body`'s result, or `Passed` once `seconds` have gone by (the body is
    /// cancelled then). A cancellation of the caller cancels the body too.
    static func run<T: Sendable>(
        seconds: TimeInterval, time: any TimeSource, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await time.sleep(seconds: seconds)
                throw Passed(seconds: seconds)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }
}
