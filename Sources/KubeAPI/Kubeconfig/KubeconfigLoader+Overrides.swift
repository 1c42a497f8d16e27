import Foundation

extension KubeconfigLoader {
    /// A kubeconfig user's `as`, `as-uid`, `as-groups` and `as-user-extra`.
    /// Groups, a uid or extras without `as` are refused, as client-go refuses them.
    static func impersonation(userName: String, user: MergedKubeconfig.Located<UserEntry>) throws -> Impersonation? {
        let entry = user.value
        let field = "users[\(userName)].user"
        let groups = entry.impersonateGroups ?? []
        let extra = entry.impersonateUserExtra ?? [:]
        guard let name = entry.impersonate, !name.isEmpty else {
            if !groups.isEmpty || !(entry.impersonateUID ?? "").isEmpty || !extra.isEmpty {
                throw KubeconfigError(
                    file: user.file, field: field + ".as",
                    message: "The user \"\(userName)\" in \(user.file) sets as-groups, as-uid or as-user-extra without as "
                        + "(\(field).as): impersonating groups needs a user to impersonate. Set \(field).as or remove the others.")
            }
            return nil
        }
        return Impersonation(
            user: name, uid: entry.impersonateUID.flatMap { $0.isEmpty ? nil : $0 }, groups: groups, extra: extra,
            origin: "\(field).as in \(user.file)")
    }

    /// Applies kubectl's connection flags over what the kubeconfig (or the
    /// service account) gave, then picks the proxy from the environment when
    /// the kubeconfig named none.
    static func applyOverrides(
        _ selection: KubeconfigSelection, to connection: inout ClusterConnection, environment: [String: String]
    ) throws {
        let overrides = selection.overrides
        func nonEmpty(_ text: String?) -> String? { (text ?? "").isEmpty ? nil : text }

        // kubectl: a new --server clears the kubeconfig's tls-server-name unless one is given too.
        if nonEmpty(overrides.server) != nil || nonEmpty(overrides.tlsServerName) != nil {
            connection.tlsServerName = nonEmpty(overrides.tlsServerName)
        }

        if let path = nonEmpty(overrides.certificateAuthority) {
            if selection.insecureSkipTLSVerify == true {
                throw KubeconfigError(
                    file: nil, field: "--certificate-authority",
                    message: "--certificate-authority and --insecure-skip-tls-verify contradict each other: "
                        + "one says which CA to trust, the other to trust anything. Drop one of them.")
            }
            let resolved = absolute(path, environment: environment)
            let pem = try flagFile(resolved, flag: "--certificate-authority", what: "CA certificate file")
            let certificates = try parseCertificates(
                pem, file: nil, field: "--certificate-authority", what: "CA certificate", path: resolved)
            connection.caCertificates = certificates
            connection.caPEM = pem
            connection.caFingerprintSHA256 = try certificates.first.map(fingerprint)
            connection.insecureSkipTLSVerify = false
            connection.trustDescription = "the certificate-authority file \(resolved) (--certificate-authority)"
            connection.warnings.removeAll { $0.hasPrefix("Warning: TLS verification is off") }
        }

        if let token = nonEmpty(overrides.token) {
            if case .basic(let username, _) = connection.credentials.method {
                throw KubeconfigError(
                    file: connection.sourceFiles.first, field: "--token",
                    message: "--token cannot be used with the user \"\(connection.userName ?? "")\", who logs in with "
                        + "username/password (basic auth as \(username)); kubectl allows only one. Pick another --user, or drop --token.")
            }
            connection.credentials.method = .bearerToken(token)
        }

        switch (nonEmpty(overrides.clientCertificate), nonEmpty(overrides.clientKey)) {
        case (nil, nil):
            break
        case (.some(let certificatePath), .some(let keyPath)):
            let certificateFile = absolute(certificatePath, environment: environment)
            let keyFile = absolute(keyPath, environment: environment)
            let chain = try parseCertificates(
                try flagFile(certificateFile, flag: "--client-certificate", what: "client certificate file"),
                file: nil, field: "--client-certificate", what: "client certificate", path: certificateFile)
            let key = try parsePrivateKey(
                try flagFile(keyFile, flag: "--client-key", what: "client key file"),
                file: nil, field: "--client-key", path: keyFile)
            connection.credentials.clientCertificate = ClientCertificate(chain: chain, key: key, origin: "the file \(certificateFile) (--client-certificate)")
        case (.some, nil), (nil, .some):
            throw KubeconfigError(
                file: nil, field: overrides.clientKey == nil ? "--client-key" : "--client-certificate",
                message: "--client-certificate and --client-key go together: give both files, the certificate and its private key.")
        }

        try applyImpersonation(overrides, to: &connection)

        try checkServerUserInfo(connection)
        try checkPlainHTTP(selection, &connection)

        if connection.proxy == nil {
            connection.proxy = try ProxySetting.fromEnvironment(server: connection.server, environment: environment)
        }
        if let proxy = connection.proxy, let name = connection.tlsServerName,
            name.lowercased() != URLComponents(string: connection.server)?.host?.lowercased()
        {
            throw KubeconfigError(
                file: connection.sourceFiles.first, field: "tls-server-name",
                message: "The connection to \(connection.server) goes through the proxy \(proxy.displayURL) (\(proxy.origin)) "
                    + "and checks the certificate for the name \(name) (tls-server-name); kubectl-evidence cannot do both, "
                    + "because the tunnel would be opened to \(name) instead of the server. Drop one of them.")
        }
    }

