import Foundation
import TestSupport

/// A lab cluster running as its own process (`kubelab start`),
/// exactly as a user or the demo starts it. Stopped with SIGTERM, as a user
/// stops it with Ctrl-C.
final class LabProcess: @unchecked Sendable {
    // @unchecked: the Process is only touched from the creating test and in stop().
    let directory: URL
    let kubeconfig: String
    let serverURL: String
    private let process: Process

    static func start(topology: String? = nil) throws -> LabProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let kubeconfig = directory.appendingPathComponent("kubeconfig").path
        let log = directory.appendingPathComponent("lab.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ToolBinary.labPath)
        var arguments = ["start", "--kubeconfig", kubeconfig]
        if let topology { arguments += ["--topology", topology] }
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains("kubelab ready") }),
               let range = line.range(of: "https://") {
                let url = line[range.lowerBound...].prefix { $0 != "," && $0 != " " }
                return LabProcess(directory: directory, kubeconfig: kubeconfig, serverURL: String(url), process: process)
            }
            if !process.isRunning {
                throw TestFailure("the lab exited with status \(process.terminationStatus) before it was ready:\n\(text)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        throw TestFailure("the lab did not say it was ready within 60 s")
    }

    private init(directory: URL, kubeconfig: String, serverURL: String, process: Process) {
        self.directory = directory
        self.kubeconfig = kubeconfig
        self.serverURL = serverURL
        self.process = process
    }

    /// Runs the real kubectl against this lab.
    func kubectl(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run("/usr/bin/env", ["kubectl", "--kubeconfig", kubeconfig,
                                               "--cache-dir", directory.appendingPathComponent("kubectl-cache").path] + arguments)
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

extension LabProcess {
    /// Switches lab faults on or off through the lab's admin endpoint, with
    /// the real kubectl (`replace --raw` sends a PUT with the admin's certificate).
    func setFaults(_ json: String) throws {
        let file = directory.appendingPathComponent("faults-\(UUID().uuidString).json")
        try json.write(to: file, atomically: true, encoding: .utf8)
        let result = try kubectl(["replace", "--raw", "/kubelab/v1/faults", "-f", file.path])
        if result.status != 0 { throw TestFailure("setting lab faults failed: \(result.stderr)") }
    }

    /// A fresh path for a bundle in this lab's directory.
    func bundlePath(_ name: String = "bundle") -> String {
        directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).tar.gz").path
    }
}
