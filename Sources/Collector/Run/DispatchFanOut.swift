import Foundation

/// Runs one piece of work per pod with at most `limit` in flight: admission on
/// Dispatch, the work as child tasks of one task group.
///
/// Admission happens on a serial queue of its own that blocks on a semaphore
/// for a free slot, and hands each admitted item to the task group, which runs
/// it as a child task that frees its slot when done. Being children of one
/// group, every piece of work is cancelled when the caller's task is (a hard
/// stop), and the cancellation reaches their HTTP requests. One pod's failure
/// is its own: work reports its outcome and never stops the others. When
/// `shouldAdmit` turns false (an interrupt), admission stops and the pods not
/// yet started are handed to `notStarted`; `run` returns only after every item
/// went to one of the two.
///
/// Several fan-outs may share their slots (``Slots``): a run across clusters
/// has one fan-out per cluster, and `--concurrency` bounds them all together,
/// so that three clusters hold no more pods in flight than one would.
public final class DispatchFanOut: Sendable {
    public let limit: Int
    private let admission = DispatchQueue(label: "kubectl-evidence.fan-out.admission")
    private let shared: Slots?

    /// Free places for work in flight, taken and given back by every fan-out that holds them.
    public final class Slots: Sendable {
        public let limit: Int
        let semaphore: DispatchSemaphore

        public init(limit: Int) {
            self.limit = max(1, limit)
            self.semaphore = DispatchSemaphore(value: self.limit)
        }
    }

    public init(limit: Int) {
        self.limit = max(1, limit)
        self.shared = nil
    }

    /// A fan-out that takes its slots from `slots`, with the other fan-outs that share them.
    public init(sharing slots: Slots) {
        self.limit = slots.limit
        self.shared = slots
    }

    public func run<Item: Sendable>(
        _ items: [Item],
        shouldAdmit: @escaping @Sendable () -> Bool,
        notStarted: @escaping @Sendable (Item) -> Void,
        work: @escaping @Sendable (Item) async -> Void
    ) async {
        let slots = shared?.semaphore ?? DispatchSemaphore(value: limit)
        let (admitted, handOver) = AsyncStream<Item>.makeStream()
        admission.async {
            for item in items {
                slots.wait()
                guard shouldAdmit() else {
                    slots.signal()
                    notStarted(item)
                    continue
                }
                if case .terminated = handOver.yield(item) {
                    // The group was cancelled before it took this one.
                    slots.signal()
                    notStarted(item)
                }
            }
            handOver.finish()
        }
        // Discarding: a finished pod's task (about 40 KB of async frames) goes at
        // once; a plain task group keeps every child until its result is awaited,
        // which held all 5,000 pods' tasks until the end of the run.
        await withDiscardingTaskGroup { group in
            for await item in admitted {
                group.addTask {
                    await work(item)
                    slots.signal()
                }
            }
        }
        // Admission is one block on a serial queue: this runs once it has
        // handed every item to the group or to `notStarted`.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            admission.async { done.resume() }
        }
    }
}
