import Foundation
import TestSupport

/// A `collect` running in the background, so a test can act on the cluster while it
/// runs (delete or relabel a pod, send SIGINT) and then read how it ended.
final class BackgroundCollection: @unchecked Sendable {
    // @unchecked: the Process is only touched by the test that started it.
    private let process = Process()
    private let stdoutURL: URL
    private let stderrURL: URL

    init(_ cluster: ClusterUnderTest, _ arguments: [String], output: String) throws {
        stdoutURL = cluster.directory.appendingPathComponent("collect-\(UUID().uuidString.prefix(6)).out")
        stderrURL = cluster.directory.appendingPathComponent("collect-\(UUID().uuidString.prefix(6)).err")
        for url in [stdoutURL, stderrURL] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        process.executableURL = URL(fileURLWithPath: ToolBinary.path)
        process.arguments = ["collect", "--kubeconfig", cluster.kubeconfig, "--image", ClusterUnderTest.image, "-o", output] + arguments
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    func interrupt() { kill(process.processIdentifier, SIGINT) }

    /// The collector's process id (to find its connections).
    var pid: Int32 { process.processIdentifier }

    /// Waits for the run to end (killing it after `timeout`) and returns how it ended.
    func finish(timeout: TimeInterval = 240) throws -> ProcessResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw TestFailure("collect did not finish within \(Int(timeout)) s; stderr: \(stderr)")
        }
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "", stderr: stderr)
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

extension ClusterUnderTest {
    /// Polls until `condition` holds (every 0.1 s), or fails after `timeout`.
    func waitFor(_ what: String, timeout: TimeInterval = 60, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TestFailure("\(what) did not happen within \(Int(timeout)) s")
    }
}
