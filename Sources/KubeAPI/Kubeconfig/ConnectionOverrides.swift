import Foundation

/// kubectl's connection flags (`--server`, `--token`, `--as`, …): each one
/// overrides what the kubeconfig says, with kubectl's meaning.
///
/// File paths are as typed: relative ones resolve against the working
/// directory, not the kubeconfig's, as kubectl does for flags.
public struct ConnectionOverrides: Sendable, Equatable {
    /// `--server`: the API server URL. Also clears the kubeconfig's
    /// tls-server-name (kubectl: a new server needs its own name).
    public var server: String?
    /// `--cluster`: a cluster of the kubeconfig instead of the context's.
    public var cluster: String?
    /// `--user`: a user of the kubeconfig instead of the context's.
    public var user: String?
    /// `--token`: a bearer token instead of the user's token, token file or exec plugin.
    public var token: String?
    /// `--certificate-authority`: a CA file instead of the cluster's CA.
    public var certificateAuthority: String?
    /// `--client-certificate` and `--client-key`: a client certificate instead of the user's.
    public var clientCertificate: String?
    public var clientKey: String?
    /// `--tls-server-name`: the name checked in the server's certificate.
    public var tlsServerName: String?
    /// `--as`, `--as-uid`, `--as-group`.
    public var impersonateUser: String?
    public var impersonateUID: String?
    public var impersonateGroups: [String]

    public init(
        server: String? = nil, cluster: String? = nil, user: String? = nil, token: String? = nil,
        certificateAuthority: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil,
        tlsServerName: String? = nil, impersonateUser: String? = nil, impersonateUID: String? = nil,
        impersonateGroups: [String] = []
    ) {
        self.server = server
        self.cluster = cluster
        self.user = user
        self.token = token
        self.certificateAuthority = certificateAuthority
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.tlsServerName = tlsServerName
        self.impersonateUser = impersonateUser
        self.impersonateUID = impersonateUID
        self.impersonateGroups = impersonateGroups
    }

    /// True when nothing is overridden.
    public var isEmpty: Bool { self == ConnectionOverrides() }
}
