import Collector
import Foundation
import Presentation
import Testing

/// Where output goes is given to a command, not found by it: a capturing
/// context shows what a person would see, with no process and no terminal.
@Suite("Output context")
struct OutputContextTests {
    @Test("on a terminal the progress is redrawn in place; in a log each pod event is a timestamped line")
    func progressFollowsTheTerminal() {
        let (terminal, drawn) = OutputContext.capturing(terminal: true)
        let live = terminal.runProgress(quiet: false)
        #expect(live.mode == .live)
        live.update({ $0.selected = 2; $0.injected = 1 }, event: "injected   shop/a")
        live.finish()
        #expect(drawn.standardError.contains("\r\u{1B}[2K"), "\(drawn.standardError.debugDescription)")
        #expect(drawn.standardError.hasSuffix("selected 2 · injected 1 · running 0 · collected 0 · failed 0\n"), "\(drawn.standardError.debugDescription)")
        #expect(!drawn.standardError.contains("injected   shop/a"))
        #expect(drawn.standardOutput.isEmpty)

        let (pipe, logged) = OutputContext.capturing(terminal: false)
        let plain = pipe.runProgress(quiet: false)
        #expect(plain.mode == .plain)
        plain.update({ $0.injected = 1 }, event: "injected   shop/a\u{1B}[2J")
        plain.finish()
        let lines = logged.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(logged.standardError.debugDescription)")
        #expect(lines.first?.hasSuffix(#"Z injected   shop/a\u{1B}[2J"#) == true, "\(logged.standardError.debugDescription)")
        #expect(!logged.standardError.contains("\u{1B}"))
    }

    @Test("quiet prints notices only, escaped, and never the counts")
    func quietKeepsNotices() {
        let (context, captured) = OutputContext.capturing(terminal: true)
        let quiet = context.runProgress(quiet: true)
        #expect(quiet.mode == .quiet)
        quiet.update({ $0.failed = 1 }, event: "failed     shop/a: ErrImagePull")
        quiet.notice("warning: namespace shop refused the preflight: denied by \u{1B}]0;webhook\u{07}")
        quiet.finish()
        #expect(captured.standardError == #"warning: namespace shop refused the preflight: denied by \u{1B}]0;webhook\u{07}"# + "\n")
    }

    @Test("colour only on a terminal, and never with --no-color")
    func colourRules() {
        #expect(OutputContext.capturing(terminal: true).0.colour(disabledByFlag: false))
        #expect(!OutputContext.capturing(terminal: true).0.colour(disabledByFlag: true))
        #expect(!OutputContext.capturing(terminal: false).0.colour(disabledByFlag: false))
    }

    @Test("an error is one escaped line after error:, on standard error only")
    func errorsAreEscaped() {
        let (context, captured) = OutputContext.capturing()
        context.printError(message: "The API server said \"\u{1B}[31mno\u{1B}[0m\".\nTry again.")
        #expect(captured.standardError == #"error: The API server said "\u{1B}[31mno\u{1B}[0m"."# + "\nTry again.\n")
        #expect(captured.standardOutput.isEmpty)
    }
}
