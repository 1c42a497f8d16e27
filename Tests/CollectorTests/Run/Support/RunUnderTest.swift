import Bundle
import Collector
import Foundation
import KubeAPI
import TestSupport

/// One collection run against a `ScriptedCluster`, on a `ManualClock`: the test
/// starts it, makes things happen on the cluster and moves the clock, then
/// reads the manifest the run wrote.
final class RunUnderTest: Sendable {
    let cluster: ScriptedCluster
    let clock: ManualClock
    let run: CollectionRun
    let observer = RecordingObserver()
    let output: String
    private let task: Task<CollectionRun.Result, any Error>
    private let client: KubeClient

    init(cluster: ScriptedCluster, clock: ManualClock = ManualClock(), concurrency: Int = 8,
         startSeconds: Double = 20, podSeconds: Double = 40, delivery: ScriptDelivery = .command) throws {
        self.cluster = cluster
        self.clock = clock
        output = cluster.directory.path + "/bundle-\(UUID().uuidString.prefix(8)).tar.gz"
        client = try cluster.client(time: clock)
        let request = try cluster.request(output: output, concurrency: concurrency, startSeconds: startSeconds, podSeconds: podSeconds,
                                          delivery: delivery)
        run = CollectionRun(client: client, request: request, progress: observer)
        task = Task { [run] in try await run.run() }
    }

    /// The run's result, once it has ended by itself; the clock is moved on in
    /// steps of `step` while waiting, up to `clockLimit` seconds of it.
    func finished(advancing step: TimeInterval = 0.5, clockLimit: TimeInterval = 600) async throws -> Manifest {
        let ended = Flag()
        let watcher = Task { [task] in
            _ = try? await task.value
            ended.set()
        }
        defer { watcher.cancel() }
        var moved: TimeInterval = 0
        while !ended.isSet && moved < clockLimit {
            await clock.advance(by: step, inStepsOf: step, pause: 0.01)
            moved += step
        }
        if !ended.isSet {
            // Stopped hard, so that a run that hangs fails its test instead of the suite.
            run.interrupt()
            run.interrupt()
            _ = try? await task.value
            try? await client.shutdown()
            throw DidNotEnd(clockSeconds: clockLimit)
        }
        let result = try await task.value
        try? await client.shutdown()
        return result.manifest
    }

    struct DidNotEnd: Error, CustomStringConvertible {
        var clockSeconds: TimeInterval
        var description: String { "the run did not end within \(Int(clockSeconds)) s of its clock" }
    }

    /// Moves the clock on in steps of `step` until `condition` holds (true) or
    /// `clockLimit` seconds of it have passed (false).
    func advance(until condition: () -> Bool, step: TimeInterval = 0.2, clockLimit: TimeInterval = 60) async -> Bool {
        var moved: TimeInterval = 0
        while !condition() {
            if moved >= clockLimit { return false }
            await clock.advance(by: step, inStepsOf: step, pause: 0.01)
            moved += step
        }
        return true
    }

    /// The manifest entry of a pod.
    static func entry(_ name: String, in manifest: Manifest) -> Manifest.Pod? {
        manifest.pods.first { $0.name == name }
    }
}

/// A flag set once, read from another task.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// Keeps what the run reported, for the tests to read.
final class RecordingObserver: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private var counts = ProgressCounts()

    func start() {}
    func update(_ change: (inout ProgressCounts) -> Void, event: String?) {
        lock.withLock {
            change(&counts)
            if let event { lines.append(event) }
        }
    }
    func waiting(_ pod: String, reason: String?) {}
    func notice(_ text: String) { lock.withLock { lines.append(text) } }
    func finish() {}

    var reported: [String] { lock.withLock { lines } }
    var current: ProgressCounts { lock.withLock { counts } }
}
