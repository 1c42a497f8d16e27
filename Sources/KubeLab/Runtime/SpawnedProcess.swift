import Dispatch
import Foundation
import Synchronization

/// A process the runtime started (a sandbox or a container's setup chain) through Foundation's
/// `Process`, never through fork() in this multithreaded server.
///
/// Its stdout and stderr are one pipe that carries the setup script's handshake: the line
/// `kubelab-ready <host pid>` once namespaces and mounts are in place, just before the exec
/// into the container's command (whose output then goes to the container's log file, not to
/// the pipe). Anything else on the pipe is the setup's error output. The pipe is watched by a
/// Dispatch read source, so no thread blocks while many containers start at once.
final class SpawnedProcess: Sendable {
    enum Handshake: Sendable, Equatable {
        case ready(pid: Int32)
        /// The setup ended without a handshake; its output says why.
        case failed(output: String)
    }

    enum Exit: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)

        /// The container exit code Kubernetes reports: the status, or 128 + the signal.
        var exitCode: Int { switch self { case .exited(let c): Int(c); case .signaled(let s): 128 + Int(s) } }
    }

    private struct State {
        var process: Process?
        var buffer: [UInt8] = []
        var handshake: Handshake?
        var handshakeWaiters: [CheckedContinuation<Handshake, Never>] = []
        var exit: Exit?
        var exitWaiters: [CheckedContinuation<Exit, Never>] = []
    }

    /// The pid of the process Foundation started (unshare or nsenter).
    let pid: Int32
    private let state: Mutex<State>
    private static let queue = DispatchQueue(label: "kubelab.runtime.pipes")

    private init(pid: Int32, state: sending State) {
        self.pid = pid
        self.state = Mutex(state)
    }

    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> SpawnedProcess {
        let process = Process()
        // A container starts as runc starts it: every signal unblocked and
        // handled by default. The lab's own process ignores SIGPIPE (SwiftNIO)
        // and runs this on Dispatch threads that block nearly every signal;
        // both pass through fork and exec. A shell in such a container never
        // wakes from `wait` (SIGCHLD stays blocked), which the real cluster
        // does not do. env resets the dispositions; the mask is cleared below.
        process.executableURL = URL(fileURLWithPath: RuntimeTools.env)
        process.arguments = ["--default-signal", executable] + arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        // The handler can run before `spawn` has built the object: it then parks the status here.
        let link = Mutex<(owner: SpawnedProcess?, early: Exit?)>((nil, nil))
        process.terminationHandler = { p in
            let exit: Exit = p.terminationReason == .uncaughtSignal ? .signaled(p.terminationStatus) : .exited(p.terminationStatus)
            let owner = link.withLock { l -> SpawnedProcess? in
                if l.owner == nil { l.early = exit }
                return l.owner
            }
            owner?.finish(exit)
        }
        try Self.withNoSignalsBlocked { try process.run() }
        let fd = pipe.fileHandleForReading.fileDescriptor
        let spawned = SpawnedProcess(pid: process.processIdentifier, state: State(process: process))
        // The source stops itself once the handshake is settled; its cancel handler keeps the
        // pipe (and so the descriptor it watches) open until then.
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak spawned] in
            if spawned?.readAvailable(fd) ?? true { source.cancel() }
        }
        source.setCancelHandler { withExtendedLifetime(pipe) {} }
        source.resume()
        let early = link.withLock { l -> Exit? in
            l.owner = spawned
            return l.early
        }
        if let early { spawned.finish(early) }
        return spawned
    }

    /// Runs `body` (which forks) with this thread's signal mask empty, so the
    /// child inherits an empty mask; the mask is restored at once. A signal
    /// that arrives in between runs its handler on this thread, as it may on
    /// any thread that does not block it.
    private static func withNoSignalsBlocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t()
        var saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        return try body()
    }

    /// Reads what the pipe has; returns true once the handshake is settled (the source can stop).
    private func readAvailable(_ fd: Int32) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0, errno == EINTR || errno == EAGAIN { return false }
        let (waiters, result) = state.withLock { s -> ([CheckedContinuation<Handshake, Never>], Handshake?) in
            guard s.handshake == nil else { return ([], nil) }
            if n > 0 {
                s.buffer.append(contentsOf: chunk[0..<n])
                guard let newline = s.buffer.lastIndex(of: UInt8(ascii: "\n")) else { return ([], nil) }
                let text = String(decoding: s.buffer[...newline], as: UTF8.self)
                guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("kubelab-ready ") }),
                    let pid = Int32(line.dropFirst("kubelab-ready ".count).trimmingCharacters(in: .whitespaces))
                else { return ([], nil) }
                s.handshake = .ready(pid: pid)
            } else {
                s.handshake = .failed(output: String(decoding: s.buffer, as: UTF8.self))
            }
            let w = s.handshakeWaiters
            s.handshakeWaiters = []
            return (w, s.handshake)
        }
        guard let result else { return state.withLock { $0.handshake != nil } }
        for w in waiters { w.resume(returning: result) }
        return true
    }

    private func finish(_ exit: Exit) {
        let waiters = state.withLock { s -> [CheckedContinuation<Exit, Never>] in
            s.exit = exit
            s.process = nil
            let w = s.exitWaiters
            s.exitWaiters = []
            return w
        }
        for w in waiters { w.resume(returning: exit) }
    }

    /// Waits for the handshake line, or for the end of the setup's output without one.
    func handshake() async -> Handshake {
        await withCheckedContinuation { (c: CheckedContinuation<Handshake, Never>) in
            let done = state.withLock { s -> Handshake? in
                if let h = s.handshake { return h }
                s.handshakeWaiters.append(c)
                return nil
            }
            if let done { c.resume(returning: done) }
        }
    }

    /// Waits until the process has exited (Foundation reaps it) and returns how.
    func waitForExit() async -> Exit {
        await withCheckedContinuation { (c: CheckedContinuation<Exit, Never>) in
            let done = state.withLock { s -> Exit? in
                if let e = s.exit { return e }
                s.exitWaiters.append(c)
                return nil
            }
            if let done { c.resume(returning: done) }
        }
    }

    var hasExited: Bool { state.withLock { $0.exit != nil } }
}
