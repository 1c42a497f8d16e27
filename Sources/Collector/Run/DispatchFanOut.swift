import Foundation

/// Runs one piece of work per pod with at most `limit` in flight, on Dispatch.
///
/// Admission happens on a serial queue of its own that blocks on a semaphore
/// for a free slot; each admitted piece of work runs as a task and frees its
/// slot when done. One pod's failure is its own: work reports its outcome and
/// never stops the others. When `shouldAdmit` turns false (an interrupt),
/// admission stops and the pods not yet started are handed to `notStarted`.
public final class DispatchFanOut: Sendable {
    public let limit: Int
    private let admission = DispatchQueue(label: "kubectl-evidence.fan-out.admission")

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    public func run<Item: Sendable>(
        _ items: [Item],
        shouldAdmit: @escaping @Sendable () -> Bool,
        notStarted: @escaping @Sendable (Item) -> Void,
        work: @escaping @Sendable (Item) async -> Void
    ) async {
        let slots = DispatchSemaphore(value: limit)
        let group = DispatchGroup()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            admission.async {
                for item in items {
                    slots.wait()
                    guard shouldAdmit() else {
                        slots.signal()
                        notStarted(item)
                        continue
                    }
                    group.enter()
                    Task {
                        await work(item)
                        slots.signal()
                        group.leave()
                    }
                }
                group.notify(queue: self.admission) { continuation.resume() }
            }
        }
    }
}
