import Foundation

/// The configuration of a process running in a pod: the service account's
/// token, CA and namespace, and the API server from KUBERNETES_SERVICE_HOST/PORT.
enum InClusterConfig {
    /// nil when this is not a pod (no service host or no token), so the caller can say so.
    static func load(
        selection: KubeconfigSelection, environment: [String: String], directory: String
    ) throws -> ClusterConnection? {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else { return nil }
        let tokenPath = directory + "/token"
        guard FileManager.default.fileExists(atPath: tokenPath) else { return nil }

        let hostPart = host.contains(":") ? "[\(host)]" : host
        let server = "https://\(hostPart):\(port)"
        let caPath = directory + "/ca.crt"
        let pem = try KubeconfigLoader.readFile(caPath, file: nil, field: "the service-account CA", what: "CA certificate file")
        let certificates = try KubeconfigLoader.parseCertificates(
            pem, file: caPath, field: "the service-account CA", what: "CA certificate", path: caPath)
        _ = try KubeconfigLoader.readFile(tokenPath, file: nil, field: "the service-account token", what: "token file")

        var namespace = "default"
        if let data = FileManager.default.contents(atPath: directory + "/namespace"),
            let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
        {
            namespace = text
        }
        if let requested = selection.namespace, !requested.isEmpty { namespace = requested }

        let insecure = selection.insecureSkipTLSVerify ?? false
        var warnings: [String] = []
        if insecure {
            warnings.append("Warning: TLS verification is off for \(server) (--insecure-skip-tls-verify); the API server's identity is not checked.")
        }
        return ClusterConnection(
            server: server, contextName: nil, clusterName: nil, userName: nil, namespace: namespace,
            sourceFiles: [], caFingerprintSHA256: try certificates.first.map(KubeconfigLoader.fingerprint),
            tlsServerName: nil, insecureSkipTLSVerify: insecure,
            trustDescription: insecure ? "nothing (TLS verification is off)" : "the service-account CA \(caPath)",
            warnings: warnings, isInCluster: true,
            caCertificates: insecure ? [] : certificates, caPEM: insecure ? nil : pem,
            credentials: Credentials(method: .tokenFile(path: tokenPath), clientCertificate: nil))
    }
}
