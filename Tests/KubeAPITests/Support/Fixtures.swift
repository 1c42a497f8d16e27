import Foundation

/// The responses recorded from a real v1.36 API server (../shared/k8s beside the repository).
enum Fixtures {
    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["KUBE_FIXTURES"] {
            return URL(fileURLWithPath: override)
        }
        // Tests/KubeAPITests/Support/Fixtures.swift → repository root → ../shared/k8s
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/k8s")
    }()

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(relativePath)))
    }

    /// Every file under `folder` whose name ends in `suffix`, as paths relative to the fixture directory.
    static func files(in folder: String, suffix: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(folder).path)
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { "\(folder)/\($0)" }
    }
}
