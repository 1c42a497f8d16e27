import Foundation
import NIOSSL

extension KubeconfigLoader {
    /// The credentials of one `users[]` entry: token, token file, basic auth,
    /// client certificate, exec plugin. auth-provider is refused by name.
    static func credentials(
        userName: String, user: MergedKubeconfig.Located<UserEntry>, connection: ClusterConnection,
        environment: [String: String]
    ) throws -> Credentials {
        let file = user.file
        let field = "users[\(userName)].user"
        let entry = user.value

        if let provider = entry.authProvider {
            let name = provider.name.map { " \"\($0)\"" } ?? ""
            throw KubeconfigError(
                file: file, field: field + ".auth-provider",
                message: "The user \"\(userName)\" in \(file) uses the auth-provider\(name) (\(field).auth-provider), "
                    + "which kubectl-evidence does not support (kubectl removed the built-in providers too). "
                    + "Use an exec plugin, e.g. kubelogin or gke-gcloud-auth-plugin, instead.")
        }

        let hasToken = !(entry.token ?? "").isEmpty || !(entry.tokenFile ?? "").isEmpty
        let hasBasic = !(entry.username ?? "").isEmpty || !(entry.password ?? "").isEmpty
        if hasToken && hasBasic {
            throw KubeconfigError(
                file: file, field: field,
                message: "The user \"\(userName)\" in \(file) sets both a token and username/password (\(field)); "
                    + "kubectl allows only one of them. Remove one.")
        }

        var method = Credentials.Method.none
        if let token = entry.token, !token.isEmpty {
            method = .bearerToken(token)
        } else if let tokenFile = entry.tokenFile, !tokenFile.isEmpty {
            let path = resolvePath(tokenFile, relativeTo: file)
            let token = try readFile(path, file: file, field: field + ".tokenFile", what: "token file")
            if String(decoding: token, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw KubeconfigError(
                    file: file, field: field + ".tokenFile",
                    message: "The token file \(path) named by \(field).tokenFile in \(file) is empty.")
            }
            method = .tokenFile(path: path)
        } else if hasBasic {
            method = .basic(username: entry.username ?? "", password: entry.password ?? "")
        }

        if let exec = entry.exec {
            if hasToken || hasBasic {
                throw KubeconfigError(
                    file: file, field: field + ".exec",
                    message: "The user \"\(userName)\" in \(file) sets both an exec plugin (\(field).exec) and a token or password; use only one.")
            }
            method = .exec(try execConfig(exec, userName: userName, file: file, field: field + ".exec", connection: connection, environment: environment))
        }

        let clientCertificate = try clientCertificate(entry, userName: userName, file: file, field: field)
        return Credentials(method: method, clientCertificate: clientCertificate)
    }

    static func clientCertificate(_ entry: UserEntry, userName: String, file: String, field: String) throws -> ClientCertificate? {
        var certificatePEM: [UInt8]?
        var certificateField = field + ".client-certificate-data"
        var certificatePath: String?
        if let data = entry.clientCertificateData, !data.isEmpty {
            certificatePEM = try decodeBase64(data, file: file, field: certificateField)
        } else if let path = entry.clientCertificate, !path.isEmpty {
            certificateField = field + ".client-certificate"
            let resolved = resolvePath(path, relativeTo: file)
            certificatePath = resolved
            certificatePEM = try readFile(resolved, file: file, field: certificateField, what: "client certificate file")
        }

        var keyPEM: [UInt8]?
        var keyField = field + ".client-key-data"
        var keyPath: String?
        if let data = entry.clientKeyData, !data.isEmpty {
            keyPEM = try decodeBase64(data, file: file, field: keyField)
        } else if let path = entry.clientKey, !path.isEmpty {
            keyField = field + ".client-key"
            let resolved = resolvePath(path, relativeTo: file)
            keyPath = resolved
            keyPEM = try readFile(resolved, file: file, field: keyField, what: "client key file")
        }

        switch (certificatePEM, keyPEM) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw KubeconfigError(
                file: file, field: field + ".client-key",
                message: "The user \"\(userName)\" in \(file) has a client certificate (\(certificateField)) but no key: "
                    + "set \(field).client-key or \(field).client-key-data.")
        case (nil, .some):
            throw KubeconfigError(
                file: file, field: field + ".client-certificate",
                message: "The user \"\(userName)\" in \(file) has a client key (\(keyField)) but no certificate: "
                    + "set \(field).client-certificate or \(field).client-certificate-data.")
        case (.some(let certificatePEM), .some(let keyPEM)):
            let chain = try parseCertificates(
                certificatePEM, file: file, field: certificateField, what: "client certificate", path: certificatePath)
            let key = try parsePrivateKey(keyPEM, file: file, field: keyField, path: keyPath)
            return ClientCertificate(chain: chain, key: key, origin: pemSource(file: file, field: certificateField, path: certificatePath))
        }
    }

    static func execConfig(
        _ exec: ExecEntry, userName: String, file: String, field: String, connection: ClusterConnection,
        environment: [String: String]
    ) throws -> ExecPluginConfig {
        guard let command = exec.command, !command.isEmpty else {
            throw KubeconfigError(
                file: file, field: field + ".command",
                message: "The exec plugin of user \"\(userName)\" in \(file) has no command (\(field).command).")
        }
        let supported = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]
        guard let apiVersion = exec.apiVersion, supported.contains(apiVersion) else {
            throw KubeconfigError(
                file: file, field: field + ".apiVersion",
                message: "The exec plugin of user \"\(userName)\" in \(file) has apiVersion "
                    + "\"\(exec.apiVersion ?? "")\" (\(field).apiVersion); supported are \(supported.joined(separator: " and ")).")
        }
        // kubectl resolves a command with a slash against the kubeconfig's directory; a bare name goes through PATH.
        let resolved = command.contains("/") ? resolvePath(command, relativeTo: file) : command
        return ExecPluginConfig(
            apiVersion: apiVersion, command: resolved, args: exec.args ?? [],
            env: (exec.env ?? []).map { ($0.name, $0.value) }, installHint: exec.installHint,
            provideClusterInfo: exec.provideClusterInfo ?? false, file: file, userName: userName,
            baseEnvironment: environment)
    }
}
