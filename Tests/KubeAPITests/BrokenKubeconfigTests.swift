@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// Every broken kubeconfig gives an error that names the file and the field.
@Suite("Broken kubeconfigs are reported with file and field")
struct BrokenKubeconfigTests {
    /// Loads `yaml` and returns the error, which must be a KubeconfigError naming the file.
    func failure(_ yaml: String, context: String? = nil, file name: String = "config") throws -> KubeconfigError {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write(name, yaml)
        do {
            let connection = try KubeconfigLoader.load(.init(explicitPath: path, context: context), environment: [:])
            Issue.record("expected an error, got a connection to \(connection.server)")
            throw CancellationError()
        } catch let error as KubeconfigError {
            #expect(error.file == path)
            #expect(error.message.contains(path), "the message must name the file: \(error.message)")
            return error
        }
    }

    static func config(cluster: String = "    server: https://127.0.0.1:6443", user: String = "    token: t", contexts: String? = nil, current: String = "current-context: x") -> String {
        """
        apiVersion: v1
        kind: Config
        \(current)
        clusters:
        - name: c
          cluster:
        \(cluster)
        users:
        - name: u
          user:
        \(user)
        contexts:
        \(contexts ?? "- name: x\n  context: {cluster: c, user: u}")

        """
    }

    @Test("a YAML syntax error gives the line")
    func yamlSyntaxError() throws {
        let error = try failure("apiVersion: v1\nclusters:\n- name: c\n  cluster:\n    server: [unclosed\ncontexts: []\n")
        #expect(error.message.contains("not valid YAML"))
        #expect(error.message.contains("line 6") || error.message.contains("line 5"), "\(error.message)")
    }

    @Test("a server URL with a user and password in it is refused, and the message keeps only the host")
    func serverWithUserInfo() throws {
        let error = try failure(Self.config(cluster: "    server: https://admin:hunter2-secret@10.0.0.5:6443"))
        #expect(error.field == "server")
        #expect(error.message.contains("https://10.0.0.5:6443"), "\(error.message)")
        #expect(!error.message.contains("hunter2-secret") && !error.message.contains("admin:"), "\(error.message)")
    }

    @Test("a field of the wrong type is named by its path")
    func wrongType() throws {
        let error = try failure(Self.config(cluster: "    server: https://x\n    insecure-skip-tls-verify: maybe"))
        #expect(error.field?.contains("insecure-skip-tls-verify") == true, "\(error)")
        #expect(error.message.contains("insecure-skip-tls-verify"))
    }

    @Test("a --context that does not exist names the contexts that do")
    func contextNotFound() throws {
        let error = try failure(Self.config(), context: "prod")
        #expect(error.field == "contexts")
        #expect(error.message.contains("\"prod\""))
        #expect(error.message.contains("x"))
    }

    @Test("a current-context that does not exist is reported as such")
    func currentContextNotFound() throws {
        let error = try failure(Self.config(current: "current-context: gone"))
        #expect(error.field == "contexts")
        #expect(error.message.contains("\"gone\""))
        #expect(error.message.contains("current-context"))
    }

    @Test("an empty current-context without --context says what to do")
    func currentContextEmpty() throws {
        let error = try failure(Self.config(current: "current-context: \"\""))
        #expect(error.field == "current-context")
        #expect(error.message.contains("--context"))
    }

    @Test("a context referring to a missing cluster names the context's field")
    func missingCluster() throws {
        let error = try failure(Self.config(contexts: "- name: x\n  context: {cluster: nope, user: u}"))
        #expect(error.field == "contexts[x].context.cluster")
        #expect(error.message.contains("\"nope\""))
    }

    @Test("a context referring to a missing user names the context's field")
    func missingUser() throws {
        let error = try failure(Self.config(contexts: "- name: x\n  context: {cluster: c, user: nobody}"))
        #expect(error.field == "contexts[x].context.user")
        #expect(error.message.contains("\"nobody\""))
    }

    @Test("a missing server and a server that is not a URL name clusters[c].cluster.server", arguments: [
        "    certificate-authority-data: \"\"", "    server: 127.0.0.1:6443", "    server: ftp://x", "    server: \"https://\"",
    ])
    func badServer(cluster: String) throws {
        let error = try failure(Self.config(cluster: cluster))
        #expect(error.field == "clusters[c].cluster.server")
        #expect(error.message.contains("clusters[c].cluster.server"))
    }

