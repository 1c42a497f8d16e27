import Foundation

/// Turns SIGINT and SIGTERM into calls of `handler` (through Dispatch signal
/// sources) for as long as it lives, so Ctrl-C during a run stops new
/// injections and still lets the bundle be written, instead of killing the
/// process with half an archive.
/// Not Sendable: created, used and cancelled by the command on one task.
final class InterruptSignals {
    private let sources: [any DispatchSourceSignal]

    init(handler: @escaping @Sendable () -> Void) {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
