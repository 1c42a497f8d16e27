import Foundation

/// Why the runtime could not do what it was asked. Each message names the pod, container,
/// file or tool concerned, so that it can be shown as is.
public struct LabRuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The lab needs root for namespaces, mounts and cgroups.
        case needsRoot
        /// A tool the runtime runs (unshare, nsenter, setpriv, busybox…) is missing.
        case missingTool
        /// The image store has no such image; `message` is worded as the kubelet's ErrImagePull.
        case imagePullFailed
        /// The image reference cannot be parsed (the kubelet's InvalidImageName).
        case invalidImageName
        /// The pod sandbox (the pause process) did not come up.
        case sandboxFailed
        /// A container name that the pod does not have, or already has.
        case unknownContainer
        case duplicateContainer
        /// The pod was stopped; nothing more can run in it.
        case podStopped
        /// A file or directory of the state directory could not be written.
        case stateDirectory
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func needsRoot(uid: uid_t) -> LabRuntimeError {
        LabRuntimeError(
            .needsRoot,
            "The lab runtime needs root (it runs as uid \(uid)): lab pods are real Linux namespaces, mounts and cgroups, "
                + "created with unshare and nsenter. Run the lab as root (for example with sudo) or in a container that grants it.")
    }

    static func missingTool(_ path: String, package: String) -> LabRuntimeError {
        LabRuntimeError(
            .missingTool,
            "The lab runtime needs \(path) and cannot find it or run it; install the Debian package \(package).")
    }
}