    @Test("an unreadable CA file names the file it tried and the field")
    func unreadableCAFile() throws {
        let error = try failure(Self.config(cluster: "    server: https://x\n    certificate-authority: missing/ca.crt"))
        #expect(error.field == "clusters[c].cluster.certificate-authority")
        #expect(error.message.contains("missing/ca.crt"))
        #expect(error.message.contains("cannot be read"))
    }

    @Test("a client certificate without a key, and a key without a certificate")
    func certificateWithoutKey() throws {
        let pki = try TestPKI.shared()
        let noKey = try failure(Self.config(user: "    client-certificate: \(pki.clientRSACert)"))
        #expect(noKey.field == "users[u].user.client-key")
        #expect(noKey.message.contains("no key"))
        let noCert = try failure(Self.config(user: "    client-key-data: \(try pki.text(pki.clientRSAKey).base64)"))
        #expect(noCert.field == "users[u].user.client-certificate")
    }

    @Test("base64 -data that is not base64 names the field")
    func invalidBase64() throws {
        let error = try failure(Self.config(cluster: "    server: https://x\n    certificate-authority-data: not*base64!"))
        #expect(error.field == "clusters[c].cluster.certificate-authority-data")
        #expect(error.message.contains("not valid base64"))
    }

    @Test("PEM that is not PEM names the field, for a CA, a certificate and a key")
    func invalidPEM() throws {
        let pki = try TestPKI.shared()
        let ca = try failure(Self.config(cluster: "    server: https://x\n    certificate-authority-data: \("hello, world".base64)"))
        #expect(ca.field == "clusters[c].cluster.certificate-authority-data")
        #expect(ca.message.contains("not valid PEM"))
        let key = try failure(Self.config(user: "    client-certificate: \(pki.clientRSACert)\n    client-key-data: \("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".base64)"))
        #expect(key.field == "users[u].user.client-key-data")
        #expect(key.message.contains("not a valid PEM private key"))
        let cert = try failure(Self.config(user: "    client-certificate-data: \("junk".base64)\n    client-key: \(pki.clientRSAKey)"))
        #expect(cert.field == "users[u].user.client-certificate-data")
    }

    @Test("a proxy-url the client cannot speak (https://, ftp://) and auth-provider are refused by name")
    func unsupportedFields() throws {
        let proxy = try failure(Self.config(cluster: "    server: https://x\n    proxy-url: https://proxy:3128"))
        #expect(proxy.field == "clusters[c].cluster.proxy-url")
        #expect(proxy.message.contains("reached over TLS"))
        let scheme = try failure(Self.config(cluster: "    server: https://x\n    proxy-url: ftp://proxy:21"))
        #expect(scheme.message.contains("the scheme ftp"))
        let provider = try failure(Self.config(user: "    auth-provider:\n      name: oidc\n      config: {client-id: x}"))
        #expect(provider.field == "users[u].user.auth-provider")
        #expect(provider.message.contains("\"oidc\""))
    }

    @Test("an exec plugin with an unknown apiVersion names the field")
    func execBadAPIVersion() throws {
        let error = try failure(Self.config(user: "    exec:\n      apiVersion: client.authentication.k8s.io/v1alpha1\n      command: x"))
        #expect(error.field == "users[u].user.exec.apiVersion")
    }

    @Test("--kubeconfig naming a missing file is an error; a missing file in KUBECONFIG is not")
    func explicitMissingFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let missing = dir.path + "/nope"
        #expect {
            try KubeconfigLoader.load(.init(explicitPath: missing), environment: [:])
        } throws: { error in
            (error as? KubeconfigError)?.message.contains("\(missing) given with --kubeconfig does not exist") == true
        }
        // Only missing files and no in-cluster service: a clear "no configuration" error instead.
        #expect {
            try KubeconfigLoader.load(.init(), environment: ["KUBECONFIG": missing], inClusterDirectory: dir.path)
        } throws: { error in
            (error as? KubeconfigError)?.message.contains("No Kubernetes configuration was found") == true
        }
    }
}
