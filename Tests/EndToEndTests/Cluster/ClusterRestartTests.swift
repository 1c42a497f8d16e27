import Foundation
import Testing

/// The suite's API server restart (the lab's outage fault, or the command scripts/test-cluster
/// gives for a real cluster) does what a restart of kube-apiserver does, so that tests can
/// restart it in the middle of a collection.
@Suite("end to end on a cluster: restarting the API server", .serialized, .enabled(if: ClusterUnderTest.canRestartAPIServer))
struct ClusterRestartTests {
    @Test("a restart ends an open watch; the API server serves again, and the watch resumes from its resourceVersion")
    func restartEndsWatches() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let list = try JSONSerialization.jsonObject(with: Data(try cluster.kubectlOK(["get", "--raw", "/api/v1/namespaces/shop/pods?limit=1"]).utf8))
        let resourceVersion = try #require(((list as? [String: Any])?["metadata"] as? [String: Any])?["resourceVersion"] as? String)

        // The watch is open after 3 s (kubectl starts in well under that); it would last 120 s.
        let restart = cluster.restartAPIServerInBackground(after: 3)
        let opened = Date()
        _ = try cluster.kubectl(
            ["get", "--raw", "/api/v1/namespaces/shop/pods?watch=1&resourceVersion=\(resourceVersion)&timeoutSeconds=120"], timeout: 200)
        let watchEnded = Date()
        let times = try restart.wait()
        #expect(watchEnded.timeIntervalSince(opened) < 100, "the watch ended with the restart, not at its timeout")
        #expect(watchEnded <= times.serving)

        // A restarted v1.36 kube-apiserver resumes a watch from before the restart when its
        // new watch cache still reaches back that far, and answers 410 Expired ("too old
        // resource version") when it starts after it: seen both ways on the kit. Either is
        // what a client must handle (the collector relists on 410); nothing else may come.
        let resumed = try cluster.kubectlOK(
            ["get", "--raw", "/api/v1/namespaces/shop/pods?watch=1&resourceVersion=\(resourceVersion)&timeoutSeconds=3"])
        let errors = resumed.split(separator: "\n").filter { $0.contains(#""type":"ERROR""#) }
        #expect(errors.allSatisfy { $0.contains(#""code":410"#) }, "\(resumed)")
        try cluster.kubectlOK(["get", "pods", "-n", "shop"])
    }
}
