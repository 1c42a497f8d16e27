@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// Each credential kind and CA form is read, with relative paths resolved
/// against the directory of the file that names them.
@Suite("Kubeconfig credentials and relative paths")
struct KubeconfigCredentialTests {
    func load(_ yaml: String, in dir: TemporaryDirectory, name: String = "config") throws -> ClusterConnection {
        let path = try dir.write(name, yaml)
        return try KubeconfigLoader.load(.init(explicitPath: path), environment: ["PATH": "/usr/bin:/bin"])
    }

    static func yaml(cluster: String, user: String) -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: x
        clusters:
        - name: c
          cluster:
            server: https://127.0.0.1:6443
        \(cluster)
        users:
        - name: u
          user:
        \(user)
        contexts:
        - name: x
          context: {cluster: c, user: u}

        """
    }

    @Test("certificate-authority, client-certificate, client-key and tokenFile resolve against the kubeconfig's directory")
    func relativePathsResolveAgainstTheirFile() throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("sub/certs/ca.crt", try pki.text(pki.caCert))
        try dir.write("sub/certs/client.crt", try pki.text(pki.clientRSACert))
        try dir.write("sub/certs/client.key", try pki.text(pki.clientRSAKey))
        // The kubeconfig lives in sub/, and is loaded through KUBECONFIG from elsewhere.
        let path = try dir.write("sub/config", Self.yaml(
            cluster: "    certificate-authority: certs/ca.crt",
            user: "    client-certificate: certs/client.crt\n    client-key: ./certs/../certs/client.key"))
        let connection = try KubeconfigLoader.load(.init(), environment: ["KUBECONFIG": path])
        #expect(connection.trustDescription.contains(dir.path + "/sub/certs/ca.crt"))
        #expect(connection.caCertificates.count == 1)
        #expect(connection.credentials.clientCertificate != nil)
        // The fingerprint is the SHA-256 of the CA's DER, as `openssl x509 -fingerprint -sha256` prints it.
        #expect(connection.caFingerprintSHA256 == (try Self.opensslFingerprint(pki.caCert)))
    }

    @Test("certificate-authority-data and client-certificate-data/-key-data (EC key) are decoded inline")
    func inlineDataAndECKey() throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let connection = try load(Self.yaml(
            cluster: "    certificate-authority-data: \(try pki.text(pki.caCert).base64)",
            user: "    client-certificate-data: \(try pki.text(pki.clientECCert).base64)\n    client-key-data: \(try pki.text(pki.clientECKey).base64)"), in: dir)
        #expect(connection.trustDescription.contains("inline certificate-authority-data"))
        #expect(connection.credentials.clientCertificate?.chain.count == 1)
    }

    @Test("an RSA key in PKCS#1 form and a certificate chain file are accepted")
    func pkcs1KeyAndChain() throws {
        let pki = try TestPKI.shared()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pkcs1 = try load(Self.yaml(cluster: "", user: "    client-certificate: \(pki.clientRSACert)\n    client-key: \(pki.clientRSAPKCS1Key)"), in: dir, name: "a")
        #expect(pkcs1.credentials.clientCertificate != nil)
        let chained = try load(Self.yaml(cluster: "", user: "    client-certificate: \(pki.clientChainCert)\n    client-key: \(pki.clientChainKey)"), in: dir, name: "b")
        #expect(chained.credentials.clientCertificate?.chain.count == 2)
    }

    @Test("token, tokenFile and username/password are read")
    func tokenKinds() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let token = try load(Self.yaml(cluster: "", user: "    token: abc.def"), in: dir, name: "t")
        guard case .bearerToken("abc.def") = token.credentials.method else {
            Issue.record("token not read: \(token.authenticationSummary)")
            return
        }
        try dir.write("tokens/sa-token", "from-file\n")
        let file = try load(Self.yaml(cluster: "", user: "    tokenFile: tokens/sa-token"), in: dir, name: "f")
        guard case .tokenFile(let path) = file.credentials.method else {
            Issue.record("tokenFile not read: \(file.authenticationSummary)")
            return
        }
        #expect(path == dir.path + "/tokens/sa-token")
        let basic = try load(Self.yaml(cluster: "", user: "    username: alice\n    password: s3cret"), in: dir, name: "b")
        guard case .basic("alice", "s3cret") = basic.credentials.method else {
            Issue.record("basic auth not read: \(basic.authenticationSummary)")
            return
        }
    }

    @Test("an exec command with a slash resolves against the kubeconfig's directory; a bare name stays for PATH")
    func execCommandResolution() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let exec = """
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./bin/get-token
                  args: [--cluster, lab]
                  env: [{name: FOO, value: bar}]
                  provideClusterInfo: true
                  interactiveMode: Never
            """
        let relative = try load(Self.yaml(cluster: "", user: exec), in: dir, name: "r")
        guard case .exec(let config) = relative.credentials.method else {
            Issue.record("exec not read: \(relative.authenticationSummary)")
            return
        }
        #expect(config.command == dir.path + "/bin/get-token")
        #expect(config.args == ["--cluster", "lab"])
        #expect(config.env.map(\.name) == ["FOO"])
        #expect(config.provideClusterInfo)

        let bare = try load(Self.yaml(cluster: "", user: exec.replacingOccurrences(of: "./bin/get-token", with: "aws")), in: dir, name: "b")
        guard case .exec(let bareConfig) = bare.credentials.method else { return }
        #expect(bareConfig.command == "aws")
    }

    @Test("tls-server-name and insecure-skip-tls-verify are read; skipping verification comes with a warning")
    func tlsSettings() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let sni = try load(Self.yaml(cluster: "    tls-server-name: kubernetes.test", user: "    token: t"), in: dir, name: "s")
        #expect(sni.tlsServerName == "kubernetes.test")
        #expect(!sni.insecureSkipTLSVerify)
        #expect(sni.warnings.isEmpty)
        #expect(sni.trustDescription == "the system trust store")

        let insecure = try load(Self.yaml(cluster: "    insecure-skip-tls-verify: true", user: "    token: t"), in: dir, name: "i")
        #expect(insecure.insecureSkipTLSVerify)
        #expect(insecure.warnings.first?.contains("TLS verification is off") == true)
        #expect(insecure.warnings.first?.contains("insecure-skip-tls-verify") == true)

        let fromFlag = try KubeconfigLoader.load(
            .init(explicitPath: dir.path + "/s", insecureSkipTLSVerify: true), environment: [:])
        #expect(fromFlag.insecureSkipTLSVerify)
        #expect(fromFlag.warnings.first?.contains("--insecure-skip-tls-verify") == true)
    }

    static func opensslFingerprint(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["x509", "-in", path, "-noout", "-fingerprint", "-sha256"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // "sha256 Fingerprint=AB:CD:..."
        let hex = output.split(separator: "=").last.map(String.init) ?? ""
        return hex.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}
