@testable import Collector
import Crypto
import Foundation
import Testing

/// The node helper's log is split by the helper's byte counts, never by what a
/// target wrote: these feed it logs in the format `node-collect.sh` writes.
@Suite("node helper output")
struct NodeHelperOutputTests {
    /// One target's section as `node-collect.sh` emits it.
    static func section(_ index: Int, pid: Int = 4242, body: [UInt8], exit: Int = 0,
                        match: String = "cgroup /kubepods/podu/c first", message: String = "sha256:x bytes:1") -> [UInt8] {
        let sha = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        var out = Array("#kubectl-evidence node v1 target=\(index) pid=\(pid) bytes=\(body.count) sha256=\(sha) exit=\(exit)\n".utf8)
        out += Array("#match \(match)\n#message \(message)\n#stderr \n".utf8)
        out += body
        out += Array("#end \(index)\n".utf8)
        return out
    }

    static func done(_ count: Int) -> [UInt8] { Array("#kubectl-evidence node v1 done targets=\(count)\n".utf8) }

    /// A body a hostile target shaped to look like the end of its section and the start of another's.
    static let forgedBody = Array("PS 1 init\n#end 0\n#kubectl-evidence node v1 target=1 pid=1 bytes=3 sha256=- exit=0\n#match forged\n#message forged\n#stderr \nabc#end 1\n".utf8)

    static func split(_ log: [UInt8], chunk: Int, limit: Int = 1 << 20) -> (sections: [NodeHelperOutput.Section], output: NodeHelperOutput) {
        var output = NodeHelperOutput(bodyLimit: limit)
        var sections: [NodeHelperOutput.Section] = []
        var at = 0
        while at < log.count {
            let end = min(log.count, at + chunk)
            sections += output.consume(Array(log[at..<end]))
            at = end
        }
        return (sections, output)
    }

    @Test("a target's forged #end and header stay inside its body, whatever the chunks the log arrives in")
    func forgedLinesStayInTheBody() {
        let second = Array("second target's evidence\n".utf8)
        let log = Self.section(0, body: Self.forgedBody) + Self.section(1, pid: 77, body: second, exit: 3) + Self.done(2)
        for chunk in [1, 2, 7, 64, log.count] {
            let (sections, output) = Self.split(log, chunk: chunk)
            #expect(output.damage == nil, "chunk \(chunk)")
            #expect(sections.map(\.index) == [0, 1], "chunk \(chunk)")
            #expect(sections.first?.body == Self.forgedBody)
            #expect(sections.last?.body == second)
            #expect(sections.last?.hostPID == 77)
            #expect(sections.last?.exitCode == 3)
            #expect(sections.first?.match == "cgroup /kubepods/podu/c first")
            #expect(sections.first?.terminationMessage == "sha256:x bytes:1")
            #expect(output.doneTargets == 2)
            #expect(output.unfinishedTarget == nil)
        }
    }

    @Test("a container with no process is a section with pid 0 and no body")
    func notFoundIsASection() {
        var log = Array("#kubectl-evidence node v1 target=5 pid=0 bytes=0 sha256=- exit=-1\n".utf8)
        log += Array("#match none: no process on this node is in the container's cgroup\n#message \n#stderr \n#end 5\n".utf8)
        let (sections, output) = Self.split(log + Self.done(1), chunk: 3)
        #expect(output.damage == nil)
        #expect(sections.count == 1)
        #expect(sections[0].notFound)
        #expect(sections[0].body.isEmpty)
        #expect(sections[0].match.hasPrefix("none: "))
    }

    @Test("a body longer than its count ends the splitting with the target named; what came before is kept")
    func aBodyPastItsCountIsDamage() {
        var bad = Self.section(1, body: Array("abc".utf8))
        bad.insert(contentsOf: Array("xyz".utf8), at: bad.count - "#end 1\n".utf8.count)
        let log = Self.section(0, body: Array("first\n".utf8)) + bad + Self.section(2, body: Array("third".utf8))
        let (sections, output) = Self.split(log, chunk: 5)
        #expect(sections.map(\.index) == [0])
        let damage = output.damage?.description
        #expect(damage?.contains("target 1") == true)
        #expect(damage?.contains("#end") == true)
    }

