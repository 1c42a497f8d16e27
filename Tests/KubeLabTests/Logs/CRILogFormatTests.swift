import Foundation
import Testing

@testable import KubeLab

/// The CRI log file as containerd writes it and the kubelet reads it back, checked against
/// what a v1.36.2 node (containerd) wrote for `sh -c 'echo out1; echo err1 >&2; printf nonl;
/// sleep 1; echo; head -c 40000 /dev/zero | tr "\0" a; echo; printf part; sleep 2; echo ial'`:
///
///     2026-11-30T07:49:04.238927654Z stdout F out1
///     2026-11-30T07:49:04.239214111Z stderr F err1
///     2026-11-30T07:49:05.242651366Z stdout F nonl
///     2026-11-30T07:49:05.242689884Z stdout P aaaa…   16384 a
///     2026-11-30T07:49:05.242740623Z stdout P aaaa…   16384 a
///     2026-11-30T07:49:05.242907794Z stdout F aaaa…   7232 a
///     2026-11-30T07:49:07.247206844Z stdout F partial
///
/// and for `printf "a\r\nb\rc\n"; printf tail-without-newline` (ended):
///
///     2026-11-30T08:00:07.06058916Z stdout F a
///     … stdout F b\rc
///     2026-11-30T08:00:07.0611062Z stdout P tail-without-newline
@Suite("CRI log format")
struct CRILogFormatTests {
    let t0 = CRILogTime(seconds: 1_796_024_947, nanoseconds: 60_589_160)

    func records(_ chunks: [String], ended: Bool = false) -> [CRILogRecord] {
        var framer = CRILogFramer(stream: .stdout)
        var out: [CRILogRecord] = []
        for c in chunks { out += framer.feed(Array(c.utf8), at: t0) }
        if ended { out += framer.finish(at: t0) }
        return out
    }

    @Test("timestamps: containerd trims the fraction's trailing zeros in the file, the kubelet prints nine digits")
    func timestamps() {
        #expect(t0.rfc3339Nano == "2026-11-30T07:49:07.06058916Z")
        #expect(t0.rfc3339NanoFixed == "2026-11-30T07:49:07.060589160Z")
        let whole = CRILogTime(seconds: 1_796_024_947, nanoseconds: 0)
        #expect(whole.rfc3339Nano == "2026-11-30T07:49:07Z")
        #expect(whole.rfc3339NanoFixed == "2026-11-30T07:49:07.000000000Z")
        #expect(CRILogTime.parseRFC3339(Array("2026-11-30T07:49:07.06058916Z".utf8)[...]) == t0)
        #expect(CRILogTime.parseRFC3339(Array("2026-11-30T09:49:07.06058916+02:00".utf8)[...]) == t0)
    }

    @Test("sinceTime that does not parse: Go's time.Parse wording, as the server answers it")
    func timeParseErrors() {
        func message(_ s: String) -> String? {
            if case .failure(let e) = CRILogTime.parseRFC3339(s) { return e.message }
            return nil
        }
        #expect(message("bad") == #"parsing time "bad" as "2006-01-02T15:04:05Z07:00": cannot parse "bad" as "2006""#)
        #expect(message("2020-01-01") == #"parsing time "2020-01-01" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T""#)
        #expect(message("2020-13-01T00:00:00Z") == #"parsing time "2020-13-01T00:00:00Z": month out of range"#)
        #expect(message("2020-01-01T00:00:00.5+02:00") == nil)
    }

    @Test("one record per line, framed <time> <stream> <F|P> <content>; a line waits for its newline")
    func lines() {
        var framer = CRILogFramer(stream: .stdout)
        #expect(framer.feed(Array("out1\nno".utf8), at: t0).map(\.framed) == [Array("2026-11-30T07:49:07.06058916Z stdout F out1\n".utf8)])
        #expect(framer.feed(Array("nl".utf8), at: t0).isEmpty, "half a line is in no record yet")
        let rest = framer.feed(Array("\n".utf8), at: t0)
        #expect(rest.map { String(decoding: $0.content, as: UTF8.self) } == ["nonl"])
        #expect(rest.allSatisfy { !$0.partial })
        var errors = CRILogFramer(stream: .stderr)
        #expect(String(decoding: errors.feed(Array("err1\n".utf8), at: t0)[0].framed, as: UTF8.self) == "2026-11-30T07:49:07.06058916Z stderr F err1\n")
    }

