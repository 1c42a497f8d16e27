import Crypto
import Foundation
import NIOSSL

extension KubeconfigLoader {
    /// Picks the context and builds the connection from the merged files.
    static func resolve(
        _ merged: MergedKubeconfig, selection: KubeconfigSelection, environment: [String: String]
    ) throws -> ClusterConnection {
        let overrides = selection.overrides
        var contextName: String?
        if let requested = selection.context, !requested.isEmpty {
            contextName = requested
        } else if let current = merged.currentContext {
            contextName = current.name
        } else if overrides.server == nil {
            throw KubeconfigError(
                file: merged.files.first, field: "current-context",
                message: "No context to use: current-context is not set in \(merged.filesDescription) "
                    + "and no --context was given. Pick one with --context, or run `kubectl config use-context NAME`.")
        }

        // With --server and no context, kubectl builds the connection from the flags alone.
        var contextEntry = ContextEntry()
        var contextFile = "the command line"
        var contextField = "--cluster"
        if let contextName {
            guard let context = merged.contexts[contextName] else {
                let known = merged.contexts.keys.sorted()
                let knownText = known.isEmpty ? "no contexts are defined" : "the contexts defined are " + known.joined(separator: ", ")
                let origin: String
                if selection.context == nil, let current = merged.currentContext {
                    origin = " (current-context in \(current.file))"
                } else {
                    origin = " (from --context)"
                }
                throw KubeconfigError(
                    file: merged.currentContext?.file ?? merged.files.first, field: "contexts",
                    message: "The context \"\(contextName)\"\(origin) was not found in the contexts of \(merged.filesDescription); \(knownText).")
            }
            contextEntry = context.value
            contextFile = context.file
            contextField = "contexts[\(contextName)].context"
        }
        if let cluster = overrides.cluster, !cluster.isEmpty { contextEntry.cluster = cluster }
        if let user = overrides.user, !user.isEmpty { contextEntry.user = user }
        let contextLabel = contextName.map { "The context \"\($0)\" in \(contextFile)" } ?? "The command line"

        let clusterName = contextEntry.cluster ?? ""
        let cluster: MergedKubeconfig.Located<ClusterEntry>
        if clusterName.isEmpty {
            guard let server = overrides.server else {
                throw KubeconfigError(
                    file: contextFile, field: contextField + ".cluster",
                    message: "\(contextLabel) names no cluster (field \(contextField).cluster is empty).")
            }
            var entry = ClusterEntry()
            entry.server = server
            cluster = MergedKubeconfig.Located(value: entry, file: "the command line", index: 0)
        } else {
            guard let found = merged.clusters[clusterName] else {
                let origin = overrides.cluster == nil ? "(field \(contextField).cluster)" : "(from --cluster)"
                throw KubeconfigError(
                    file: contextFile, field: contextField + ".cluster",
                    message: "\(contextLabel) refers to the cluster \"\(clusterName)\" "
                        + "\(origin), which is not defined in the clusters of \(merged.filesDescription).")
            }
            cluster = found
        }

        var user: MergedKubeconfig.Located<UserEntry>?
        let userName = contextEntry.user.flatMap { $0.isEmpty ? nil : $0 }
        if let userName {
            guard let found = merged.users[userName] else {
                let origin = overrides.user == nil ? "(field \(contextField).user)" : "(from --user)"
                throw KubeconfigError(
                    file: contextFile, field: contextField + ".user",
                    message: "\(contextLabel) refers to the user \"\(userName)\" "
                        + "\(origin), which is not defined in the users of \(merged.filesDescription).")
            }
            user = found
        }

        var connection = try clusterConnection(
            clusterName: clusterName, cluster: cluster, selection: selection)
        connection.contextName = contextName
        connection.userName = userName
        connection.sourceFiles = merged.files
        if let namespace = selection.namespace, !namespace.isEmpty {
            connection.namespace = namespace
        } else if let namespace = contextEntry.namespace, !namespace.isEmpty {
            connection.namespace = namespace
        }
        if let user, let userName {
            connection.credentials = try credentials(
                userName: userName, user: user, connection: connection, environment: environment)
            connection.impersonation = try impersonation(userName: userName, user: user)
        }
        try applyOverrides(selection, to: &connection, environment: environment)
        return connection
    }

