import Foundation
import KubeAPI

/// Asks the API server again, once a second, while it is unreachable or
/// restarting (`KubeAPIError.isTransient`): a kube-apiserver that was killed
/// refuses connections for a few seconds, and a request that could not reach
/// it has done nothing. The injection (whose body states its result) and the
/// log read (the log stays on the node) both go through here.
enum AskAgain {
    static let interval: TimeInterval = 1

    /// `body`'s result; a transient failure is tried again after `interval`
    /// for as long as `shouldRetry()` holds, and thrown once it does not.
    static func whileTransient<T>(
        time: any TimeSource, while shouldRetry: () -> Bool = { true }, _ body: () async throws -> T
    ) async throws -> T {
        while true {
            do {
                return try await body()
            } catch let error as KubeAPIError where error.isTransient && shouldRetry() {
                try await time.sleep(seconds: interval)
            }
        }
    }
}
