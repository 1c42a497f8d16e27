import Evidence
import Foundation

/// Where a command's output goes and what the reader's terminal can show.
///
/// Commands never write to a file descriptor or ask `isatty` themselves: they
/// are given one of these. ``standard`` is the process's stdout and stderr;
/// ``capturing()`` keeps what would be printed, so a command's output can be
/// checked in a test without running a process. Standard output carries what
/// a script reads (the bundle, JSON, reports); standard error what a person
/// reads while it runs (progress, warnings, errors).
public struct OutputContext: Sendable {
    /// Writes bytes to standard output, as given.
    public let writeOutput: @Sendable (Data) -> Void
    /// Writes text to standard error, as given.
    public let writeError: @Sendable (String) -> Void
    public let outputIsTerminal: Bool
    public let errorIsTerminal: Bool
    /// Whether a question can be asked and answered (stdin and stderr both a terminal).
    public let isInteractive: Bool
    /// NO_COLOR (https://no-color.org) is set in the environment.
    public let noColorRequested: Bool

    public init(writeOutput: @escaping @Sendable (Data) -> Void, writeError: @escaping @Sendable (String) -> Void,
                outputIsTerminal: Bool, errorIsTerminal: Bool, isInteractive: Bool, noColorRequested: Bool) {
        self.writeOutput = writeOutput
        self.writeError = writeError
        self.outputIsTerminal = outputIsTerminal
        self.errorIsTerminal = errorIsTerminal
        self.isInteractive = isInteractive
        self.noColorRequested = noColorRequested
    }

    /// The process's own standard output and error.
    public static var standard: OutputContext {
        OutputContext(
            writeOutput: { FileHandle.standardOutput.write($0) },
            writeError: { FileHandle.standardError.write(Data($0.utf8)) },
            outputIsTerminal: isatty(STDOUT_FILENO) == 1,
            errorIsTerminal: isatty(STDERR_FILENO) == 1,
            isInteractive: isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1,
            noColorRequested: ProcessInfo.processInfo.environment["NO_COLOR"] != nil)
    }

    /// A context that keeps everything written, for tests; `terminal` makes it
    /// claim to be a terminal (progress drawn in place, colour).
    public static func capturing(terminal: Bool = false) -> (OutputContext, CapturedOutput) {
        let captured = CapturedOutput()
        let context = OutputContext(
            writeOutput: { captured.appendOutput($0) }, writeError: { captured.appendError($0) },
            outputIsTerminal: terminal, errorIsTerminal: terminal, isInteractive: false, noColorRequested: false)
        return (context, captured)
    }

    /// Text for standard output.
    public func print(_ text: String) {
        writeOutput(Data(text.utf8))
    }

    /// A document for scripts on standard output, as the tool prints JSON
    /// (``JSONOutput``: pretty, keys sorted), with its final newline.
    public func printJSON<T: Encodable>(_ value: T) throws {
        writeOutput(try JSONOutput.encode(value) + Data("\n".utf8))
    }

    /// Text for standard error, as given (the caller has escaped what came from outside).
    public func printToStandardError(_ text: String) {
        writeError(text)
    }

    /// An error for the person at the terminal: `error: ` and the message,
    /// escaped (a message may quote the API server, a kubeconfig or a bundle).
    public func printError(message: String) {
        writeError("error: \(DisplayText.lines(message))\n")
    }

    /// A warning or notice, escaped, on its own line of standard error.
    public func printNotice(_ text: String) {
        writeError(DisplayText.lines(text) + "\n")
    }

    /// How a run's progress is drawn here: redrawn in place on a terminal, one
    /// line per event in a log or a pipe, nothing but warnings when `quiet`.
    public func progressMode(quiet: Bool) -> RunProgress.Mode {
        if quiet { return .quiet }
        return errorIsTerminal ? .live : .plain
    }

    /// A ``RunProgress`` drawing on this context's standard error.
    public func runProgress(quiet: Bool) -> RunProgress {
        let write = writeError
        return RunProgress(mode: progressMode(quiet: quiet), write: write)
    }

    /// Whether text on standard output may be coloured: a terminal, no NO_COLOR, no `--no-color`.
    public func colour(disabledByFlag: Bool) -> Bool {
        !disabledByFlag && !noColorRequested && outputIsTerminal
    }
}

/// What a ``OutputContext/capturing(terminal:)`` context was given. A lock
/// guards it: progress is written from a timer's thread.
public final class CapturedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var output = Data()
    private var error = ""

    func appendOutput(_ data: Data) { lock.withLock { output.append(data) } }
    func appendError(_ text: String) { lock.withLock { error += text } }

    public var standardOutput: String { lock.withLock { String(decoding: output, as: UTF8.self) } }
    public var standardOutputBytes: Data { lock.withLock { output } }
    public var standardError: String { lock.withLock { error } }
}
