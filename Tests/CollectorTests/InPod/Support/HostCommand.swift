import Foundation

/// Runs a program on the test machine and collects what it wrote. stdout and
/// stderr go to files, not pipes, so a chatty program cannot block on a full
/// pipe while the test waits for it.
struct HostCommand {
    struct Output {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `argv` under coreutils' `timeout`, so a hung program fails the test
    /// instead of hanging it.
    static func run(_ argv: [String], timeoutSeconds: Int = 60) throws -> Output {
        let directory = try TemporaryDirectory(prefix: "host-command")
        let outPath = directory.path + "/stdout"
        let errPath = directory.path + "/stderr"
        guard FileManager.default.createFile(atPath: outPath, contents: nil),
              FileManager.default.createFile(atPath: errPath, contents: nil) else {
            throw Failure(description: "cannot create the output files in \(directory.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["--kill-after=5", String(timeoutSeconds)] + argv
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        process.waitUntilExit()
        let stdout = [UInt8](try Data(contentsOf: URL(fileURLWithPath: outPath)))
        let stderr = String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self)
        if process.terminationStatus == 124 || process.terminationStatus == 137 {
            throw Failure(description: "\(argv.prefix(3).joined(separator: " ")) … did not finish within \(timeoutSeconds) s; stderr: \(stderr)")
        }
        return Output(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

/// A private temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init(prefix: String) throws {
        var template = Array("/tmp/kubectl-evidence-\(prefix).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw HostCommand.Failure(description: "cannot create a temporary directory under /tmp: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
