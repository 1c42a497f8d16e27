import Bundle
import Foundation
import TestSupport
import Testing

/// Impersonation and a proxy against the cluster under test: the admin (who may
/// impersonate) acts as the least-RBAC collector through an HTTP CONNECT proxy
/// named by the kubeconfig's proxy-url, and as the viewer, who is refused.
@Suite("end to end on a cluster: --as and proxy-url", .serialized)
struct ClusterConnectionFlagTests {
    /// The cluster's admin kubeconfig with `proxy-url` beside each `server:`.
    static func proxiedKubeconfig(_ cluster: ClusterUnderTest, proxy: ConnectProxy, socks: Bool = false) throws -> String {
        let text = try String(contentsOfFile: cluster.kubeconfig, encoding: .utf8)
        let proxied = try NSRegularExpression(pattern: #"(?m)^(\s*)server: "#)
            .stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text),
                                      withTemplate: "$1proxy-url: \(socks ? proxy.socksURL : proxy.url)\n$1server: ")
        #expect(proxied != text, "the kubeconfig has no server: line to put a proxy beside")
        let path = cluster.directory.appendingPathComponent("proxied.kubeconfig").path
        try proxied.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("--as the collector through proxy-url: every pod collected, the manifest names the impersonated user and the proxy, every request tunnelled")
    func impersonatedThroughProxy() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let proxy = try ConnectProxy()
        defer { proxy.stop() }
        let collector = cluster.impersonation(of: .collector)
        let output = cluster.bundlePath("as-collector")
        let result = try cluster.collect(
            ["-n", "shop", "-l", "app=db", "-v", "6"] + collector.flags, output: output,
            kubeconfig: try Self.proxiedKubeconfig(cluster, proxy: proxy))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("(impersonated, --as"), "\(result.stderr)")
        #expect(result.stderr.range(of: #"PATCH https://\S+/ephemeralcontainers 200 OK in \d+ milliseconds"#, options: .regularExpression) != nil,
                "\(result.stderr)")

        let manifest = try Self.expectTunnelled(output, through: proxy, url: proxy.url, stderr: result.stderr)
        #expect(manifest.cluster?.user?.username == collector.username)
        #expect(manifest.cluster?.impersonation?.user == collector.username)
    }

    /// Both db pods collected, the proxy named in the manifest, every script delivered
    /// through pods/attach in the proxy's tunnel, and every tunnel to the API server.
    @discardableResult
    static func expectTunnelled(_ output: String, through proxy: ConnectProxy, url: String, stderr: String) throws -> Manifest {
        let manifest = try BundleReader(path: output).manifest()
        #expect(manifest.pods.count == 2 && manifest.pods.allSatisfy { $0.outcome == .collected }, "\(manifest.pods.map { "\($0.name) \($0.message)" })")
        #expect(manifest.cluster?.proxy == url)
        #expect(manifest.run.scriptDelivery == "attach", "\(stderr)")
        #expect(manifest.pods.allSatisfy { $0.evidenceContainer?.outputSource == "attach" },
                "\(manifest.pods.map { "\($0.name) \($0.evidenceContainer?.outputSource ?? "-")" })")
        let server = try #require(URLComponents(string: manifest.cluster?.server ?? ""))
        #expect(!proxy.tunnels.isEmpty)
        #expect(proxy.tunnels.allSatisfy { $0 == "\(server.host ?? ""):\(server.port ?? 443)" }, "\(proxy.tunnels)")
        return manifest
    }

    @Test("through a socks5:// proxy-url: every pod collected, the script attached through the same tunnel")
    func throughSOCKSProxy() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let proxy = try ConnectProxy()
        defer { proxy.stop() }
        let output = cluster.bundlePath("socks")
        let result = try cluster.collect(["-n", "shop", "-l", "app=db", "--quiet"], output: output,
                                         kubeconfig: try Self.proxiedKubeconfig(cluster, proxy: proxy, socks: true))
        #expect(result.status == 0, "\(result.stderr)")
        try Self.expectTunnelled(output, through: proxy, url: proxy.socksURL, stderr: result.stderr)
    }

    @Test("-v 8: each request's headers and each reply's, the impersonation shown, no credential")
    func headersAtVerbosityEight() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let collector = cluster.impersonation(of: .collector)
        // A bearer token beside the admin's client certificate: the API server (and the lab)
        // authenticates the certificate first, and the token still goes out in every request.
        let token = "evidence-e2e-token-\(UUID().uuidString)"
        let result = try ToolBinary.run(["collect", "--kubeconfig", cluster.kubeconfig, "--image", ClusterUnderTest.image,
                                         "-n", "shop", "-l", "app=db", "--dry-run", "-v", "8", "--token", token] + collector.flags)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map { String($0.drop { $0 != " " }.dropFirst()) }
        let messages = lines.map { $0.drop { $0 != " " }.dropFirst() }.map(String.init)
        #expect(messages.contains("Request Headers:") && messages.contains("Response Headers:"), "\(result.stderr)")
        #expect(messages.contains("    Impersonate-User: \(collector.username)"), "\(result.stderr)")
        #expect(messages.contains("    Authorization: Bearer <masked>"), "\(result.stderr)")
        #expect(!result.stderr.contains(token), "the --token reached the log")
        #expect(messages.contains { $0.lowercased().hasPrefix("    content-type: application/json") }, "\(result.stderr)")
        #expect(result.stderr.range(of: #"GET https://\S+/namespaces/shop/pods\?\S+ 200 OK in \d+ milliseconds"#, options: .regularExpression) != nil,
                "\(result.stderr)")
        let kubeconfig = try String(contentsOfFile: cluster.kubeconfig, encoding: .utf8)
        let secrets = kubeconfig.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, ["token", "client-key-data", "password"].contains(parts[0]), parts[1].count >= 8 else { return nil }
            return parts[1]
        }
        #expect(!result.stderr.contains("PRIVATE KEY"))
        for secret in secrets { #expect(!result.stderr.contains(secret.prefix(16)), "a credential of the kubeconfig reached the log") }
    }

    @Test("--dry-run=server: the API server admits the evidence container in shop and Pod Security refuses it in hardened; nothing is stored")
    func serverDryRun() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let dbPods = try cluster.podNames(namespace: "shop", selector: "app=db")
        let before = try dbPods.map { try cluster.ephemeralContainerCount(namespace: "shop", pod: $0) }
        let admitted = try ToolBinary.run(["collect", "--kubeconfig", cluster.kubeconfig, "--image", ClusterUnderTest.image,
                                           "-n", "shop", "-l", "app=db", "--dry-run=server"])
        #expect(admitted.status == 0, "\(admitted.stderr)")
        #expect(admitted.stderr.contains("admitted the evidence container in namespace shop; nothing was stored."), "\(admitted.stderr)")
        #expect(try dbPods.map { try cluster.ephemeralContainerCount(namespace: "shop", pod: $0) } == before)
        let refused = try ToolBinary.run(["collect", "--kubeconfig", cluster.kubeconfig, "--image", ClusterUnderTest.image,
                                          "-n", "hardened", "-l", "app=vault", "--dry-run=server"])
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("violates PodSecurity \"restricted:latest\""), "\(refused.stderr)")
    }

    @Test("--as the viewer: refused before any pod is touched, the can-i hint asks as the viewer")
    func impersonatedViewerRefused() throws {
        let cluster = try ClusterUnderTest.start()
        defer { cluster.stop() }
        let viewer = cluster.impersonation(of: .viewer)
        let output = cluster.bundlePath("as-viewer")
        let result = try cluster.collect(["-n", "shop", "-l", "app=db"] + viewer.flags, output: output)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("kubectl auth can-i patch pods --subresource=ephemeralcontainers -n shop --as \(viewer.username)"), "\(result.stderr)")
        #expect(result.stderr.contains("no pod was touched"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}

extension ClusterUnderTest {
    /// The `--as` flags that act as `identity`: on a real cluster the ServiceAccount of
    /// examples/rbac.yaml (the API server gives it its groups), in the lab its built-in user.
    func impersonation(of identity: Identity) -> (username: String, flags: [String]) {
        switch kind {
        case .real:
            let name = "system:serviceaccount:shop:evidence-\(identity.rawValue)"
            return (name, ["--as", name])
        case .lab:
            return (identity.rawValue, ["--as", identity.rawValue, "--as-group", "kubelab:\(identity.rawValue)s"])
        }
    }
}
