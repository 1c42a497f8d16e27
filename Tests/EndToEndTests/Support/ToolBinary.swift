import Foundation
import TestSupport

/// Where the built `kubectl-evidence` binary is. `scripts/test` builds it
/// before the tests run; the tests run it as a user would.
enum ToolBinary {
    static let path: String = locate("kubectl-evidence", override: "KUBECTL_EVIDENCE_BIN")

    /// The lab cluster's own program, built beside the tool.
    static let labPath: String = locate("kubelab", override: "KUBELAB_BIN")

    /// The directory holding the binary, for PATH (kubectl finds plugins there).
    static var directory: String { URL(fileURLWithPath: path).deletingLastPathComponent().path }

    private static func locate(_ name: String, override: String) -> String {
        if let explicit = ProcessInfo.processInfo.environment[override] { return explicit }
        // The test bundle sits beside the products of the same build.
        var candidates: [URL] = []
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = argv0.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent(name))
            directory = directory.deletingLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate.path
            }
        }
        return packageRoot.appendingPathComponent(".build/debug/\(name)").path
    }

    static func run(_ arguments: [String], environment: [String: String]? = nil, timeout: TimeInterval = 120) throws -> ProcessResult {
        try ProcessRunner.run(path, arguments, environment: environment, timeout: timeout)
    }
}
