import Foundation
import Testing

/// What a user sees when the cluster cannot be reached or the kubeconfig is
/// wrong: one sentence naming the server, the file or the CA, exit status 1.
@Suite("connection failures, end to end")
struct ConnectionFailureTests {
    private func write(_ text: String, to name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("an unreachable server is named in the error")
    func unreachable() throws {
        // Port 1 on loopback: nothing listens there, the kernel refuses at once.
        let kubeconfig = try write("""
            apiVersion: v1
            kind: Config
            clusters:
            - name: gone
              cluster:
                server: https://127.0.0.1:1
                insecure-skip-tls-verify: true
            users:
            - name: someone
              user:
                token: abc
            contexts:
            - name: gone
              context: {cluster: gone, user: someone, namespace: shop}
            current-context: gone
            """, to: "config")
        let result = try ToolBinary.run(["collect", "--dry-run", "--kubeconfig", kubeconfig, "-l", "app=checkout"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("127.0.0.1:1"), "stderr: \(result.stderr)")
        #expect(result.stderr.lowercased().contains("refused"), "stderr: \(result.stderr)")
    }

    @Test("a kubeconfig that is not YAML is named with the problem")
    func brokenKubeconfig() throws {
        let kubeconfig = try write("apiVersion: v1\nclusters: [\n  - name: x\n", to: "broken-config")
        let result = try ToolBinary.run(["collect", "--dry-run", "--kubeconfig", kubeconfig, "-l", "app=checkout"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(kubeconfig), "stderr: \(result.stderr)")
    }

    @Test("a missing --kubeconfig file is named")
    func missingKubeconfig() throws {
        let result = try ToolBinary.run(["collect", "--dry-run", "--kubeconfig", "/nonexistent/kubeconfig", "-l", "app=checkout"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/kubeconfig"), "stderr: \(result.stderr)")
    }

    @Test("a lab whose CA is not the one in the kubeconfig fails TLS verification, and the error names the CA")
    func wrongCA() throws {
        let labA = try LabProcess.start()
        defer { labA.stop() }
        let labB = try LabProcess.start()
        defer { labB.stop() }
        // Lab A's kubeconfig, pointed at lab B's server: B's certificate is signed by another CA.
        var text = try String(contentsOfFile: labA.kubeconfig, encoding: .utf8)
        text = text.replacingOccurrences(of: labA.serverURL, with: labB.serverURL)
        let kubeconfig = try write(text, to: "wrong-ca")
        let result = try ToolBinary.run(["collect", "--dry-run", "--kubeconfig", kubeconfig, "-n", "shop", "-l", "app=checkout"])
        #expect(result.status == 1)
        let message = result.stderr.lowercased()
        #expect(message.contains("certificate") || message.contains("tls"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("certificate-authority-data") || result.stderr.contains("CA"), "stderr: \(result.stderr)")
    }

    @Test("-n and -A together are a usage error")
    func namespaceConflict() throws {
        let result = try ToolBinary.run(["collect", "--dry-run", "-n", "shop", "-A", "-l", "app=checkout"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--all-namespaces"))
    }

    @Test("a selection with no selector at all is refused")
    func noSelector() throws {
        let result = try ToolBinary.run(["collect", "--dry-run", "-n", "shop"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("-l"))
    }
}
