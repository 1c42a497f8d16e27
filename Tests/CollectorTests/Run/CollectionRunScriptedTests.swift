import Bundle
import Collector
import Foundation
import KubeAPI
import Testing
import TestSupport

/// The run core below the binary: a real `CollectionRun` and `KubeClient` over
/// real HTTP against a scripted API server that misbehaves on cue, on a clock
/// the test moves. Each case is one way a real control plane fails a run.
@Suite("a collection run against a scripted API server", .serialized)
struct CollectionRunScriptedTests {
    typealias Kind = ScriptedCluster.RequestKind

    static func outcomes(_ manifest: Manifest) -> [String: Manifest.Outcome] {
        Dictionary(uniqueKeysWithValues: manifest.pods.map { ($0.name, $0.outcome) })
    }

    @Test("every pod is collected with one list, one watch, one PATCH and one log read each; a PATCH reply older than the watch's events does not undo them")
    func onePassEachAndNoRechecks() async throws {
        let cluster = try await ScriptedCluster.start(pods: 6)
        defer { Task { await cluster.stop() } }
        // The containers start and end before the PATCH's reply is sent: the reply
        // (the container waiting) is older than the watch's "terminated", and arrives after it.
        let run = try RunUnderTest(cluster: cluster, concurrency: 3)
        let manifest = try await run.finished(advancing: 0.1, clockLimit: 5)
        #expect(Set(Self.outcomes(manifest).values) == [.collected], "\(manifest.pods.map { "\($0.name): \($0.message)" })")
        #expect(manifest.pods.count == 6)
        #expect(cluster.count(.list) == 1)
        #expect(cluster.count(.watch) == 1)
        #expect(cluster.count(.patch) == 6)
        #expect(cluster.count(.log) == 6)
        // A stale reply that won would have left the pod "waiting" until a recheck read it by name.
        #expect(cluster.count(.get) == 0)
        let verification = try BundleReader(path: run.output).verify()
        #expect(verification.isIntact, "\(verification.problems)")
    }

    @Test("a container that ends just as the collector attaches is judged by its status and log: collected, the message says why the log was read, no pod asked again for 30 s")
    func containerEndedBeforeAttach() async throws {
        let cluster = try await ScriptedCluster.start(pods: 2, runsContainers: false)
        defer { Task { await cluster.stop() } }
        let run = try RunUnderTest(cluster: cluster, delivery: .attach)
        #expect(await cluster.eventually { cluster.settled(injected: 2) })
        for name in ["web-0", "web-1"] { cluster.startContainer(name) }
        // The clock stays under the 1 s of asking again: the kubelet's "not found" is not asked again.
        let manifest = try await run.finished(advancing: 0.1, clockLimit: 0.9)
        #expect(Set(Self.outcomes(manifest).values) == [.collected], "\(manifest.pods.map { "\($0.name): \($0.message)" })")
        for pod in manifest.pods {
            #expect(pod.evidenceContainer?.outputSource == "log")
            #expect(pod.message.contains("The container had ended before it could be attached to (HTTP 500: container evidence-scr1pt not found in pod \(pod.name)_shop); the evidence was read from its log."), "\(pod.message)")
        }
        #expect(cluster.count(.attach) == 2)
        #expect(cluster.count(.log) == 2)
    }

    @Test("a pod relabelled out of the selection after its injection is followed by name and collected, not recorded as deleted")
    func relabelledPodIsFollowed() async throws {
        let cluster = try await ScriptedCluster.start(pods: 3, runsContainers: false)
        defer { Task { await cluster.stop() } }
        let run = try RunUnderTest(cluster: cluster)
        #expect(await cluster.eventually { cluster.settled(injected: 3) })
        cluster.relabel("web-1", app: "quarantined")
        for name in ["web-0", "web-1", "web-2"] { cluster.startContainer(name) }
        await run.clock.advance(by: 2, inStepsOf: 0.5)
        for name in ["web-0", "web-1", "web-2"] { cluster.finishContainer(name) }
        let manifest = try await run.finished()
        #expect(Self.outcomes(manifest) == ["web-0": .collected, "web-1": .collected, "web-2": .collected])
        let relabelled = try #require(RunUnderTest.entry("web-1", in: manifest))
        #expect(relabelled.message.contains("labels stopped matching"), "\(relabelled.message)")
        #expect(cluster.count(.get) >= 1, "the relabelled pod was never read by name")
        #expect(run.observer.reported.contains { $0.contains("following") && $0.contains("web-1") })
    }