    /// A `server: https://user:password@host` would carry a secret into every
    /// message, log line (`-v 6`) and manifest that names the server; the user's
    /// credentials belong in its `user` entry. Refused, naming only the host.
    static func checkServerUserInfo(_ connection: ClusterConnection) throws {
        guard var components = URLComponents(string: connection.server), components.user != nil || components.password != nil else { return }
        components.user = nil
        components.password = nil
        throw KubeconfigError(
            file: connection.sourceFiles.first, field: "server",
            message: "The server URL \(components.string ?? "")\(connection.clusterName.map { " of cluster \"\($0)\"" } ?? "")\(connection.sourceFiles.first.map { " in \($0)" } ?? "") carries a user name or password before its host; "
                + "kubectl-evidence does not send credentials from a URL, nor print them. Put them in the kubeconfig's user "
                + "(token, username and password, or a client certificate) and give the server as https://host:port.")
    }

    /// A server reached over `http://` sees no TLS: anyone on the path reads the
    /// evidence, and a bearer token or password with it. kubectl sends them
    /// anyway; this tool warns, and refuses to send credentials unless asked to
    /// with `--allow-http-credentials` (a lab behind `kubectl proxy` is the one
    /// honest use).
    static func checkPlainHTTP(_ selection: KubeconfigSelection, _ connection: inout ClusterConnection) throws {
        guard URLComponents(string: connection.server)?.scheme?.lowercased() == "http" else { return }
        let sendsSecret: Bool
        switch connection.credentials.method {
        case .none: sendsSecret = false
        case .bearerToken, .tokenFile, .basic, .exec: sendsSecret = true
        }
        if sendsSecret && !selection.allowHTTPCredentials {
            throw KubeconfigError(
                file: connection.sourceFiles.first, field: "server",
                message: "The server \(connection.server) is plain http://, and this user would send its credentials "
                    + "(\(connection.authenticationSummary)) unencrypted to anyone on the path. Use the server's https:// URL; "
                    + "if this really is a local `kubectl proxy` or a lab, add --allow-http-credentials.")
        }
        connection.warnings.append(
            "Warning: the connection to \(connection.server) is plain http://: nothing is encrypted, and the server's identity is not checked"
                + (sendsSecret ? "; the credentials go with every request (--allow-http-credentials)." : "."))
    }

    /// `--as`, `--as-uid`, `--as-group` over the kubeconfig's `as:` fields.
    private static func applyImpersonation(_ overrides: ConnectionOverrides, to connection: inout ClusterConnection) throws {
        let uid = (overrides.impersonateUID ?? "").isEmpty ? nil : overrides.impersonateUID
        let groups = overrides.impersonateGroups
        if let user = overrides.impersonateUser, !user.isEmpty {
            var flags = ["--as"]
            if uid != nil { flags.append("--as-uid") }
            if !groups.isEmpty { flags.append("--as-group") }
            connection.impersonation = Impersonation(user: user, uid: uid, groups: groups, origin: flags.joined(separator: " "))
            return
        }
        guard uid != nil || !groups.isEmpty else { return }
        guard var impersonation = connection.impersonation else {
            throw KubeconfigError(
                file: nil, field: "--as",
                message: "--as-group and --as-uid need a user to impersonate: add --as NAME (e.g. --as jane --as-group ops).")
        }
        if let uid { impersonation.uid = uid }
        if !groups.isEmpty { impersonation.groups = groups }
        impersonation.origin += groups.isEmpty ? ", with --as-uid" : ", with --as-group"
        connection.impersonation = impersonation
    }

    private static func flagFile(_ path: String, flag: String, what: String) throws -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw KubeconfigError(
                file: nil, field: flag,
                message: "The \(what) \(path) given with \(flag) cannot be read: \((error as NSError).localizedDescription)")
        }
    }
}
