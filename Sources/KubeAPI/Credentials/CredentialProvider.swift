import Foundation

/// The `Authorization` header and client certificate for the next request,
/// with the caching kubectl does: token files re-read every minute (projected
/// service-account tokens rotate), exec credentials kept until their
/// expirationTimestamp, and both refreshed once after a 401.
actor CredentialProvider {
    struct Current: Sendable {
        var authorization: String?
        /// A certificate an exec plugin returned (the kubeconfig's own is in the client's TLS configuration).
        var pluginCertificate: ClientCertificate?
        /// Changes whenever a new credential is obtained, so a 401 invalidates only the one that failed.
        var generation: Int
    }

    private let credentials: Credentials
    private let clusterInfo: ExecPluginRunner.ClusterInfo
    private var cachedToken: (value: String, readAt: Date)?
    private var cachedExec: ExecCredential?
    private var inFlight: Task<ExecCredential, any Error>?
    private var generation = 0
    private static let tokenFileRefresh: TimeInterval = 60

    init(connection: ClusterConnection) {
        self.credentials = connection.credentials
        self.clusterInfo = ExecPluginRunner.clusterInfo(for: connection)
    }

    /// True when a 401 may be cured by fetching the credential again.
    nonisolated var canRenew: Bool {
        switch credentials.method {
        case .exec, .tokenFile: return true
        default: return false
        }
    }

    func current() async throws -> Current {
        switch credentials.method {
        case .none:
            return Current(authorization: nil, pluginCertificate: nil, generation: generation)
        case .bearerToken(let token):
            return Current(authorization: "Bearer \(token)", pluginCertificate: nil, generation: generation)
        case .basic(let username, let password):
            let encoded = Data("\(username):\(password)".utf8).base64EncodedString()
            return Current(authorization: "Basic \(encoded)", pluginCertificate: nil, generation: generation)
        case .tokenFile(let path):
            if let cached = cachedToken, Date().timeIntervalSince(cached.readAt) < Self.tokenFileRefresh {
                return Current(authorization: "Bearer \(cached.value)", pluginCertificate: nil, generation: generation)
            }
            let token = try readToken(path)
            cachedToken = (token, Date())
            generation += 1
            return Current(authorization: "Bearer \(token)", pluginCertificate: nil, generation: generation)
        case .exec(let config):
            let credential = try await execCredential(config)
            return Current(
                authorization: credential.token.map { "Bearer \($0)" },
                pluginCertificate: credential.clientCertificate,
                generation: generation)
        }
    }

    /// Forgets the credential of `generation` after the server rejected it with 401.
    func invalidate(generation failed: Int) {
        guard failed == generation else { return }  // another request already renewed it
        cachedToken = nil
        cachedExec = nil
    }

    private func execCredential(_ config: ExecPluginConfig) async throws -> ExecCredential {
        if let cached = cachedExec, cached.expiry.map({ $0 > Date() }) ?? true {
            return cached
        }
        // Concurrent requests share one plugin run.
        if let inFlight { return try await inFlight.value }
        let clusterInfo = self.clusterInfo
        let task = Task { try await ExecPluginRunner.run(config, cluster: clusterInfo) }
        inFlight = task
        defer { inFlight = nil }
        let credential = try await task.value
        cachedExec = credential
        generation += 1
        return credential
    }

    private func readToken(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeconfigError(file: path, field: "tokenFile", message: "The token file \(path) cannot be read.")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw KubeconfigError(file: path, field: "tokenFile", message: "The token file \(path) is empty.")
        }
        return token
    }
}
