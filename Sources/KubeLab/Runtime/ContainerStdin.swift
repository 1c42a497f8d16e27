import Dispatch
import Foundation
import Synchronization

/// A container's stdin when its spec asks for one (`stdin: true`): a FIFO in the
/// container's run directory, which the container's process opens as fd 0, and
/// the lab's end of it, which `pods/attach` writes to.
///
/// The lab holds its end open (read-write, so opening it never blocks and the
/// container's open finds a writer) from before the container starts until
/// stdin is closed: by the attach client (v5's close signal), by the end of the
/// first attach session with `stdinOnce` (as the real runtime does), or when
/// the container exits. Then the container reads end of file. The descriptor
/// is close-on-exec, so no other container the lab starts holds it open.
final class ContainerStdin: Sendable {
    let path: URL
    let once: Bool
    private let fd: Mutex<Int32?>
    /// Set at once by `close()`, so that a write waiting for room gives up (what
    /// fits in the pipe is still written: the close comes after it, in order).
    private let closing = Mutex(false)
    /// Writes wait for room when the pipe is full and the container does not read:
    /// never on an event loop, and in order.
    private let queue = DispatchQueue(label: "kubelab.container.stdin")

    init(path: URL, once: Bool) throws {
        self.path = path
        self.once = once
        try? FileManager.default.removeItem(at: path)
        guard mkfifo(path.path, 0o600) == 0 else {
            throw ContainerLaunchPlan.Failure.create("Could not make the stdin pipe \(path.path): \(String(cString: strerror(errno))).")
        }
        // Non-blocking: a container that never reads must not hold a thread of the lab's.
        let opened = open(path.path, O_RDWR | O_CLOEXEC | O_NONBLOCK)
        guard opened >= 0 else {
            throw ContainerLaunchPlan.Failure.create("Could not open the stdin pipe \(path.path): \(String(cString: strerror(errno))).")
        }
        fd = Mutex(opened)
    }

    /// True until stdin was closed.
    var isOpen: Bool { fd.withLock { $0 != nil } }

    /// Queues `bytes` for the container; dropped once stdin is closed (as a closed stdin drops them).
    func write(_ bytes: [UInt8]) {
        queue.async { [self] in
            var offset = 0
            while offset < bytes.count {
                guard let descriptor = fd.withLock({ $0 }) else { return }
                let n = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN {
                        // The pipe is full: the container has not read yet. Wait for room,
                        // unless stdin is being closed (a container that never reads).
                        if closing.withLock({ $0 }) { return }
                        usleep(10_000)
                        continue
                    }
                    return
                }
                offset += n
            }
        }
    }

    /// Ends stdin after what was queued (what still waits for room is dropped):
    /// the container reads end of file.
    func close() {
        closing.withLock { $0 = true }
        queue.async { [self] in
            if let descriptor = fd.withLock({ d -> Int32? in defer { d = nil }; return d }) {
                Foundation.close(descriptor)
            }
        }
    }
}