    @Test("a pod deleted and recreated with the same name during its wait is recorded as replaced, the others collected")
    func replacedPodIsRecordedAsReplaced() async throws {
        let cluster = try await ScriptedCluster.start(pods: 3, runsContainers: false)
        defer { Task { await cluster.stop() } }
        let run = try RunUnderTest(cluster: cluster)
        #expect(await cluster.eventually { cluster.settled(injected: 3) })
        cluster.replace("web-2")
        cluster.runContainers(["web-0", "web-1"])
        let manifest = try await run.finished()
        #expect(Self.outcomes(manifest) == ["web-0": .collected, "web-1": .collected, "web-2": .failed])
        let replaced = try #require(RunUnderTest.entry("web-2", in: manifest))
        #expect(replaced.reason == PodFailure.Reason.podReplaced.rawValue, "\(replaced.reason): \(replaced.message)")
    }

    @Test("a watch dropped mid-run is resumed from its last resourceVersion and the events missed meanwhile arrive: no relist, no pod lost")
    func droppedWatchResumes() async throws {
        let cluster = try await ScriptedCluster.start(pods: 4, runsContainers: false)
        defer { Task { await cluster.stop() } }
        let run = try RunUnderTest(cluster: cluster)
        #expect(await cluster.eventually { cluster.settled(injected: 4) })
        cluster.dropWatches()
        // While no watch is open, every container runs and ends.
        cluster.runContainers(["web-0", "web-1", "web-2", "web-3"])
        let manifest = try await run.finished(advancing: 0.2)
        #expect(Set(Self.outcomes(manifest).values) == [.collected])
        let watches = cluster.server.requests.filter { Kind($0) == .watch }
        #expect(watches.count >= 2)
        #expect(cluster.count(.list) == 1, "a dropped watch is resumed, not relisted")
        let first = Int(watches[0].query["resourceVersion"] ?? "") ?? 0
        let second = Int(watches[1].query["resourceVersion"] ?? "") ?? 0
        #expect(second > first, "the second watch asked from \(second), the first from \(first)")
    }

    @Test("410 Gone on the watch's resume is met by a relist, and the pods are collected from it")
    func goneLeadsToARelist() async throws {
        let cluster = try await ScriptedCluster.start(pods: 3, runsContainers: false)
        defer { Task { await cluster.stop() } }
        let run = try RunUnderTest(cluster: cluster)
        #expect(await cluster.eventually { cluster.settled(injected: 3) })
        cluster.nextWatches(.errorEvent(code: 410))
        cluster.dropWatches()
        cluster.runContainers(["web-0", "web-1", "web-2"])
        let manifest = try await run.finished(advancing: 0.2)
        #expect(Set(Self.outcomes(manifest).values) == [.collected])
        #expect(cluster.count(.list) == 2, "one list at the start, one after 410")
    }

    @Test("an ERROR event other than 410 (an etcd timeout) interrupts the watch, which relists; the run says so and loses no pod")
    func errorEventRelists() async throws {
        let cluster = try await ScriptedCluster.start(pods: 3, runsContainers: false)
        defer { Task { await cluster.stop() } }
        let run = try RunUnderTest(cluster: cluster)
        #expect(await cluster.eventually { cluster.settled(injected: 3) })
        cluster.sendErrorEvent(code: 500)
        #expect(await cluster.eventually { run.observer.reported.contains { $0.contains("watch of the selection was interrupted") } })
        cluster.runContainers(["web-0", "web-1", "web-2"])
        let manifest = try await run.finished(advancing: 0.2)
        #expect(Set(Self.outcomes(manifest).values) == [.collected])
        #expect(cluster.count(.list) >= 2)
    }

    @Test("a watch that keeps answering 410 is relisted with a growing delay, not in a storm of LISTs")
    func persistentGoneBacksOff() async throws {
        let cluster = try await ScriptedCluster.start(pods: 2, runsContainers: false)
        defer { Task { await cluster.stop() } }
        let run = try RunUnderTest(cluster: cluster)
        #expect(await cluster.eventually { cluster.settled(injected: 2) })
        for _ in 0..<40 { cluster.nextWatches(.errorEvent(code: 410)) }
        cluster.dropWatches()
        let listsBefore = cluster.count(.list)
        // Ten seconds of 410s: 0.2, 0.4, 0.8, 1.6, 3.2 s ceilings (half to all of each taken).
        await run.clock.advance(by: 10, inStepsOf: 0.05)
        let relists = cluster.count(.list) - listsBefore
        #expect(relists >= 3 && relists <= 10, "\(relists) LISTs in 10 s")
        cluster.runContainers(["web-0", "web-1"])
        _ = try await run.finished()
    }

