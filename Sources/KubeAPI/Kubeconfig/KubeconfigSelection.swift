import Foundation

/// What the user asked for on the command line; `KubeconfigLoader` turns it
/// into a `ClusterConnection` the way kubectl would.
public struct KubeconfigSelection: Sendable, Equatable {
    /// `--kubeconfig`: only this file is read, and it must exist.
    public var explicitPath: String?
    /// `--context`: instead of the kubeconfig's current-context.
    public var context: String?
    /// `--namespace` / `-n`: overrides the context's namespace.
    public var namespace: String?
    /// `--insecure-skip-tls-verify`; nil means "as the kubeconfig says".
    public var insecureSkipTLSVerify: Bool?
    /// `--server`, `--token`, `--as` and the other connection flags.
    public var overrides: ConnectionOverrides
    /// `--allow-http-credentials`: send a token or password over plain `http://`.
    public var allowHTTPCredentials: Bool = false

    public init(
        explicitPath: String? = nil, context: String? = nil, namespace: String? = nil, insecureSkipTLSVerify: Bool? = nil,
        overrides: ConnectionOverrides = ConnectionOverrides()
    ) {
        self.explicitPath = explicitPath
        self.context = context
        self.namespace = namespace
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.overrides = overrides
    }
}
