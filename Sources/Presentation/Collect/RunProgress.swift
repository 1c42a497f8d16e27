import Collector
import Evidence
import Foundation

extension ProgressCounts {
    /// `selected 5 · injected 5 · running 0 · collected 0 · failed 0`; with
    /// `--all-containers`, `selected 3 pods, 6 containers · injected 6 · …` (the
    /// counts after it are of evidence containers).
    public var line: String {
        let chosen = containers > 0 ? "\(selected) pods, \(containers) containers" : "\(selected)"
        var text = "selected \(chosen) · injected \(injected) · running \(running) · collected \(collected) · failed \(failed)"
        if interrupted > 0 { text += " · interrupted \(interrupted)" }
        return text
    }
}

/// Tells the person at the terminal how the run goes, on stderr so stdout
/// stays clean for scripts.
///
/// On a terminal it redraws one line in place, every second even when nothing
/// happens: the time since the start, the counts, and why containers are still
/// waiting (`ContainerCreating ×3 (shop/a, shop/b, …)`), so a slow start does
/// not look like a hang. Otherwise (CI logs, a pipe) it prints one line per pod
/// event, each with its UTC time, and every ``plainStatusInterval`` while pods
/// are still waiting, a status line that says on what. Quiet mode prints
/// nothing but errors.
///
/// `@unchecked Sendable`: the mutable state is guarded by `lock`.
public final class RunProgress: RunObserver, @unchecked Sendable {
    public enum Mode: Sendable { case live, plain, quiet }

    public let mode: Mode
    private let lock = NSLock()
    private var counts = ProgressCounts()
    private var lastDraw = Date.distantPast
    private var startedAt = Date()
    /// Pod (`ns/name`) → why its evidence container is not running yet.
    private var waiting: [String: String] = [:]
    private var ticker: DispatchSourceTimer?
    private var ticks = 0
    private let write: @Sendable (String) -> Void
    private let clock: @Sendable () -> Date

    /// How often the plain mode says what pods are waiting for, while some are.
    public static let plainStatusInterval = 10

    /// `write` receives every piece of text as drawn (an ``OutputContext``'s standard error).
    public init(
        mode: Mode, write: @escaping @Sendable (String) -> Void,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.mode = mode
        self.write = write
        self.clock = clock
        self.startedAt = clock()
    }

    /// Starts the clock, and the once-a-second redraw (live) or status (plain).
    public func start() {
        lock.lock()
        startedAt = clock()
        let needsTicker = mode != .quiet && ticker == nil
        lock.unlock()
        guard needsTicker else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [weak self] in self?.tick() }
        lock.lock()
        ticker = timer
        lock.unlock()
        timer.resume()
    }

    private func tick() {
        lock.lock()
        ticks += 1
        let due = mode == .live || (mode == .plain && ticks % Self.plainStatusInterval == 0 && !waiting.isEmpty)
        let line = due ? statusLine() : ""
        lastDraw = clock()
        lock.unlock()
        guard due else { return }
        switch mode {
        case .live: write("\r\u{1B}[2K" + line)
        case .plain: write("\(timestamp()) still waiting: \(line)\n")
        case .quiet: break
        }
    }

    public func update(_ change: (inout ProgressCounts) -> Void, event: String?) {
        lock.lock()
        change(&counts)
        let now = clock()
        let redraw = mode == .live && now.timeIntervalSince(lastDraw) > 0.1
        if redraw { lastDraw = now }
        // Built only when drawn: it groups every waiting pod, and update runs per pod event.
        let line = redraw ? statusLine() : ""
        lock.unlock()
        switch mode {
        case .quiet:
            break
        case .plain:
            if let event { write("\(timestamp()) \(DisplayText.lines(event))\n") }
        case .live:
            if redraw { write("\r\u{1B}[2K" + line) }
        }
    }

    /// What a pod's evidence container is doing while the run waits for it:
    /// a waiting reason (`ContainerCreating`, `ErrImagePull`), "NotReported"
    /// before the kubelet said anything, or nil once it runs or the pod is done.
    public func waiting(_ pod: String, reason: String?) {
        lock.lock()
        waiting[pod] = reason
        lock.unlock()
    }

    /// A message that must be seen whatever the mode (warnings).
    public func notice(_ raw: String) {
        // Notices quote the API server (webhook messages, waiting reasons): never a raw control byte.
        let text = DisplayText.lines(raw)
        switch mode {
        case .live: write("\r\u{1B}[2K" + text + "\n")
        case .plain: write("\(timestamp()) \(text)\n")
        case .quiet: write(text + "\n")
        }
    }

    /// Ends the live line so what follows starts on a clean line.
    public func finish() {
        lock.lock()
        let timer = ticker
        ticker = nil
        waiting = [:]
        let line = statusLine()
        lock.unlock()
        timer?.cancel()
        if mode == .live { write("\r\u{1B}[2K" + line + "\n") }
    }

    public var current: ProgressCounts {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }

    /// The line as drawn now (for tests and the plain mode's status).
    public var line: String {
        lock.lock()
        defer { lock.unlock() }
        return statusLine()
    }

    /// `0:42 · selected 5 · … · waiting: ContainerCreating ×3 (shop/a, shop/b, …)`. Called under `lock`.
    private func statusLine() -> String {
        let elapsed = max(0, Int(clock().timeIntervalSince(startedAt)))
        var text = String(format: "%d:%02d · ", elapsed / 60, elapsed % 60) + counts.line
        let byReason = Dictionary(grouping: waiting.keys, by: { waiting[$0]! })
        let top = byReason.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }.prefix(2)
        if !top.isEmpty {
            text += " · waiting: " + top.map { reason, pods in
                let names = pods.sorted()
                let shown = names.prefix(2).joined(separator: ", ") + (names.count > 2 ? ", …" : "")
                return "\(DisplayText.line(reason, cutAfter: 60)) ×\(names.count) (\(DisplayText.line(shown)))"
            }.joined(separator: "; ")
        }
        return text
    }

    private func timestamp() -> String {
        clock().formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }
}
