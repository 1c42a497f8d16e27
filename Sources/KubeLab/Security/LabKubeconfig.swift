import Foundation

/// Writes the lab's kubeconfig: cluster `kubelab`; users `kubelab-admin` (client
/// certificate), `kubelab-operator` (token, full rights) and `kubelab-nobody` (token,
/// no rights), `kubelab-viewer` (token: get/list/watch pods, get pods/log, but no
/// patch pods/ephemeralcontainers), `kubelab-collector` (token: the least RBAC a collection
/// needs, as examples/rbac.yaml grants it); contexts of the same names, `kubelab` current,
/// namespace `shop`.
enum LabKubeconfig {
    static func render(
        server: String, certificates: LabCertificates, operatorToken: String, nobodyToken: String, viewerToken: String,
        collectorToken: String, namespace: String
    ) -> String {
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: kubelab
              cluster:
                server: \(server)
                certificate-authority-data: \(b64(certificates.caCertificatePEM))
            users:
            - name: kubelab-admin
              user:
                client-certificate-data: \(b64(certificates.adminCertificatePEM))
                client-key-data: \(b64(certificates.adminKeyPEM))
            - name: kubelab-operator
              user:
                token: \(operatorToken)
            - name: kubelab-nobody
              user:
                token: \(nobodyToken)
            - name: kubelab-viewer
              user:
                token: \(viewerToken)
            - name: kubelab-collector
              user:
                token: \(collectorToken)
            contexts:
            - name: kubelab
              context:
                cluster: kubelab
                user: kubelab-admin
                namespace: \(namespace)
            - name: kubelab-token
              context:
                cluster: kubelab
                user: kubelab-operator
                namespace: \(namespace)
            - name: kubelab-nobody
              context:
                cluster: kubelab
                user: kubelab-nobody
                namespace: \(namespace)
            - name: kubelab-viewer
              context:
                cluster: kubelab
                user: kubelab-viewer
                namespace: \(namespace)
            - name: kubelab-collector
              context:
                cluster: kubelab
                user: kubelab-collector
                namespace: \(namespace)
            current-context: kubelab
            preferences: {}

            """
    }

    /// Writes `contents` with mode 0600 (credentials), replacing any older file atomically.
    static func writePrivate(_ contents: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temp, contents: Data(contents.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw LabCertificates.Failure(description: "Cannot write \(temp): check that the directory exists and is writable.")
        }
        if rename(temp, path) != 0 {
            let err = String(cString: strerror(errno))
            unlink(temp)
            throw LabCertificates.Failure(description: "Cannot move \(temp) to \(path): \(err).")
        }
    }
}
