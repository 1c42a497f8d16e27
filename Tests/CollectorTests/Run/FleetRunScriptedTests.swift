import Bundle
import Collector
import Foundation
import KubeAPI
import Testing
import TestSupport

/// A run across two clusters (`FleetRun`) against two scripted API servers on
/// one clock: the clusters share `--concurrency`'s slots, and one whose API
/// server is gone must not hold them all.
@Suite("a run across clusters against scripted API servers", .serialized)
struct FleetRunScriptedTests {
    @Test("a cluster whose API server is gone costs only its own pods: once it has been down a pod timeout, its pods fail at once, and the healthy cluster's get every slot")
    func deadClusterDoesNotStarveTheOthers() async throws {
        let healthy = try await ScriptedCluster.start(pods: 8)
        let dead = try await ScriptedCluster.start(pods: 12)
        defer { Task { await healthy.stop(); await dead.stop() } }
        dead.setReachable(false)
        let clock = ManualClock()
        let output = healthy.directory.path + "/fleet-\(UUID().uuidString.prefix(8)).tar.gz"
        let observer = RecordingObserver()
        var clients: [KubeClient] = []
        var members: [FleetRun.Member] = []
        for (name, cluster) in [("healthy", healthy), ("dead", dead)] {
            let client = try cluster.client(time: clock)
            clients.append(client)
            // Two slots for both clusters; a pod may wait 40 s for its cluster's watch.
            var request = try cluster.request(output: output, concurrency: 2, podSeconds: 40)
            request.clusterName = name
            let run = CollectionRun(client: client, request: request, progress: FleetRun.observer(for: name, reportingTo: observer))
            members.append(.ready(run, selection: request.plan.selection.manifestSelection))
        }
        let fleet = try #require(FleetRun(members: members, progress: observer))
        let ended = Flag()
        let task = Task { () -> CollectionRun.Result in
            defer { ended.set() }
            return try await fleet.run()
        }
        // Without the bound, each of the dead cluster's 12 pods would hold a slot for 40 s:
        // 240 s of the clock at least, with the healthy cluster's pods waiting behind them.
        var moved: TimeInterval = 0
        while !ended.isSet && moved < 120 {
            await clock.advance(by: 0.5, inStepsOf: 0.5, pause: 0.01)
            moved += 0.5
        }
        if !ended.isSet {
            fleet.interrupt()
            fleet.interrupt()
        }
        let manifest = try await task.value.manifest
        for client in clients { try? await client.shutdown() }
        #expect(moved < 90, "the run took \(moved) s of its clock")
        let byCluster = Dictionary(grouping: manifest.pods, by: { $0.cluster ?? "-" })
        #expect(byCluster["healthy"]?.count == 8 && byCluster["healthy"]?.allSatisfy { $0.outcome == .collected } == true,
                "\(byCluster["healthy"]?.map { "\($0.name): \($0.message)" } ?? [])")
        #expect(byCluster["dead"]?.count == 12 && byCluster["dead"]?.allSatisfy { $0.reason == "WatchFailed" } == true,
                "\(byCluster["dead"]?.map { "\($0.name): \($0.reason) \($0.message)" } ?? [])")
        #expect(manifest.clusters?.map(\.name) == ["healthy", "dead"])
        // Each cluster's lines say which cluster they are about.
        #expect(observer.reported.contains { $0.hasPrefix("[dead] Each collected pod gets an ephemeral container") }, "\(observer.reported)")
        #expect(try BundleReader(path: output).verify().isIntact)
    }
}