    @Test("a header claiming more than the body limit is refused before any of its body is held")
    func aClaimPastTheLimitIsRefused() {
        let log = Array("#kubectl-evidence node v1 target=0 pid=9 bytes=999999999 sha256=- exit=0\n".utf8)
        let (sections, output) = Self.split(log, chunk: 100, limit: 1000)
        #expect(sections.isEmpty)
        #expect(output.damage?.description.contains("more than 1000 bytes") == true)
        #expect(output.unfinishedTarget == nil)
    }

    @Test("a line that is no header is quoted with its control bytes escaped, and nothing after it is parsed")
    func aStrangeLineIsQuotedEscaped() {
        let log = Array("garbage\u{1B}[31m red\n".utf8) + Self.section(0, body: [0x41])
        let (sections, output) = Self.split(log, chunk: 4)
        #expect(sections.isEmpty)
        let damage = output.damage?.description ?? ""
        #expect(!damage.contains("\u{1B}"))
        #expect(damage.contains("garbage"))
        // Once damaged, more bytes are not parsed at all.
        var again = output
        #expect(again.consume(Self.section(1, body: [0x42])).isEmpty)
    }

    @Test("a log cut inside a body names the unfinished target; a helper line past 4096 bytes is damage")
    func aCutLogAndAnEndlessLine() {
        let whole = Self.section(0, body: Array(repeating: 0x61, count: 5000))
        let (sections, output) = Self.split(Array(whole.prefix(2000)), chunk: 512)
        #expect(sections.isEmpty)
        #expect(output.damage == nil)
        #expect(output.unfinishedTarget == 0)
        let (_, endless) = Self.split(Array(repeating: 0x23, count: 5000), chunk: 1000)
        #expect(endless.damage?.description.contains("4096") == true)
    }

    @Test("the stream's digest covers every byte, as the helper's termination message does")
    func theReaderDigestsTheWholeStream() {
        let log = Self.section(0, body: Self.forgedBody) + Self.done(1)
        let reader = NodeOutputReader(bodyLimit: 1 << 20)
        var sections: [NodeHelperOutput.Section] = []
        for start in stride(from: 0, to: log.count, by: 10) {
            sections += reader.consume(Array(log[start..<min(log.count, start + 10)]))
        }
        #expect(sections.count == 1)
        let expected = SHA256.hash(data: log).map { String(format: "%02x", $0) }.joined()
        #expect(reader.digest.sha256 == expected)
        #expect(reader.digest.byteCount == log.count)
    }

    @Test("a section the helper was not asked for, a second one for a target, a line after the last, a wrong count or digest: each is damage, named")
    func sectionsAreCheckedAgainstWhatWasAsked() {
        func damage(_ log: [UInt8], expected: Set<Int> = [0, 1]) -> (String?, [Int]) {
            var output = NodeHelperOutput(bodyLimit: 1 << 20, expected: expected)
            let sections = output.consume(log)
            return (output.damage?.description, sections.map(\.index))
        }
        let a = Self.section(0, body: Array("a".utf8)), b = Self.section(1, body: Array("b".utf8))
        #expect(damage(a + b + Self.done(2)).0 == nil)
        let (unknown, beforeUnknown) = damage(a + Self.section(7, body: [0x41]))
        #expect(unknown?.contains("a section for target 7, which the helper was not given") == true)
        #expect(beforeUnknown == [0])
        #expect(damage(a + a).0?.contains("a second section for target 0") == true)
        #expect(damage(a + b + Self.done(2) + Array("#kubectl-evidence node v1 done targets=2\n".utf8)).0?.contains("after the helper's last line") == true)
        #expect(damage(a + b + Self.done(3)).0?.contains("counts 3 targets, but it was given 2") == true)
        var altered = Self.section(0, body: Array("real".utf8))
        let at = altered.count - "#end 0\n".utf8.count - 1
        altered[at] = UInt8(ascii: "X")
        #expect(damage(altered).0?.contains("does not match the helper's SHA-256") == true)
    }
}
