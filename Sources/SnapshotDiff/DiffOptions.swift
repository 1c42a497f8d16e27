import Foundation

/// What a diff leaves out on top of the built-in noise rules.
public struct DiffOptions: Sendable {
    /// Shell glob patterns (fnmatch) matched against a process's command
    /// line, its comm and its executable's file name: a process matching any
    /// of them is left out, and so are sockets only it holds.
    public var ignoreProcesses: [String]

    public init(ignoreProcesses: [String] = []) {
        self.ignoreProcesses = ignoreProcesses
    }

    func ignores(commandLine: String, comm: String?, exeName: String?) -> Bool {
        ignoreProcesses.contains { pattern in
            [commandLine, comm, exeName].contains { text in
                guard let text else { return false }
                return fnmatch(pattern, text, 0) == 0
            }
        }
    }
}
