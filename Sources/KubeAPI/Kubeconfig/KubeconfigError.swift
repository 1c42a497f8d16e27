import Foundation

/// A kubeconfig (or in-cluster configuration) that cannot be used, said in a
/// sentence that names the file and the field to fix.
public struct KubeconfigError: Error, Sendable, Equatable, LocalizedError, CustomStringConvertible {
    /// The file at fault, when there is one.
    public var file: String?
    /// The field at fault, written as a path such as `clusters[lab].cluster.server`.
    public var field: String?
    /// The full sentence(s) shown to the user.
    public var message: String

    public init(file: String?, field: String?, message: String) {
        self.file = file
        self.field = field
        self.message = message
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}

/// A failure to obtain credentials from an exec plugin (client.authentication.k8s.io).
public struct ExecPluginError: Error, Sendable, Equatable, LocalizedError, CustomStringConvertible {
    public var command: String
    /// The kubeconfig file whose user defined the plugin.
    public var file: String?
    public var message: String

    public init(command: String, file: String?, message: String) {
        self.command = command
        self.file = file
        self.message = message
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}
