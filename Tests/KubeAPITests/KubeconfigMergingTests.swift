@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// Which files are read and how they merge: kubectl's rules.
@Suite("Kubeconfig files and merging")
struct KubeconfigMergingTests {
    static func config(cluster: String, server: String, user: String, token: String, context: String, namespace: String? = nil, current: String? = nil) -> String {
        var text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: \(cluster)
              cluster:
                server: \(server)
                insecure-skip-tls-verify: true
            users:
            - name: \(user)
              user:
                token: \(token)
            contexts:
            - name: \(context)
              context:
                cluster: \(cluster)
                user: \(user)

            """
        if let namespace { text += "    namespace: \(namespace)\n" }
        if let current { text += "current-context: \(current)\n" }
        return text
    }

    @Test("KUBECONFIG files merge: the first file to define a name wins, and so does the first current-context")
    func firstFileWinsForNamesAndCurrentContext() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Both files define cluster "shared", user "shared-user" and context "main"; the second file
        // also sets a different current-context, which must lose.
        let first = try dir.write("first", Self.config(cluster: "shared", server: "https://first.example:6443", user: "shared-user", token: "first-token", context: "main", namespace: "ns-first", current: "main"))
        let second = try dir.write("second", """
            apiVersion: v1
            kind: Config
            current-context: other
            clusters:
            - name: shared
              cluster: {server: "https://second.example:6443"}
            users:
            - name: shared-user
              user: {token: second-token}
            contexts:
            - name: main
              context: {cluster: shared, user: shared-user, namespace: ns-second}
            - name: other
              context: {cluster: shared, user: shared-user}

            """)
        let missing = dir.path + "/does-not-exist"
        let connection = try KubeconfigLoader.load(.init(), environment: ["KUBECONFIG": "\(missing):\(first):\(second)", "HOME": dir.path])
        #expect(connection.server == "https://first.example:6443")
        #expect(connection.contextName == "main")
        #expect(connection.namespace == "ns-first")
        #expect(connection.sourceFiles == [first, second])
        guard case .bearerToken(let token) = connection.credentials.method else {
            Issue.record("expected a bearer token, got \(connection.authenticationSummary)")
            return
        }
        #expect(token == "first-token")
    }

    @Test("an entry defined only in a later file is used, with the earlier file's current-context")
    func laterFilesFillIn() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // The first file only says which context to use; the second defines it.
        let first = try dir.write("a", "apiVersion: v1\nkind: Config\ncurrent-context: lab\n")
        let second = try dir.write("b", Self.config(cluster: "lab", server: "https://lab.example", user: "u", token: "t", context: "lab", current: "ignored"))
        let connection = try KubeconfigLoader.load(.init(), environment: ["KUBECONFIG": "\(first):\(second)"])
        #expect(connection.contextName == "lab")
        #expect(connection.clusterName == "lab")
        #expect(connection.server == "https://lab.example")
    }

    @Test("--kubeconfig reads only that file, even when KUBECONFIG is set")
    func explicitPathOverridesKUBECONFIG() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = try dir.write("env", Self.config(cluster: "c", server: "https://env.example", user: "u", token: "t", context: "x", current: "x"))
        let explicit = try dir.write("explicit", Self.config(cluster: "c", server: "https://explicit.example", user: "u", token: "t", context: "x", current: "x"))
        let connection = try KubeconfigLoader.load(.init(explicitPath: explicit), environment: ["KUBECONFIG": env])
        #expect(connection.server == "https://explicit.example")
        #expect(connection.sourceFiles == [explicit])
    }

    @Test("without KUBECONFIG, $HOME/.kube/config is read")
    func homeConfig() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write(".kube/config", Self.config(cluster: "c", server: "https://home.example", user: "u", token: "t", context: "x", current: "x"))
        let connection = try KubeconfigLoader.load(.init(), environment: ["HOME": dir.path])
        #expect(connection.server == "https://home.example")
        #expect(connection.sourceFiles == [path])
    }

    @Test("--context picks another context; -n beats the context's namespace; no namespace means default")
    func contextAndNamespaceSelection() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("config", """
            apiVersion: v1
            kind: Config
            current-context: one
            clusters:
            - name: c1
              cluster: {server: "https://one.example"}
            - name: c2
              cluster: {server: "https://two.example"}
            users:
            - name: u
              user: {token: t}
            contexts:
            - name: one
              context: {cluster: c1, user: u, namespace: team-one}
            - name: two
              context: {cluster: c2, user: u}

            """)
        let one = try KubeconfigLoader.load(.init(explicitPath: path), environment: [:])
        #expect(one.server == "https://one.example")
        #expect(one.namespace == "team-one")
        let two = try KubeconfigLoader.load(.init(explicitPath: path, context: "two"), environment: [:])
        #expect(two.server == "https://two.example")
        #expect(two.namespace == "default")
        let overridden = try KubeconfigLoader.load(.init(explicitPath: path, namespace: "shop"), environment: [:])
        #expect(overridden.namespace == "shop")
    }

    @Test("a context without a user connects without credentials")
    func contextWithoutUser() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("config", """
            clusters:
            - name: c
              cluster: {server: "http://127.0.0.1:8080"}
            contexts:
            - name: x
              context: {cluster: c}
            current-context: x

            """)
        let connection = try KubeconfigLoader.load(.init(explicitPath: path), environment: [:])
        #expect(connection.authenticationSummary == "no credentials")
        #expect(connection.userName == nil)
    }
}
