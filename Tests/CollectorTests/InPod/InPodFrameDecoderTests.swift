@testable import Collector
import Evidence
import Foundation
import TestSupport
import Testing

/// The decoder on hostile input: it must frame what is framed, say precisely
/// what is not, and never crash or hang.
@Suite("frame decoder")
struct InPodFrameDecoderTests {
    let decoder = FrameDecoder()

    @Test("a real output cut at every byte offset: never intact, always truncated, and what it decodes is the real records")
    func truncatedAtEveryOffset() throws {
        try #require(NamespaceSandbox.available, "needs root, util-linux and /bin/busybox")
        let sandbox = try NamespaceSandbox(setup: "busybox sh -c 'sleep 1000; :' 'a\n@file proc/1/stat 2\nb' &")
        defer { sandbox.stop() }
        let run = try Collection.run(in: sandbox, options: InPodScript.Options(sections: [.processes]))
        let full = run.output.stdoutBytes
        #expect(run.decoded.isIntact, "\(run.decoded.errors)")
        #expect(run.stream.contains(0), "the sample has no NUL; it should have cmdlines")

        for length in 0..<full.count {
            let decoded = decoder.decode(Array(full[0..<length]))
            #expect(decoded.isTruncated, "prefix of \(length) bytes")
            #expect(!decoded.isIntact)
            // A cut of the log's last byte (its newline) leaves the whole
            // stream, trailer included; the encoding error still says cut.
            #expect(decoded.trailer == nil || length == full.count - 1)
            #expect(decoded.errors.contains { $0.meansTruncated }, "prefix of \(length) bytes: \(decoded.errors)")
            let trusted = decoded.records.prefix { !$0.afterResync }
            #expect(trusted.count <= run.decoded.records.count)
            for (index, record) in trusted.enumerated() where record != run.decoded.records[index] {
                Issue.record("prefix of \(length) bytes: record \(index) is \(record.key), expected \(run.decoded.records[index].key)")
                break
            }
        }
    }

    @Test("fake frame headers inside a payload stay payload")
    func fakeHeadersInPayload() {
        let payload = Array("sh\0-c\0\n@file proc/1/cmdline 5\nhello\n@end trailer 24\nrecords=0 bytes=27\n\0".utf8)
        let body = TestStream.header + TestStream.record("file", "proc/7/cmdline", payload) + TestStream.record("file", "proc/7/comm", Array("sh\n".utf8))
        let decoded = decoder.decode(body + TestStream.trailer(records: 2, bytes: body.count))
        #expect(decoded.errors.isEmpty)
        #expect(decoded.isIntact)
        #expect(decoded.records.map(\.key) == ["proc/7/cmdline", "proc/7/comm"])
        #expect(decoded.records.first?.payload == payload)
        #expect(decoded.trailer == FrameTrailer(records: 2, bytes: body.count))
    }

    @Test("a 1 MB comm, NUL-only payloads and empty payloads frame exactly")
    func largeAndBinaryPayloads() {
        var generator = SeededRandom(seed: 7)
        let big = (0..<(1 << 20)).map { index in index % 97 == 0 ? UInt8(ascii: "\n") : index % 89 == 0 ? UInt8(ascii: "@") : UInt8.random(in: 0...255, using: &generator) }
        let nuls = [UInt8](repeating: 0, count: 4096)
        let stream = TestStream.stream([("file", "proc/1/comm", big), ("file", "proc/1/cmdline", nuls), ("file", "proc/1/environ", [])])
        let decoded = decoder.decode(stream)
        #expect(decoded.errors.isEmpty)
        #expect(decoded.records.map(\.payload) == [big, nuls, []])
    }

    @Test("garbage between records is reported at its offset, and what follows is marked as found by resynchronising")
    func garbageBetweenRecords() {
        let first = TestStream.record("file", "proc/1/stat", Array("1 (init) S".utf8))
        let second = TestStream.record("file", "proc/2/stat", Array("2 (sh) S".utf8))
        let junk = Array("junk\n".utf8)
        var stream = TestStream.header + first + junk + second
        stream += TestStream.trailer(records: 2, bytes: stream.count - junk.count)
        let decoded = decoder.decode(stream)
        let junkOffset = TestStream.header.count + first.count
        #expect(decoded.errors.first == FrameError(offset: junkOffset, .garbage(length: junk.count)))
        #expect(decoded.errors.contains { if case .wrongByteCount = $0.problem { true } else { false } })
        #expect(decoded.records.map(\.afterResync) == [false, true])
        #expect(decoded.records.map(\.key) == ["proc/1/stat", "proc/2/stat"])
    }

