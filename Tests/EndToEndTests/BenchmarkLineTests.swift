import Foundation
import Testing
import TestSupport

/// scripts/bench reads the hidden `_bench` commands' figures with `read`, which
/// fails on a last line without its newline; the collect benchmark stopped
/// without a word when the floor's line lost it.
@Suite("the hidden benchmark commands print whole lines for scripts/bench")
struct BenchmarkLineTests {
    @Test("_bench parse prints one line with its figures, ending in a newline")
    func parseLine() throws {
        let result = try ToolBinary.run(["_bench", "parse", "--processes", "20", "--rounds", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix("\n"), "\(result.stdout.debugDescription)")
        #expect(result.stdout.split(separator: "\n").count == 1)
        #expect(result.stdout.contains("parse a 20-process table"), "\(result.stdout)")
    }
}
