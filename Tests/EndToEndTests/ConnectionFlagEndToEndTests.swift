import Bundle
import Foundation
import TestSupport
import Testing

/// kubectl's connection flags on `collect`, as an on-call engineer types them:
/// impersonation, a proxy from the kubeconfig, `-v 6`, and flags instead of a
/// kubeconfig entry. The built binary against the lab, read back with kubectl.
@Suite("collect with kubectl's connection flags")
struct ConnectionFlagEndToEndTests {
    /// The lab's kubeconfig with `proxy-url` added to its cluster.
    static func kubeconfig(_ lab: LabProcess, proxy: ConnectProxy) throws -> String {
        let text = try String(contentsOfFile: lab.kubeconfig, encoding: .utf8)
        let proxied = text.replacingOccurrences(of: "    server: ", with: "    proxy-url: \(proxy.url)\n    server: ")
        let path = lab.directory.appendingPathComponent("proxied-kubeconfig").path
        try proxied.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("--as collector through a proxy-url with -v 6: the bundle says who acted as whom and through what; every request tunnelled")
    func impersonationThroughProxy() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let proxy = try ConnectProxy()
        defer { proxy.stop() }
        let output = lab.bundlePath()
        let result = try ToolBinary.run([
            "collect", "--kubeconfig", try Self.kubeconfig(lab, proxy: proxy), "-nshop", "-lapp=checkout", "-o", output,
            "--as", "collector", "--as-group", "kubelab:collectors", "-v=6",
        ], timeout: 180)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("as collector (impersonated, --as --as-group)"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("Impersonation: acting as \"collector\" (groups kubelab:collectors) by --as --as-group"))
        #expect(result.stderr.contains("Proxy \(proxy.url) from clusters[kubelab].cluster.proxy-url in"))
        #expect(result.stderr.range(of: #"PATCH https://127\.0\.0\.1:\d+/api/v1/namespaces/shop/pods/checkout-[a-z0-9-]+/ephemeralcontainers 200 OK in \d+ milliseconds"#,
                                    options: .regularExpression) != nil, "stderr: \(result.stderr)")
        #expect(!proxy.tunnels.isEmpty)
        #expect(Set(proxy.tunnels) == [String(lab.serverURL.dropFirst("https://".count))], "\(proxy.tunnels)")

        let bundle = try BundleContents(path: output)
        #expect(bundle.manifest.pods.map(\.outcome) == [.collected, .collected, .collected])
        #expect(bundle.manifest.cluster?.user?.username == "collector")
        #expect(bundle.manifest.cluster?.user?.groups == ["kubelab:collectors", "system:authenticated"])
        #expect(bundle.manifest.cluster?.impersonation == Manifest.Impersonation(user: "collector", groups: ["kubelab:collectors"], origin: "--as --as-group"))
        #expect(bundle.manifest.cluster?.proxy == proxy.url)
        #expect(try BundleReader(path: output).verify().isIntact)
    }

    @Test("--as a user who may not add ephemeral containers: refused before any pod is touched, the hint asks as that user")
    func impersonatedViewerIsRefused() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let output = lab.bundlePath()
        let result = try ToolBinary.run(
            ["collect", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app=checkout", "-o", output, "--as", "viewer"], timeout: 120)
        #expect(result.status == 1)
        #expect(result.stderr.contains("kubectl auth can-i patch pods --subresource=ephemeralcontainers -n shop --as viewer"), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let pods = try lab.kubectl(["get", "pods", "-n", "shop", "-o", "jsonpath={.items[*].spec.ephemeralContainers}"])
        #expect(pods.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    @Test("--server, --certificate-authority and --token with no kubeconfig at all; --user and --cluster pick entries")
    func flagsInsteadOfAKubeconfig() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        // The CA and the collector's token, taken from the lab's kubeconfig as kubectl would print them.
        let ca = lab.directory.appendingPathComponent("ca.crt").path
        let caData = try lab.kubectl(["config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}"]).stdout
        try Data(base64Encoded: caData.trimmingCharacters(in: .whitespacesAndNewlines))!.write(to: URL(fileURLWithPath: ca))
        let token = try lab.kubectl(["config", "view", "--raw", "-o", "jsonpath={.users[?(@.name==\"kubelab-collector\")].user.token}"]).stdout
        let home = lab.directory.appendingPathComponent("empty-home").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let output = lab.bundlePath()
        let result = try ToolBinary.run(
            ["collect", "-s", lab.serverURL, "--certificate-authority", ca, "--token", token.trimmingCharacters(in: .whitespacesAndNewlines),
             "-n", "shop", "-l", "app=checkout", "-o", output],
            environment: ["HOME": home, "PATH": "/usr/bin:/bin"], timeout: 180)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let bundle = try BundleContents(path: output)
        #expect(bundle.manifest.cluster?.user?.username == "collector")
        #expect(bundle.manifest.cluster?.contextName == nil)
        #expect(bundle.manifest.pods.count == 3)

        // --user picks the viewer from the lab's kubeconfig: a client dry run says as whom,
        // a server dry run asks the server and is refused as the viewer.
        let asViewer = try ToolBinary.run(
            ["collect", "--kubeconfig", lab.kubeconfig, "--user", "kubelab-viewer", "-n", "shop", "-l", "app=checkout", "--dry-run"], timeout: 120)
        #expect(asViewer.status == 0)
        #expect(asViewer.stderr.contains("A real run would collect from context kubelab (\(lab.serverURL)) as viewer: 3 pods in 1 namespace"),
                "stderr: \(asViewer.stderr)")
        let serverSide = try ToolBinary.run(
            ["collect", "--kubeconfig", lab.kubeconfig, "--user", "kubelab-viewer", "-n", "shop", "-l", "app=checkout", "--dry-run=server"], timeout: 120)
        #expect(serverSide.status == 1)
        #expect(serverSide.stderr.contains("-n shop` says no"), "stderr: \(serverSide.stderr)")
        let noCluster = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "--cluster", "elsewhere", "-l", "app", "--dry-run"])
        #expect(noCluster.status != 0)
        #expect(noCluster.stderr.contains("\"elsewhere\" (from --cluster)"), "stderr: \(noCluster.stderr)")
    }
}
