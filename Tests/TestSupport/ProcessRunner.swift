import Foundation
import Synchronization

/// What a real program printed, and how it ended.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdoutBytes: [UInt8]
    public var stderrBytes: [UInt8]

    public init(status: Int32, stdoutBytes: [UInt8], stderrBytes: [UInt8]) {
        self.status = status
        self.stdoutBytes = stdoutBytes
        self.stderrBytes = stderrBytes
    }

    /// For results made by hand (a program run some other way, a default before the first try).
    public init(status: Int32, stdout: String, stderr: String) {
        self.init(status: status, stdoutBytes: Array(stdout.utf8), stderrBytes: Array(stderr.utf8))
    }

    public var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
    public var stderr: String { String(decoding: stderrBytes, as: UTF8.self) }
}

/// A test that cannot go on, in a sentence.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs real programs (the built tool, kubectl, openssl, tar, python3, curl)
/// the way a user would, for every test target: stdin from /dev/null, stdout
/// and stderr into files rather than pipes (a chatty program can never block
/// on a full pipe), and a time limit past which the program is killed and the
/// test fails with its command line.
public enum ProcessRunner {
    /// Runs `argv` under coreutils' `timeout` (SIGTERM after `seconds`, SIGKILL 5 s
    /// later), so that a hung program, and the children it waits for, fail the
    /// test instead of hanging it.
    public static func run(_ argv: [String], timeoutSeconds seconds: Int) throws -> ProcessResult {
        let result = try run("/usr/bin/timeout", ["--kill-after=5", String(seconds)] + argv, timeout: TimeInterval(seconds + 10))
        if result.status == 124 || result.status == 137 {
            throw TestFailure("\(argv.prefix(3).joined(separator: " ")) … did not finish within \(seconds) s; stderr: \(result.stderr)")
        }
        return result
    }

    /// Runs `executable` to completion, waiting on this thread.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           directory: String? = nil, timeout: TimeInterval = 120) throws -> ProcessResult {
        let files = try OutputFiles()
        defer { files.remove() }
        let process = try files.start(executable, arguments, environment: environment, directory: directory)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s")
        }
        process.waitUntilExit()
        return files.result(status: process.terminationStatus)
    }

    /// Runs `executable` to completion without holding a thread, for tests that
    /// await it beside other work (`async let`).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           directory: String? = nil, timeout: TimeInterval = 120) async throws -> ProcessResult {
        let files = try OutputFiles()
        defer { files.remove() }
        let process = Process()
        let finished = Finished()
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = {
                finished.state.withLock { $0 = true }
                continuation.resume(returning: $0.terminationStatus)
            }
            do {
                try files.configure(process, executable, arguments, environment: environment, directory: directory)
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            // The time limit: the program is killed, and its status says so.
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                finished.state.withLock { done in if !done { kill(pid, SIGTERM) } }
            }
        }
        if process.terminationReason == .uncaughtSignal && status == SIGTERM {
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s")
        }
        return files.result(status: status)
    }

    /// Whether the program was reaped, so that the time limit never signals a pid reused since.
    private final class Finished: Sendable {
        let state = Mutex(false)
    }

    /// The two files a run writes into, in a directory of its own.
    private struct OutputFiles {
        let directory: URL
        var out: URL { directory.appendingPathComponent("stdout") }
        var err: URL { directory.appendingPathComponent("stderr") }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("stdout").path, contents: nil)
            _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("stderr").path, contents: nil)
        }

        func configure(_ process: Process, _ executable: String, _ arguments: [String], environment: [String: String]?,
                       directory: String?) throws {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            if let environment { process.environment = environment }
            if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
        }

        func start(_ executable: String, _ arguments: [String], environment: [String: String]?, directory: String?) throws -> Process {
            let process = Process()
            try configure(process, executable, arguments, environment: environment, directory: directory)
            try process.run()
            return process
        }

        func result(status: Int32) -> ProcessResult {
            ProcessResult(status: status, stdoutBytes: Array((try? Data(contentsOf: out)) ?? Data()),
                          stderrBytes: Array((try? Data(contentsOf: err)) ?? Data()))
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }
}
