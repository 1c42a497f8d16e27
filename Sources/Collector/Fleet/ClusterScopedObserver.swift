import Evidence
import Foundation

/// One cluster's view of the fleet's observer: its events and notices are
/// prefixed with the cluster's name, its counts are added to the others'
/// (a run sets `selected`; here that becomes its share), and starting and
/// finishing are the fleet's, once for all clusters.
///
/// `@unchecked Sendable`: `counts` is guarded by `lock`.
final class ClusterScopedObserver: RunObserver, @unchecked Sendable {
    let cluster: String
    let base: any RunObserver
    private let lock = NSLock()
    private var counts = ProgressCounts()

    init(cluster: String, base: any RunObserver) {
        self.cluster = cluster
        self.base = base
    }

    func start() {}
    func finish() {}

    func update(_ change: (inout ProgressCounts) -> Void, event: String?) {
        let delta: ProgressCounts = lock.withLock {
            let before = counts
            change(&counts)
            return counts - before
        }
        base.update({ $0 = $0 + delta }, event: event.map(prefixed))
    }

    func waiting(_ pod: String, reason: String?) {
        base.waiting(prefixed(pod), reason: reason)
    }

    func notice(_ text: String) {
        base.notice(prefixed(text))
    }

    /// The name on one line whatever it holds: the observer keeps a message's own
    /// line breaks, and a context name must not start a line of its own.
    private func prefixed(_ text: String) -> String { "[\(DisplayText.line(cluster))] \(text)" }
}

extension ProgressCounts {
    static func + (a: ProgressCounts, b: ProgressCounts) -> ProgressCounts {
        var sum = ProgressCounts()
        sum.selected = a.selected + b.selected
        sum.containers = a.containers + b.containers
        sum.injected = a.injected + b.injected
        sum.running = a.running + b.running
        sum.collected = a.collected + b.collected
        sum.failed = a.failed + b.failed
        sum.interrupted = a.interrupted + b.interrupted
        return sum
    }

    static func - (a: ProgressCounts, b: ProgressCounts) -> ProgressCounts {
        var difference = ProgressCounts()
        difference.selected = a.selected - b.selected
        difference.containers = a.containers - b.containers
        difference.injected = a.injected - b.injected
        difference.running = a.running - b.running
        difference.collected = a.collected - b.collected
        difference.failed = a.failed - b.failed
        difference.interrupted = a.interrupted - b.interrupted
        return difference
    }
}
