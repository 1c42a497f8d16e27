import Bundle
import Foundation
import Testing

/// A collection survives its API server restarting in the middle of it: the
/// shared watch is cut, requests are refused for a while, and the run waits,
/// reads its pods by name and injects no pod meanwhile, then goes on. A dead
/// watch costs time, never pods.
@Suite("end to end on a cluster: a collection survives an API server restart", .serialized,
       .enabled(if: ClusterUnderTest.canRestartAPIServer))
struct ClusterRestartCollectTests {
    static let selector = ["-n", "shop", "-l", "app in (checkout,db)"]

    /// Ephemeral containers of the selected pods, counted.
    static func ephemeralContainers(_ cluster: ClusterUnderTest) throws -> Int {
        let names = try cluster.kubectlOK(["get", "pods"] + selector + ["-o", "jsonpath={.items[*].spec.ephemeralContainers[*].name}"])
        return names.split(separator: " ").count
    }

    @Test("the API server restarts after the first pod is injected; every pod is collected, each with one evidence container, and the bundle verifies")
    func restartInTheMiddle() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let before = try Self.ephemeralContainers(cluster)
        let output = cluster.bundlePath("restart")
        let run = try BackgroundCollection(cluster, Self.selector + ["--concurrency", "1"], output: output)
        // Restart as soon as the run has added its first container: the rest is still ahead.
        let restart = cluster.restartAPIServerInBackground(when: { try Self.ephemeralContainers(cluster) > before }, outage: 8)
        let result = try run.finish(timeout: 400)
        let finished = Date()
        let times = try restart.wait()
        // The whole restart, from the kill to serving again, fell inside the run.
        #expect(times.began < finished && times.serving <= finished, "the restart was not inside the collection; it proves nothing")
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout)")
        // A short outage is bridged by the watch's own reconnects; a longer one by relists.
        let noticed = result.stderr.contains("the watch of the selection was interrupted")
        print("figure: API server restart took \(String(format: "%.1f", times.serving.timeIntervalSince(times.began))) s; the run \(noticed ? "reported the watch interrupted" : "bridged it with the watch's reconnects")")

        let reader = BundleReader(path: output)
        let manifest = try reader.manifest()
        #expect(manifest.pods.count == 5)
        for pod in manifest.pods {
            #expect(pod.outcome == .collected, "\(pod.name): \(pod.reason) \(pod.message)")
        }
        #expect(try reader.verify().isIntact)
        // One container per pod: a PATCH cut by the restart and sent again added nothing twice.
        #expect(try Self.ephemeralContainers(cluster) == before + 5)
    }
}
