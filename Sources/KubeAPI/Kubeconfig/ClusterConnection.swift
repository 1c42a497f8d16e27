import Foundation
import NIOSSL

/// Everything needed to talk to one API server as one user: the result of
/// reading the kubeconfig (or the in-cluster service account).
///
/// Certificates and keys are already parsed, so a broken kubeconfig fails in
/// `KubeconfigLoader.load`, before any request, with the file and field named.
public struct ClusterConnection: Sendable {
    /// e.g. `https://127.0.0.1:6443`.
    public var server: String
    /// nil for in-cluster configuration.
    public var contextName: String?
    public var clusterName: String?
    public var userName: String?
    /// `-n`, else the context's namespace, else `default` (in-cluster: the service account's namespace file).
    public var namespace: String
    /// Kubeconfig files that were read, in order (empty in-cluster).
    public var sourceFiles: [String]
    /// Hex SHA-256 of the DER of the first CA certificate used; nil when the system roots are used.
    public var caFingerprintSHA256: String?
    /// `tls-server-name`: the name used for SNI and for checking the server's certificate.
    public var tlsServerName: String?
    /// True only when the kubeconfig (or the command line) says so.
    public var insecureSkipTLSVerify: Bool
    /// Says where the trusted CA came from, for TLS error messages
    /// ("the certificate-authority file /x/ca.crt (cluster "lab" in /y/config)").
    public var trustDescription: String
    /// Things to tell the user before connecting (e.g. TLS verification is off).
    public var warnings: [String]
    /// True when built from the pod's service account rather than a kubeconfig.
    public var isInCluster: Bool

    /// Who the requests act as when not the authenticated user (`--as`, or `as:` in the kubeconfig).
    public var impersonation: Impersonation?
    /// The proxy requests go through (`proxy-url`, HTTPS_PROXY), nil for a direct connection.
    public var proxy: ProxySetting?

    var caCertificates: [NIOSSLCertificate]
    /// The CA as PEM, handed to exec plugins that ask for cluster info.
    var caPEM: [UInt8]?
    var credentials: Credentials

    /// A short, secret-free description of how requests authenticate
    /// ("client certificate", "bearer token", "exec plugin aws-iam-authenticator"…).
    public var authenticationSummary: String { credentials.summary }
}

/// How requests authenticate. A client certificate may accompany a token or basic auth.
struct Credentials: Sendable {
    enum Method: Sendable {
        case none
        case bearerToken(String)
        /// Re-read periodically, as client-go does (service-account tokens rotate).
        case tokenFile(path: String)
        case basic(username: String, password: String)
        case exec(ExecPluginConfig)
    }

    var method: Method
    var clientCertificate: ClientCertificate?

    var summary: String {
        var parts: [String] = []
        switch method {
        case .none: break
        case .bearerToken: parts.append("bearer token")
        case .tokenFile(let path): parts.append("bearer token from \(path)")
        case .basic(let username, _): parts.append("basic auth as \(username)")
        case .exec(let config): parts.append("exec plugin \(config.command)")
        }
        if clientCertificate != nil { parts.append("client certificate") }
        return parts.isEmpty ? "no credentials" : parts.joined(separator: " + ")
    }
}

/// A client certificate chain and its private key, parsed from PEM.
struct ClientCertificate: Sendable {
    var chain: [NIOSSLCertificate]
    var key: NIOSSLPrivateKey
    /// Where it came from, for messages: a kubeconfig field, a file, a flag, an exec plugin.
    var origin: String
}

/// A `users[].user.exec` entry, with its command resolved.
struct ExecPluginConfig: Sendable {
    var apiVersion: String
    /// As written in the kubeconfig, made absolute when it contained a slash.
    var command: String
    var args: [String]
    var env: [(name: String, value: String)]
    var installHint: String?
    var provideClusterInfo: Bool
    /// The kubeconfig file that defined the user, for error messages.
    var file: String?
    var userName: String?
    /// The environment the plugin inherits (the caller's, injectable for tests).
    var baseEnvironment: [String: String]
}