    @Test("a record left out is caught by the trailer's counts")
    func wrongRecordCount() {
        let first = TestStream.record("meta", "self/pid", Array("9".utf8))
        let second = TestStream.record("file", "proc/1/comm", Array("x\n".utf8))
        let third = TestStream.record("file", "proc/2/comm", Array("y\n".utf8))
        let wholeBody = TestStream.header + first + second + third
        let body = TestStream.header + first + third
        let decoded = decoder.decode(body + TestStream.trailer(records: 3, bytes: wholeBody.count))
        #expect(decoded.errors == [
            FrameError(offset: body.count, .wrongRecordCount(declared: 3, decoded: 2)),
            FrameError(offset: body.count, .wrongByteCount(declared: wholeBody.count, actual: body.count)),
        ])
        #expect(!decoded.isIntact)
        #expect(!decoded.isTruncated)
    }

    @Test("a repeated kind and key is reported and both records kept")
    func duplicates() {
        let stream = TestStream.stream([("file", "proc/1/comm", Array("a\n".utf8)), ("link", "proc/1/comm", Array("b".utf8)),
                                        ("file", "proc/1/comm", Array("c\n".utf8))])
        let decoded = decoder.decode(stream)
        let third = TestStream.header.count + TestStream.record("file", "proc/1/comm", Array("a\n".utf8)).count
            + TestStream.record("link", "proc/1/comm", Array("b".utf8)).count
        #expect(decoded.errors == [FrameError(offset: third, .duplicateRecord(kind: "file", key: "proc/1/comm"))])
        #expect(decoded.records.count == 3)
    }

    @Test("a length running past the end, a missing terminator, bytes after the trailer")
    func lengthsAndEnds() {
        let header = TestStream.header
        let past = decoder.decode(header + Array("@file proc/1/cmdline 100\nshort\n".utf8))
        #expect(past.errors.first == FrameError(offset: header.count, .lengthPastEnd(key: "proc/1/cmdline", declared: 100, available: 6)))
        #expect(past.isTruncated)

        let unterminated = decoder.decode(header + Array("@file proc/1/comm 3\nabcd\n".utf8) + TestStream.trailer(records: 0, bytes: 0))
        #expect(unterminated.errors.first == FrameError(offset: header.count + 20 + 3, .missingTerminator(key: "proc/1/comm")))
        #expect(unterminated.records.isEmpty)

        let stream = TestStream.stream([("meta", "self/pid", Array("1".utf8))])
        let after = decoder.decode(stream + Array("extra".utf8))
        #expect(after.errors == [FrameError(offset: stream.count, .dataAfterTrailer(length: 5))])

        let lastNewline = decoder.decode(Array(stream.dropLast()))
        #expect(lastNewline.errors == [FrameError(offset: stream.count - 1, .truncated)])
    }

    @Test("headers the format does not allow are refused with the reason")
    func badHeaders() {
        let cases: [(line: String, reason: String)] = [
            ("@file proc/1/stat 999999999999", "the length must be a decimal number of bytes up to"),
            ("@file proc/1/stat 007", "the length must be a decimal number"),
            ("@file proc/1/stat -1", "the length must be a decimal number"),
            ("@file ../../etc/passwd 1", "the key must be a relative path"),
            ("@file /etc/passwd 1", "the key must be a relative path"),
            ("@file proc//stat 1", "the key must be a relative path"),
            ("@file proc/1/\u{1B}[31m 1", "the key must be a relative path"),
            ("@file proc/1/stat  1", "fields instead of 3"),
            ("@file proc/1 stat 1", "fields instead of 3"),
            ("@FILE proc/1/stat 1", "the kind must be 1 to 16 lowercase letters"),
            ("@file proc/1/\0 1", "the key must be a relative path"),
        ]
        for item in cases {
            let stream = TestStream.header + Array((item.line + "\nx\n").utf8) + TestStream.trailer(records: 0, bytes: 0)
            let decoded = decoder.decode(stream)
            guard case .badHeader(let line, let reason) = decoded.errors.first?.problem else {
                Issue.record("\(item.line): \(decoded.errors)")
                continue
            }
            #expect(reason.hasPrefix(item.reason) || reason.contains(item.reason), "\(item.line): \(reason)")
            #expect(!line.contains("\u{1B}") && !line.contains("\0"), "unsanitised: \(line)")
            #expect(decoded.errors.first?.offset == TestStream.header.count)
            #expect(decoded.records.isEmpty)
        }
    }

    @Test("an unknown kind is kept, with an error; a missing or newer stream header is reported")
    func kindsAndVersions() {
        let unknown = decoder.decode(TestStream.stream([("blob", "x/y", Array("z".utf8))]))
        #expect(unknown.errors == [FrameError(offset: TestStream.header.count, .unknownKind("blob"))])
        #expect(unknown.records.first?.kind.isKnown == false)

        let body = Array(TestStream.stream([("meta", "self/pid", Array("1".utf8))]).dropFirst(TestStream.header.count))
        let headless = decoder.decode(body)
        #expect(headless.errors.first == FrameError(offset: 0, .missingStreamHeader(found: "@meta self/pid 1")))
        #expect(headless.records.first?.afterResync == true)

        let newer = decoder.decode(Array("#kubectl-evidence frame v2\n".utf8) + body)
        #expect(newer.errors == [FrameError(offset: 0, .unsupportedVersion("#kubectl-evidence frame v2"))])
        #expect(newer.records.isEmpty)

        let empty = decoder.decode([])
        #expect(empty.errors == [FrameError(offset: 0, .empty)])
        #expect(empty.isTruncated)
    }

    @Test("random bytes and random mutations of a stream never crash the decoder")
    func randomInput() {
        var generator = SeededRandom(seed: 0x5EED)
        let tokens: [[UInt8]] = ["@", "\n", "file ", "link ", "end ", "trailer ", "proc/1/stat ", "12", "0", " ", "records=1 bytes=27", "#kubectl-evidence frame v1\n", "\0"].map { Array($0.utf8) }
        for _ in 0..<300 {
            let random = (0..<Int.random(in: 0...2048, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let decoded = decoder.decode(random)
            #expect(!decoded.isIntact)
            var structured = Int.random(in: 0...1, using: &generator) == 0 ? TestStream.header : []
            for _ in 0..<Int.random(in: 0...200, using: &generator) { structured += tokens.randomElement(using: &generator)! }
            _ = decoder.decode(structured)
        }
        let stream = TestStream.stream([("file", "proc/1/cmdline", Array("sh\0-c\0x\0".utf8)), ("link", "proc/1/exe", Array("/bin/sh".utf8))])
        for _ in 0..<300 {
            var mutated = stream
            mutated[Int.random(in: 0..<mutated.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            _ = decoder.decode(mutated)
        }
    }

    @Test("a flood of fake record starts stops at the error limit, quickly")
    func errorFlood() {
        let flood = Array(String(repeating: "\n@", count: 2_000_000).utf8)
        let start = Date()
        let decoded = decoder.decode(flood)
        // A guard against a hang or a quadratic path, not a speed target (that is scripts/bench's).
        #expect(Date().timeIntervalSince(start) < 60)
        #expect(decoded.errors.count == FrameDecoder.Limits().maxErrors)
        guard case .limitReached = decoded.errors.last?.problem else {
            Issue.record("last error: \(String(describing: decoded.errors.last))")
            return
        }
    }

    @Test("limits: input past maxInputBytes is not read, records past maxRecords are not kept")
    func limits() {
        var limits = FrameDecoder.Limits()
        limits.maxRecords = 3
        let stream = TestStream.stream((0..<10).map { ("meta", "k/\($0)", Array("v".utf8)) })
        let few = FrameDecoder(limits: limits).decode(stream)
        #expect(few.records.count == 3)
        #expect(few.errors.contains { if case .limitReached = $0.problem { true } else { false } })

        var small = FrameDecoder.Limits()
        small.maxInputBytes = 100
        let cut = FrameDecoder(limits: small).decode(stream)
        #expect(cut.errors.first == FrameError(offset: 100, .limitReached("the output is larger than 100 bytes; only that much was decoded")))
        #expect(cut.isTruncated)
    }

    @Test("error messages name the offset and say what is wrong in a sentence")
    func messages() {
        let error = FrameError(offset: 812, .lengthPastEnd(key: "proc/9/cmdline", declared: 4096, available: 12))
        #expect(error.description == "The record proc/9/cmdline at byte 812 declares 4096 bytes but only 12 remain: the output was cut short.")
        #expect(FrameError(offset: 3, .truncated).description.contains("without the trailer record"))
    }
}

/// The script sends a process's cgroup file as `same` when it is the first
/// one's; the decoder gives every reader a plain file record.
@Suite("frame decoder: same records")
struct InPodSameRecordTests {
    @Test("a same record becomes a copy of the earlier file it names; a reference to no earlier file is an error, never a guess")
    func sameRecords() {
        let cgroup = Array("0::/kubepods/pod1/abc\n".utf8)
        let decoded = FrameDecoder().decode(TestStream.stream([
            ("file", "proc/1/cgroup", cgroup),
            ("same", "proc/7/cgroup", Array("proc/1/cgroup".utf8)),
            ("same", "proc/8/cgroup", Array("proc/9/cgroup".utf8)),
        ]))
        #expect(decoded.record(.file, "proc/7/cgroup")?.payload == cgroup)
        #expect(decoded.records(.same).isEmpty)
        #expect(decoded.record(.file, "proc/8/cgroup") == nil)
        #expect(decoded.record(.error, "proc/8/cgroup")?.text.contains("names no earlier file proc/9/cgroup") == true)
        #expect(decoded.errors.count == 1)
        #expect(decoded.errors.first?.description.contains("says it is the same file as proc/9/cgroup") == true)
    }
}
