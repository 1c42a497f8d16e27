import Bundle
import Foundation
import TestSupport
import Testing

/// The released binary, in a root holding nothing but itself and the C and C++
/// runtimes, collects from the cluster under test (the lab, or the real cluster with
/// scripts/test-cluster), then verifies and inspects what it wrote, with no libarchive,
/// zlib or Swift runtime on the machine it sees.
@Suite("end to end on a cluster: the released binary on a bare host", .serialized,
       .enabled(if: ReleasedBinary.archive != nil, "KUBECTL_EVIDENCE_RELEASE names no release archive (scripts/release writes one)"))
struct ClusterReleasedBinaryTests {
    @Test("collect, verify and inspect from a bare root: every pod collected, the bundle verifies on the build machine too")
    func collectsFromABareRoot() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let release = try ReleasedBinary(archive: try #require(ReleasedBinary.archive))
        defer { release.remove() }
        // One self-contained kubeconfig (certificates inline): the root has no other file.
        let flattened = cluster.directory.appendingPathComponent("flat.kubeconfig").path
        try cluster.kubectlOK(["config", "view", "--raw", "--flatten", "--minify"]).write(toFile: flattened, atomically: true, encoding: .utf8)
        let kubeconfig = try release.place(flattened, as: "kubeconfig")

        let collect = try release.run(["collect", "--kubeconfig", kubeconfig, "--image", ClusterUnderTest.image,
                                       "-n", "shop", "-l", "app=db", "-o", "/out/bundle.tar.gz"])
        #expect(collect.status == 0, "stderr: \(collect.stderr)\nstdout: \(collect.stdout)")
        let bundle = release.hostPath("/out/bundle.tar.gz")
        let manifest = try BundleReader(path: bundle).manifest()
        #expect(manifest.pods.count == 2 && manifest.pods.allSatisfy { $0.outcome == .collected },
                "\(manifest.pods.map { "\($0.name) \($0.reason) \($0.message)" })")
        #expect(manifest.tool.commit?.range(of: "^[0-9a-f]{40}", options: .regularExpression) != nil, "\(String(describing: manifest.tool.commit))")

        let verify = try release.run(["verify", "/out/bundle.tar.gz"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let inspect = try release.run(["inspect", "/out/bundle.tar.gz"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        for pod in manifest.pods { #expect(inspect.stdout.contains(pod.name), "inspect does not name \(pod.name):\n\(inspect.stdout)") }
        // What the bare binary wrote, the build's own reader and the debug build read alike.
        #expect(try BundleReader(path: bundle).verify().isIntact)
        let debugVerify = try ToolBinary.run(["verify", bundle])
        #expect(debugVerify.status == 0, "\(debugVerify.stdout)\(debugVerify.stderr)")

        // The node method's helper script is compiled into the binary as the in-pod script is.
        let node = try release.run(["collect", "--kubeconfig", kubeconfig, "--image", ClusterUnderTest.image,
                                    "-n", "shop", "-l", "app=db", "--via", "node", "-o", "/out/node.tar.gz"])
        #expect(node.status == 0, "stderr: \(node.stderr)\nstdout: \(node.stdout)")
        let byNode = try BundleReader(path: release.hostPath("/out/node.tar.gz")).manifest()
        #expect(byNode.run.method == "node" && byNode.pods.count == 2 && byNode.pods.allSatisfy { $0.outcome == .collected },
                "\(byNode.pods.map { "\($0.name) \($0.reason) \($0.message)" })")
    }
}
