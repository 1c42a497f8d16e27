import Foundation
import Testing
import Collector
import Presentation

/// The progress line explains a wait: the time since the start, the counts,
/// and the most common waiting reasons with their pods.
@Suite("Progress that explains a wait")
struct RunProgressTests {
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        var now = Date(timeIntervalSince1970: 1_796_000_000)
        func write(_ s: String) { lock.withLock { text += s } }
        var written: String { lock.withLock { text } }
        func advance(_ seconds: TimeInterval) { lock.withLock { now += seconds } }
        var clock: Date { lock.withLock { now } }
    }

    @Test("the line gives elapsed time and the two most common waiting reasons, with at most two pods each")
    func waitingReasons() {
        let recorder = Recorder()
        let progress = RunProgress(mode: .plain, write: { recorder.write($0) }, clock: { recorder.clock })
        progress.update { $0.selected = 5; $0.injected = 5 }
        for pod in ["shop/a", "shop/b", "shop/c"] { progress.waiting(pod, reason: "ContainerCreating") }
        progress.waiting("shop/d", reason: "ErrImagePull")
        progress.waiting("shop/e", reason: "NotReported")
        progress.waiting("shop/e", reason: nil)
        recorder.advance(65)
        #expect(progress.line == "1:05 · selected 5 · injected 5 · running 0 · collected 0 · failed 0 · waiting: ContainerCreating ×3 (shop/a, shop/b, …); ErrImagePull ×1 (shop/d)")
        progress.waiting("shop/a", reason: nil)
        progress.waiting("shop/b", reason: nil)
        progress.waiting("shop/c", reason: nil)
        progress.waiting("shop/d", reason: "Image\u{1B}[2JPull")
        #expect(progress.line.hasSuffix(#"waiting: Image\u{1B}[2JPull ×1 (shop/d)"#), "\(progress.line)")
        // --all-containers: the counts after "selected" are of containers, and the line says so.
        progress.update { $0.containers = 9; $0.injected = 9 }
        #expect(progress.line.hasPrefix("1:05 · selected 5 pods, 9 containers · injected 9 · "), "\(progress.line)")
    }

    @Test("plain mode: every event line starts with its UTC time")
    func timestamps() {
        let recorder = Recorder()
        let progress = RunProgress(mode: .plain, write: { recorder.write($0) }, clock: { recorder.clock })
        progress.update({ $0.collected += 1 }, event: "collected  shop/a")
        progress.notice("warning: something")
        let lines = recorder.written.split(separator: "\n")
        #expect(lines == ["2026-11-30T00:53:20Z collected  shop/a", "2026-11-30T00:53:20Z warning: something"])
    }
}