    /// Server, TLS trust and SNI of one `clusters[]` entry.
    static func clusterConnection(
        clusterName: String, cluster: MergedKubeconfig.Located<ClusterEntry>, selection: KubeconfigSelection
    ) throws -> ClusterConnection {
        let file = cluster.file
        let field = "clusters[\(clusterName)].cluster"
        let entry = cluster.value

        var proxy: ProxySetting?
        if let proxyURL = entry.proxyURL, !proxyURL.isEmpty {
            proxy = try ProxySetting.parse(
                proxyURL, origin: "\(field).proxy-url in \(file)", file: file, field: field + ".proxy-url")
        }
        guard let server = selection.overrides.server ?? entry.server, !server.isEmpty else {
            throw KubeconfigError(
                file: file, field: field + ".server",
                message: "The cluster \"\(clusterName)\" in \(file) has no server: set \(field).server to the API server's URL, e.g. https://127.0.0.1:6443.")
        }
        if selection.overrides.server != nil {
            try validateServerURL(server, file: nil, field: "--server", clusterName: clusterName)
        } else {
            try validateServerURL(server, file: file, field: field + ".server", clusterName: clusterName)
        }

        let insecureInFile = entry.insecureSkipTLSVerify ?? false
        let insecure = selection.insecureSkipTLSVerify ?? insecureInFile
        let hasCA = !(entry.certificateAuthority ?? "").isEmpty || !(entry.certificateAuthorityData ?? "").isEmpty
        if insecureInFile && hasCA && selection.insecureSkipTLSVerify == nil {
            throw KubeconfigError(
                file: file, field: field + ".insecure-skip-tls-verify",
                message: "The cluster \"\(clusterName)\" in \(file) sets both a certificate authority and "
                    + "\(field).insecure-skip-tls-verify: true; kubectl refuses this combination. Remove one of them.")
        }

        var certificates: [NIOSSLCertificate] = []
        var caPEM: [UInt8]?
        var trust = "the system trust store"
        if !insecure {
            if let data = entry.certificateAuthorityData, !data.isEmpty {
                let pem = try decodeBase64(data, file: file, field: field + ".certificate-authority-data")
                certificates = try parseCertificates(pem, file: file, field: field + ".certificate-authority-data", what: "CA certificate")
                caPEM = pem
                trust = "the inline certificate-authority-data of cluster \"\(clusterName)\" in \(file)"
            } else if let path = entry.certificateAuthority, !path.isEmpty {
                let resolved = resolvePath(path, relativeTo: file)
                let pem = try readFile(resolved, file: file, field: field + ".certificate-authority", what: "CA certificate file")
                certificates = try parseCertificates(pem, file: file, field: field + ".certificate-authority", what: "CA certificate", path: resolved)
                caPEM = pem
                trust = "the certificate-authority file \(resolved) (cluster \"\(clusterName)\" in \(file))"
            }
        }

        var warnings: [String] = []
        if insecure {
            trust = "nothing (TLS verification is off)"
            let origin = selection.insecureSkipTLSVerify == true ? "--insecure-skip-tls-verify" : "\(field).insecure-skip-tls-verify in \(file)"
            warnings.append(
                "Warning: TLS verification is off for \(server) (\(origin)); the API server's identity is not checked, "
                    + "so credentials and evidence could go to an impostor.")
        }

        return ClusterConnection(
            server: server, contextName: nil, clusterName: clusterName, userName: nil, namespace: "default",
            sourceFiles: [], caFingerprintSHA256: try certificates.first.map(fingerprint),
            tlsServerName: entry.tlsServerName.flatMap { $0.isEmpty ? nil : $0 },
            insecureSkipTLSVerify: insecure, trustDescription: trust, warnings: warnings, isInCluster: false,
            proxy: proxy, caCertificates: certificates, caPEM: caPEM, credentials: Credentials(method: .none, clientCertificate: nil))
    }

    static func validateServerURL(_ server: String, file: String?, field: String, clusterName: String) throws {
        guard let components = URLComponents(string: server),
            let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = components.host, !host.isEmpty
        else {
            if field == "--server" {
                throw KubeconfigError(
                    file: nil, field: field,
                    message: "The server \"\(server)\" given with --server is not a URL; expected something like https://127.0.0.1:6443.")
            }
            throw KubeconfigError(
                file: file, field: field,
                message: "The server \"\(server)\" of cluster \"\(clusterName)\" in \(file ?? "the configuration") "
                    + "(field \(field)) is not a URL; expected something like https://127.0.0.1:6443.")
        }
    }

    // MARK: - Helpers shared by clusters and users

    /// A path from a kubeconfig, resolved against the directory of the file that wrote it.
    static func resolvePath(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        return directory.appendingPathComponent(path).standardizedFileURL.path
    }

    static func readFile(_ path: String, file: String?, field: String, what: String) throws -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            let reason = (error as NSError).localizedDescription
            throw KubeconfigError(
                file: file, field: field,
                message: "The \(what) \(path) named by \(field) in \(file ?? "the configuration") cannot be read: \(reason)")
        }
    }

    static func decodeBase64(_ text: String, file: String?, field: String) throws -> [UInt8] {
        var cleaned = text.filter { !$0.isWhitespace }
        if cleaned.count % 4 != 0 { cleaned += String(repeating: "=", count: 4 - cleaned.count % 4) }
        guard let data = Data(base64Encoded: cleaned) else {
            throw KubeconfigError(
                file: file, field: field,
                message: "The field \(field) in \(file ?? "the configuration") is not valid base64; "
                    + "it must hold the base64 of a PEM file (e.g. the output of `base64 -w0 ca.crt`).")
        }
        return Array(data)
    }

    /// Where a PEM came from, as messages name it.
    static func pemSource(file: String?, field: String, path: String?) -> String {
        path.map { "the file \($0) (named by \(field) in \(file ?? "the configuration"))" } ?? "\(field) in \(file ?? "the configuration")"
    }

    static func parseCertificates(_ pem: [UInt8], file: String?, field: String, what: String, path: String? = nil) throws -> [NIOSSLCertificate] {
        let source = pemSource(file: file, field: field, path: path)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(pem)
        } catch {
            throw KubeconfigError(
                file: file, field: field,
                message: "The \(what) in \(source) is not valid PEM: \(error).")
        }
        guard !certificates.isEmpty else {
            throw KubeconfigError(
                file: file, field: field,
                message: "The \(what) in \(source) is not valid PEM: no \"BEGIN CERTIFICATE\" block was found.")
        }
        return certificates
    }

    static func parsePrivateKey(_ pem: [UInt8], file: String?, field: String, path: String? = nil) throws -> NIOSSLPrivateKey {
        let source = path.map { "the file \($0) (named by \(field) in \(file ?? "the configuration"))" }
            ?? "\(field) in \(file ?? "the configuration")"
        do {
            return try NIOSSLPrivateKey(bytes: pem, format: .pem)
        } catch {
            throw KubeconfigError(
                file: file, field: field,
                message: "The client key in \(source) is not a valid PEM private key (RSA or EC): \(error).")
        }
    }

    static func fingerprint(_ certificate: NIOSSLCertificate) throws -> String {
        let der = try certificate.toDERBytes()
        return SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
    }
}
