@testable import KubeAPI
import Foundation
import TestSupport

/// Writes a one-context kubeconfig for a loopback server and loads it with the
/// real loader, so network tests use exactly the path users do.
enum KubeconfigWriter {
    static func connection(
        server: String, in directory: TemporaryDirectory, cluster extra: String = "", user: String = "    token: test-token",
        caFile: String? = nil, environment: [String: String] = [:]
    ) throws -> ClusterConnection {
        let path = try write(server: server, in: directory, cluster: extra, user: user, caFile: caFile)
        // The scripted servers of these tests are plain http on loopback: the one honest use.
        var selection = KubeconfigSelection(explicitPath: path)
        selection.allowHTTPCredentials = true
        return try KubeconfigLoader.load(selection, environment: environment)
    }

    @discardableResult
    static func write(server: String, in directory: TemporaryDirectory, cluster extra: String = "", user: String = "    token: test-token", caFile: String? = nil) throws -> String {
        var cluster = "    server: \(server)\n"
        if let caFile { cluster += "    certificate-authority: \(caFile)\n" }
        cluster += extra
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
            \(indent(cluster))
            users:
            - name: tester
              user:
            \(indent(user))
            contexts:
            - name: test
              context:
                cluster: test
                user: tester
                namespace: fixtures
            current-context: test

            """
        return try directory.write("kubeconfig-\(UUID().uuidString.prefix(8))", text)
    }

    /// The multi-line blocks above are already indented by four spaces; strip the trailing newline.
    private static func indent(_ block: String) -> String {
        block.hasSuffix("\n") ? String(block.dropLast()) : block
    }
}

extension String {
    /// The base64 of this text's UTF-8, as kubeconfig `-data` fields hold it.
    var base64: String { Data(utf8).base64EncodedString() }
}
