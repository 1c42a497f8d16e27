import Foundation
import TestSupport

/// Runs a program on the test machine and collects what it wrote. stdout and
/// stderr go to files, not pipes, so a chatty program cannot block on a full
/// pipe while the test waits for it.
struct HostCommand {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `argv` under coreutils' `timeout` (TestSupport's bounded run).
    static func run(_ argv: [String], timeoutSeconds: Int = 60) throws -> ProcessResult {
        try ProcessRunner.run(argv, timeoutSeconds: timeoutSeconds)
    }
}
