import BundleSamples
import Foundation
import Presentation
import SnapshotDiff
import Testing

@Suite("hostile strings")
struct EscapingTests {
    @Test("a command line with terminal escapes and HTML is escaped in the text and the HTML report")
    func escaped() throws {
        let base = RealEvidence.decoded()
        let hostile = "evil\u{1B}]0;owned\u{07}\u{1B}[2J</li><script>alert(1)</script>"
        let changed = base.adding(process: [hostile], pid: 66)
        let report = SnapshotComparer.report([
            try TestBundle.snapshot([TestPod(name: "p", uid: "u", evidence: base)]),
            try TestBundle.snapshot([TestPod(name: "p", uid: "u", evidence: changed)], runID: "r2"),
        ])
        let text = report.renderText(colour: true)
        #expect(!text.contains("\u{1B}]"), "\(text.debugDescription)")
        #expect(!text.contains("\u{07}"))
        #expect(text.contains("evil\\u{1B}]0;owned\\u{07}"), "\(text.debugDescription)")
        let html = report.renderHTML()
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("\u{1B}"))
    }
}
