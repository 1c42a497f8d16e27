/// The kubeconfig file format (`apiVersion: v1`, `kind: Config`), only the
/// fields kubectl-evidence reads or must refuse. Unknown fields are ignored,
/// as kubectl ignores them.
struct KubeconfigDocument: Decodable {
    var clusters: [NamedCluster]
    var contexts: [NamedContext]
    var users: [NamedUser]
    var currentContext: String?

    enum CodingKeys: String, CodingKey {
        case clusters, contexts, users
        case currentContext = "current-context"
    }

    init() {
        clusters = []
        contexts = []
        users = []
        currentContext = nil
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        clusters = try c.decodeIfPresent([NamedCluster].self, forKey: .clusters) ?? []
        contexts = try c.decodeIfPresent([NamedContext].self, forKey: .contexts) ?? []
        users = try c.decodeIfPresent([NamedUser].self, forKey: .users) ?? []
        currentContext = try c.decodeIfPresent(String.self, forKey: .currentContext)
    }

    var isEmpty: Bool {
        clusters.isEmpty && contexts.isEmpty && users.isEmpty && (currentContext ?? "").isEmpty
    }
}

struct NamedCluster: Decodable {
    var name: String
    var cluster: ClusterEntry

    enum CodingKeys: String, CodingKey { case name, cluster }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        cluster = try c.decodeIfPresent(ClusterEntry.self, forKey: .cluster) ?? ClusterEntry()
    }
}

struct ClusterEntry: Decodable {
    var server: String?
    var certificateAuthority: String?
    var certificateAuthorityData: String?
    var tlsServerName: String?
    var insecureSkipTLSVerify: Bool?
    var proxyURL: String?

    enum CodingKeys: String, CodingKey {
        case server
        case certificateAuthority = "certificate-authority"
        case certificateAuthorityData = "certificate-authority-data"
        case tlsServerName = "tls-server-name"
        case insecureSkipTLSVerify = "insecure-skip-tls-verify"
        case proxyURL = "proxy-url"
    }

    init() {}
}

struct NamedContext: Decodable {
    var name: String
    var context: ContextEntry

    enum CodingKeys: String, CodingKey { case name, context }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        context = try c.decodeIfPresent(ContextEntry.self, forKey: .context) ?? ContextEntry()
    }
}

struct ContextEntry: Decodable {
    var cluster: String?
    var user: String?
    var namespace: String?

    init() {}
}

struct NamedUser: Decodable {
    var name: String
    var user: UserEntry

    enum CodingKeys: String, CodingKey { case name, user }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        user = try c.decodeIfPresent(UserEntry.self, forKey: .user) ?? UserEntry()
    }
}

struct UserEntry: Decodable {
    var token: String?
    var tokenFile: String?
    var clientCertificate: String?
    var clientCertificateData: String?
    var clientKey: String?
    var clientKeyData: String?
    var username: String?
    var password: String?
    var exec: ExecEntry?
    var authProvider: AuthProviderEntry?
    /// Impersonation (`kubectl config set-credentials --as`): honoured, never ignored.
    var impersonate: String?
    var impersonateUID: String?
    var impersonateGroups: [String]?
    var impersonateUserExtra: [String: [String]]?

    enum CodingKeys: String, CodingKey {
        case token, tokenFile, username, password, exec
        case impersonate = "as"
        case impersonateUID = "as-uid"
        case impersonateGroups = "as-groups"
        case impersonateUserExtra = "as-user-extra"
        case clientCertificate = "client-certificate"
        case clientCertificateData = "client-certificate-data"
        case clientKey = "client-key"
        case clientKeyData = "client-key-data"
        case authProvider = "auth-provider"
    }

    init() {}
}

struct AuthProviderEntry: Decodable {
    var name: String?
}

struct ExecEntry: Decodable {
    var apiVersion: String?
    var command: String?
    var args: [String]?
    var env: [ExecEnvVar]?
    var installHint: String?
    var provideClusterInfo: Bool?
    var interactiveMode: String?
}

struct ExecEnvVar: Decodable {
    var name: String
    var value: String
}
