import Foundation
import TestSupport

/// Runs a program on the test machine and collects what it wrote. stdout and
/// stderr go to files, not pipes, so a chatty program cannot block on a full
/// pipe while the test waits for it.
struct HostCommand {
    struct Output {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String

        init(status: Int32, stdout: [UInt8], stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }

        init(_ result: ProcessResult) {
            self.init(status: result.status, stdout: result.stdoutBytes, stderr: result.stderr)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `argv` under coreutils' `timeout`, so a hung program fails the test
    /// instead of hanging it.
    static func run(_ argv: [String], timeoutSeconds: Int = 60) throws -> Output {
        let result = try ProcessRunner.run("/usr/bin/timeout", ["--kill-after=5", String(timeoutSeconds)] + argv,
                                           timeout: TimeInterval(timeoutSeconds + 10))
        if result.status == 124 || result.status == 137 {
            throw Failure(description: "\(argv.prefix(3).joined(separator: " ")) … did not finish within \(timeoutSeconds) s; stderr: \(result.stderr)")
        }
        return Output(result)
    }
}
