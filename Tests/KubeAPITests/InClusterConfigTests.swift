@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// A pod's own service account, when no kubeconfig exists.
@Suite("In-cluster configuration")
struct InClusterConfigTests {
    @Test("with no kubeconfig, the service account's token, CA and namespace are used")
    func serviceAccount() throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("sa/token", "sa-token\n")
        try dir.write("sa/ca.crt", try pki.text(pki.caCert))
        try dir.write("sa/namespace", "payments")
        let environment = ["HOME": dir.path, "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let connection = try KubeconfigLoader.load(.init(), environment: environment, inClusterDirectory: dir.path + "/sa")
        #expect(connection.isInCluster)
        #expect(connection.server == "https://10.96.0.1:443")
        #expect(connection.namespace == "payments")
        #expect(connection.contextName == nil)
        #expect(connection.sourceFiles.isEmpty)
        #expect(connection.caFingerprintSHA256 != nil)
        guard case .tokenFile(let path) = connection.credentials.method else {
            Issue.record("expected the token file, got \(connection.authenticationSummary)")
            return
        }
        #expect(path == dir.path + "/sa/token")

        let overridden = try KubeconfigLoader.load(.init(namespace: "other"), environment: environment, inClusterDirectory: dir.path + "/sa")
        #expect(overridden.namespace == "other")
    }

    @Test("an IPv6 service host is bracketed")
    func ipv6Host() throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("token", "t")
        try dir.write("ca.crt", try pki.text(pki.caCert))
        let connection = try KubeconfigLoader.load(
            .init(), environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"], inClusterDirectory: dir.path)
        #expect(connection.server == "https://[fd00::1]:6443")
        #expect(connection.namespace == "default")
    }

    @Test("a kubeconfig, when present, wins over the service account")
    func kubeconfigWins() throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("sa/token", "t")
        try dir.write("sa/ca.crt", try pki.text(pki.caCert))
        try dir.write(".kube/config", "clusters:\n- name: c\n  cluster: {server: \"https://home.example\"}\ncontexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n")
        let connection = try KubeconfigLoader.load(
            .init(), environment: ["HOME": dir.path, "KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            inClusterDirectory: dir.path + "/sa")
        #expect(!connection.isInCluster)
        #expect(connection.server == "https://home.example")
    }
}
