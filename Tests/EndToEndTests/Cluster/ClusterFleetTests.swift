import Bundle
import Foundation
import TestSupport
import Testing

/// `collect --context a,b,c`: two lab clusters and the cluster under test (the
/// kit's real cluster in scripts/test-cluster, a third lab otherwise) into one
/// bundle; a listener started in one replica of the cluster under test is what
/// `diff --replicas --across-clusters` ranks first; with a lab stopped, the run
/// still collects the other two and says why the third is missing.
@Suite("end to end on a cluster: several clusters into one bundle", .serialized)
struct ClusterFleetTests {
    static let oddPort = 7077
    static let contexts = ["east", "west", "under-test"]

    @Test("three clusters in one bundle: each under its name, verified, schema-valid; the odd cluster's replica ranks first across clusters; a stopped cluster costs only itself")
    func threeClustersOneBundle() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let east = try LabProcess.start(topology: ClusterUnderTest.demoManifest)
        defer { east.stop() }
        let west = try LabProcess.start(topology: ClusterUnderTest.demoManifest)
        defer { west.stop() }
        let kubeconfig = cluster.directory.appendingPathComponent("fleet.kubeconfig").path
        try FleetKubeconfig.write([("east", east.kubeconfig), ("west", west.kubeconfig), ("under-test", cluster.kubeconfig)], to: kubeconfig)

        // One replica of checkout in the cluster under test gets a listener of its own.
        // A real cluster's replicas outlive tests: none may keep a listener an earlier test started.
        let replicas = try cluster.podNames(namespace: "shop", selector: "app=checkout")
        cluster.stopStrayListeners(namespace: "shop", pods: replicas)
        let odd = try #require(replicas.dropFirst().first, "checkout should have 3 replicas: \(replicas)")
        try cluster.startDetached(namespace: "shop", pod: odd, container: "app", "nc -ll -p \(Self.oddPort) -e cat", listensOn: Self.oddPort)
        defer { cluster.stopStrayListeners(namespace: "shop", pods: [odd]) }

        let output = cluster.bundlePath("fleet")
        let run = try cluster.collect(["--context", Self.contexts.joined(separator: ","), "-n", "shop", "-l", "app=checkout", "--quiet"],
                                      output: output, kubeconfig: kubeconfig)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let bundle = try BundleContents(path: output)
        let manifest = bundle.manifest
        #expect(manifest.schemaVersion == Manifest.multiClusterSchemaVersion)
        #expect(manifest.clusters?.map(\.name) == Self.contexts)
        #expect(manifest.clusters?.allSatisfy { $0.failure == nil && $0.cluster.serverVersion != nil } == true)
        for name in Self.contexts {
            let pods = manifest.pods.filter { $0.cluster == name }
            #expect(pods.count == 3, "\(name): \(pods.map(\.name))")
            #expect(pods.allSatisfy { $0.outcome == .collected }, "\(name): \(pods.map { "\($0.name) \($0.reason)" })")
            #expect(pods.allSatisfy { $0.files.allSatisfy { $0.hasPrefix("clusters/\(name)/pods/shop/") } })
        }
        #expect(!bundle.files.keys.contains { $0.hasPrefix("pods/") }, "a file outside every cluster's directory")
        let verify = try ToolBinary.run(["verify", output])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(try SchemaCheck.validate(bundle: output).contains("manifest.json"))
        let inspect = try ToolBinary.run(["inspect", output])
        #expect(inspect.status == 0 && inspect.stdout.contains("Clusters:  3"), "\(inspect.stdout.prefix(2000))")

        // Across clusters, the nine replicas are one group, and the listener's replica is first.
        let diff = try ToolBinary.run(["diff", "--replicas", "--across-clusters", "--json", output])
        #expect(diff.status == 1, "\(diff.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as? [String: Any])
        let groups = try #require((report["replicas"] as? [String: Any])?["groups"] as? [[String: Any]])
        let first = try #require(groups.first)
        #expect(first["workload"] as? String == "Deployment/checkout", "\(groups.map { $0["workload"] ?? "-" })")
        #expect(first["replicas"] as? Int == 9)
        let top = try #require((first["odd"] as? [[String: Any]])?.first)
        let pod = try #require(top["pod"] as? [String: Any])
        #expect(pod["cluster"] as? String == "under-test" && pod["name"] as? String == odd, "\(top)")
        let extra = (top["extra"] as? [[String: Any]])?.compactMap { $0["key"] as? String } ?? []
        #expect(extra.contains { $0.hasSuffix(":\(Self.oddPort)") }, "\(extra)")

        // A stopped cluster costs only its own pods; the bundle says why, and the exit status that not all was collected.
        west.stop()
        let second = cluster.bundlePath("fleet-west-down")
        let partial = try cluster.collect(["--context", Self.contexts.joined(separator: ","), "-n", "shop", "-l", "app=checkout", "--quiet"],
                                          output: second, kubeconfig: kubeconfig)
        #expect(partial.status == 3, "\(partial.stdout)\n\(partial.stderr)")
        #expect(partial.stderr.contains("cluster west"), "\(partial.stderr)")
        let survivors = try BundleContents(path: second).manifest
        let westSection = try #require(survivors.clusters?.first { $0.name == "west" })
        #expect(westSection.failure?.reason == "Unreachable", "\(String(describing: westSection.failure))")
        #expect(survivors.pods.filter { $0.cluster == "west" }.isEmpty)
        for name in ["east", "under-test"] {
            let pods = survivors.pods.filter { $0.cluster == name }
            #expect(pods.count == 3 && pods.allSatisfy { $0.outcome == .collected }, "\(name): \(pods.map { "\($0.name) \($0.reason)" })")
        }
        #expect(partial.stdout.contains("cluster west (") && partial.stdout.contains("was left out, Unreachable"), "\(partial.stdout)")
        #expect(try ToolBinary.run(["verify", second]).status == 0)

        let stopped = cluster.stopStrayListeners(namespace: "shop", pods: [odd])
        // Only a real cluster's replicas outlive the test (a lab's go with it); there the listener must
        // be gone. nc ends on the signal a moment later: asked again for up to 10 s.
        guard cluster.kind == .real else { return }
        var listeners = ""
        for _ in 0..<50 {
            listeners = try cluster.exec(namespace: "shop", pod: odd, container: "app", ["netstat", "-ltn"])
            if !listeners.contains(":\(Self.oddPort) ") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(!listeners.contains(":\(Self.oddPort) "), "the test's listener is still there (\(stopped)): \(listeners)")
    }
}
