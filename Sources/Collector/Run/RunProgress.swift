import Foundation

/// Counts of pods by where they stand, for the progress line.
public struct ProgressCounts: Sendable, Equatable {
    public var selected = 0
    public var injected = 0
    public var running = 0
    public var collected = 0
    public var failed = 0
    public var interrupted = 0

    public init() {}

    public var line: String {
        var text = "selected \(selected) · injected \(injected) · running \(running) · collected \(collected) · failed \(failed)"
        if interrupted > 0 { text += " · interrupted \(interrupted)" }
        return text
    }
}

/// Tells the person at the terminal how the run goes, on stderr so stdout
/// stays clean for scripts.
///
/// On a terminal it redraws one line in place; otherwise (CI logs, a pipe) it
/// prints one plain line per pod event, which reads well in a ticket. Quiet
/// mode prints nothing but errors.
///
/// `@unchecked Sendable`: `counts` and `lastDraw` are guarded by `lock`.
public final class RunProgress: @unchecked Sendable {
    public enum Mode: Sendable { case live, plain, quiet }

    public let mode: Mode
    private let lock = NSLock()
    private var counts = ProgressCounts()
    private var lastDraw = Date.distantPast
    private let write: @Sendable (String) -> Void

    public init(mode: Mode, write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.mode = mode
        self.write = write
    }

    /// The mode a terminal user expects: live when stderr is a terminal.
    public static func automaticMode(quiet: Bool) -> Mode {
        if quiet { return .quiet }
        return isatty(STDERR_FILENO) == 1 ? .live : .plain
    }

    public func update(_ change: (inout ProgressCounts) -> Void, event: String? = nil) {
        lock.lock()
        change(&counts)
        let snapshot = counts
        let now = Date()
        let redraw = now.timeIntervalSince(lastDraw) > 0.1
        if redraw { lastDraw = now }
        lock.unlock()
        switch mode {
        case .quiet:
            break
        case .plain:
            if let event { write(event + "\n") }
        case .live:
            if redraw { write("\r\u{1B}[2K" + snapshot.line) }
        }
    }

    /// A message that must be seen whatever the mode (warnings).
    public func notice(_ text: String) {
        switch mode {
        case .live: write("\r\u{1B}[2K" + text + "\n")
        case .plain, .quiet: write(text + "\n")
        }
    }

    /// Ends the live line so what follows starts on a clean line.
    public func finish() {
        lock.lock()
        let snapshot = counts
        lock.unlock()
        if mode == .live { write("\r\u{1B}[2K" + snapshot.line + "\n") }
    }

    public var current: ProgressCounts {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }
}