    @Test("while the API server is down no new pod is injected; pods in flight are read by name after the fallback delay and collected; the rest follow once it is back")
    func apiServerRestart() async throws {
        let cluster = try await ScriptedCluster.start(pods: 6, runsContainers: false)
        defer { Task { await cluster.stop() } }
        let run = try RunUnderTest(cluster: cluster, concurrency: 2)
        #expect(await cluster.eventually { cluster.settled(injected: 2) })
        cluster.setReachable(false)
        cluster.startContainer("web-0")
        cluster.finishContainer("web-0")
        await run.clock.advance(by: 8, inStepsOf: 0.25)
        #expect(cluster.count(.patch) == 2, "a pod was injected while the watch was down")
        #expect(run.observer.reported.contains { $0.contains("watch of the selection was interrupted") })
        // The watch has been down for more than the fallback delay: the pods in flight are read by name.
        #expect(cluster.count(.get) >= 1, "the pods in flight were not read by name while the watch was down")
        cluster.setReachable(true)
        // Every container is started and ended once it is injected.
        let finisher = Task {
            var done = Set(["web-0"])
            while done.count < 6 {
                for index in 0..<6 where !done.contains("web-\(index)") && cluster.evidence(of: "web-\(index)") == .waiting {
                    cluster.startContainer("web-\(index)")
                    cluster.finishContainer("web-\(index)")
                    done.insert("web-\(index)")
                }
                try await Task.sleep(nanoseconds: 5_000_000)
            }
        }
        let manifest = try await run.finished(advancing: 0.2)
        finisher.cancel()
        #expect(Set(Self.outcomes(manifest).values) == [.collected], "\(manifest.pods.map { "\($0.name): \($0.message)" })")
        #expect(run.observer.reported.contains { $0.contains("The watch of the selection is back") })
    }

    @Test("a log read that stalls is stopped at the pod's deadline, and cancelling it ends its HTTP request: the run ends with that pod failed and the others collected")
    func stalledLogReadEndsAtTheDeadline() async throws {
        let cluster = try await ScriptedCluster.start(pods: 3)
        defer { Task { await cluster.stop() } }
        cluster.nextLogs(.hang)
        let run = try RunUnderTest(cluster: cluster, startSeconds: 10, podSeconds: 20)
        let manifest = try await run.finished(advancing: 1, clockLimit: 60)
        let outcomes = Self.outcomes(manifest)
        #expect(outcomes.values.filter { $0 == .collected }.count == 2)
        let stalled = try #require(manifest.pods.first { $0.outcome == .failed })
        #expect(stalled.failedStep == .log && stalled.reason == PodFailure.Reason.timeout.rawValue, "\(stalled.reason): \(stalled.message)")
    }

    @Test("a watch that goes silent with its connection open is replaced after the idle limit, from its resourceVersion, without being reported down")
    func silentWatchIsResumed() async throws {
        let cluster = try await ScriptedCluster.start(pods: 2, runsContainers: false)
        defer { Task { await cluster.stop() } }
        let run = try RunUnderTest(cluster: cluster, startSeconds: 100, podSeconds: 200)
        #expect(await cluster.eventually { cluster.settled(injected: 2) })
        cluster.stallWatches()
        #expect(cluster.count(.watch) == 1)
        await run.clock.advance(by: 95, inStepsOf: 1)
        #expect(await cluster.eventually { cluster.count(.watch) == 2 }, "the silent watch was not replaced after 95 s")
        // A watch that was answered and then went quiet is reconnected, not reported down:
        // admission goes on, and no pod is read by name for it.
        #expect(!run.observer.reported.contains { $0.contains("interrupted") }, "\(run.observer.reported)")
        cluster.runContainers(["web-0", "web-1"])
        let manifest = try await run.finished()
        #expect(Set(Self.outcomes(manifest).values) == [.collected])
    }

    @Test("a PATCH whose connection is reset after the server acted is sent again, and the pod is collected with one container")
    func resetPatchIsRetried() async throws {
        let cluster = try await ScriptedCluster.start(pods: 2)
        defer { Task { await cluster.stop() } }
        cluster.nextPatches(.close)
        let run = try RunUnderTest(cluster: cluster, concurrency: 1)
        let manifest = try await run.finished(advancing: 0.1)
        #expect(Set(Self.outcomes(manifest).values) == [.collected], "\(manifest.pods.map { "\($0.name): \($0.message)" })")
        #expect(cluster.count(.patch) == 3)
    }

    @Test("an interrupt stops admission at once; after the grace period the pods in flight end interrupted and the run writes its bundle")
    func interruptEndsAfterTheGrace() async throws {
        let cluster = try await ScriptedCluster.start(pods: 5, runsContainers: false)
        defer { Task { await cluster.stop() } }
        let run = try RunUnderTest(cluster: cluster, concurrency: 2)
        #expect(await cluster.eventually { cluster.settled(injected: 2) })
        run.run.interrupt()
        await run.clock.advance(by: 2, inStepsOf: 0.5)
        #expect(cluster.count(.patch) == 2)
        let manifest = try await run.finished(advancing: 1, clockLimit: 30)
        #expect(Set(Self.outcomes(manifest).values) == [.interrupted])
        #expect(manifest.run.interrupted)
        let untouched = manifest.pods.filter { $0.message.contains("before this pod was touched") }
        #expect(untouched.count == 3)
    }
}