    @Test("a line over 16 KiB: 16 KiB P records, then the rest as F; exactly 16 KiB is one F")
    func longLines() {
        let long = records([String(repeating: "a", count: 40_000) + "\n"])
        #expect(long.map(\.partial) == [true, true, false])
        #expect(long.map(\.content.count) == [16_384, 16_384, 7_232])
        // As containerd: the pieces are written as soon as 16 KiB are held, before the newline.
        #expect(records([String(repeating: "b", count: 20_000)]).map(\.content.count) == [16_384])
        #expect(records([String(repeating: "c", count: 16_384) + "\n"]).map(\.partial) == [false])
        #expect(records([String(repeating: "d", count: 32_768) + "\n"]).map(\.partial) == [true, false])
    }

    @Test("\\r before a newline is dropped (Go's ReadLine), a lone \\r stays; the end of the stream leaves a P record")
    func carriageReturnAndEnd() {
        let r = records(["a\r\nb\rc\n\r\n", "tail-without-newline"], ended: true)
        #expect(r.map { String(decoding: $0.content, as: UTF8.self) } == ["a", "b\rc", "", "tail-without-newline"])
        #expect(r.map(\.partial) == [false, false, false, true])
        #expect(records(["x\r", "\ny\n"]).map { String(decoding: $0.content, as: UTF8.self) } == ["x", "y"])
        #expect(records(["ends on newline\n"], ended: true).map(\.partial) == [false])
    }

    @Test("a record parses back (the kubelet's parseCRILog); other lines do not")
    func parse() {
        let r = CRILogRecord(time: t0, stream: .stderr, partial: true, content: Array("x y z".utf8))
        #expect(CRILogRecord.parse(r.framed[...]) == r)
        #expect(CRILogRecord.parse(Array("2026-11-30T07:49:07Z stdout F:x content\n".utf8)[...])?.partial == false)
        #expect(CRILogRecord.parse(Array("not a record\n".utf8)[...]) == nil)
        #expect(CRILogRecord.parse(Array("2026-11-30T07:49:07Z stdin F x\n".utf8)[...]) == nil)
    }

    func file(_ records: [CRILogRecord]) -> [UInt8] {
        var out: [UInt8] = []
        for r in records { r.frame(into: &out) }
        return out
    }

    func served(_ file: [UInt8], timestamps: Bool = false, since: CRILogTime? = nil, limit: Int? = nil, tail: Int? = nil) -> String {
        var writer = ContainerLogWriter(timestamps: timestamps, since: since, limitBytes: limit)
        var out: [UInt8] = []
        writer.write(file: file, tailLines: tail, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test("served back: content joined; timestamps before each line only; tailLines counts records; limitBytes counts the timestamps")
    func kubeletReading() {
        let a = String(repeating: "a", count: 40_000)
        let later = CRILogTime(seconds: t0.seconds + 2, nanoseconds: 0)
        var framer = CRILogFramer(stream: .stdout)
        let f = file(framer.feed(Array("out1\n\(a)\n".utf8), at: t0) + framer.feed(Array("done\nunfinished".utf8), at: later) + framer.finish(at: later))
        #expect(served(f) == "out1\n\(a)\ndone\nunfinished")
        #expect(served(f, timestamps: true) == "2026-11-30T07:49:07.060589160Z out1\n2026-11-30T07:49:07.060589160Z \(a)\n2026-11-30T07:49:09.000000000Z done\n2026-11-30T07:49:09.000000000Z unfinished")
        // The last 4 file lines: the second piece of the long line, its end, done, unfinished.
        #expect(served(f, tail: 4) == String(repeating: "a", count: 16_384 + 7_232) + "\ndone\nunfinished")
        #expect(served(f, timestamps: true, tail: 4).hasPrefix("2026-11-30T07:49:07.060589160Z aaa"))
        #expect(served(f, tail: 0) == "")
        #expect(served(f, timestamps: true, limit: 3) == "202")
        #expect(served(f, since: later) == "done\nunfinished")
    }

    @Test("the store rotates the file at 10 MiB: what is served is the current file only, the head is gone")
    func rotation() {
        let store = LabLogStore()
        let line = Array((String(repeating: "x", count: 1023) + "\n").utf8)
        let recordSize = CRILogRecord(time: t0, stream: .stdout, partial: false, content: Array(line.dropLast())).framed.count
        let perFile = (LabLogStore.containerLogMaxSize + recordSize - 1) / recordSize
        store.append(namespace: "n", pod: "p", container: "c", at: t0, Array("head\n".utf8))
        for _ in 0..<(perFile + 10) { store.append(namespace: "n", pod: "p", container: "c", at: t0, line) }
        #expect(store.rotations(namespace: "n", pod: "p", container: "c") == 1)
        let current = store.file(namespace: "n", pod: "p", container: "c")
        #expect(current.count < 11 * recordSize)
        let content = store.read(namespace: "n", pod: "p", container: "c")
        #expect(!content.starts(with: Array("head".utf8)))
        #expect(content.count == current.count / recordSize * line.count)
    }
}
