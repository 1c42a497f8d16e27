@testable import Collector
import Evidence
import Foundation
import TestSupport
import Testing

/// The log carries the stream in base64: decoding is strict, keeps what came
/// before any damage, and says where the damage is.
@Suite("the log's base64 transport")
struct LogTransportTests {
    @Test("wrap is busybox base64 -w 0 plus a newline, byte for byte, and unwrap gives the stream back",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/busybox")))
    func matchesBusybox() throws {
        var generator = SeededRandom(seed: 0xB64)
        for length in [0, 1, 2, 3, 4, 5, 1000, 4096, 70_001] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let directory = try TemporaryDirectory(prefix: "b64")
            let path = directory.path + "/in"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let busybox = try HostCommand.run(["/bin/busybox", "base64", "-w", "0", path])
            #expect(LogTransport.wrap(bytes) == busybox.stdoutBytes + [UInt8(ascii: "\n")], "length \(length)")
            let unwrapped = LogTransport.unwrap(LogTransport.wrap(bytes))
            #expect(unwrapped.stream == bytes && unwrapped.problem == nil, "length \(length)")
        }
    }

    @Test("a byte that is not base64 stops decoding there: what came before is kept, the offset is the log's")
    func alteredByte() {
        let stream = TestStream.stream([("meta", "self/pid", Array("7".utf8)), ("file", "proc/7/comm", Array("sh\n".utf8))])
        var log = LogTransport.wrap(stream)
        log[82] = UInt8(ascii: "!")
        let unwrapped = LogTransport.unwrap(log)
        #expect(unwrapped.stream == Array(stream.prefix(60)))
        #expect(unwrapped.problem?.offset == 82)
        #expect(unwrapped.problem?.meansTruncated == false)
        #expect(unwrapped.problem?.description.contains("byte 82 (!) is not base64") == true, "\(String(describing: unwrapped.problem))")

        let decoded = FrameDecoder().decode(log)
        #expect(!decoded.isIntact)
        #expect(decoded.errors.first == unwrapped.problem)
        #expect(decoded.records.first?.key == "self/pid", "the record before the damage is kept")
    }

    @Test("padding in the middle, a cut inside a group and a missing final newline are each named")
    func malformed() {
        let stream = Array("#kubectl-evidence frame v1\n".utf8)
        let log = LogTransport.wrap(stream)
        let padded = Array("QQ==".utf8) + log
        #expect(LogTransport.unwrap(padded).problem?.description.contains("padding at byte 0 is followed by more data") == true)

        let cutInGroup = LogTransport.unwrap(Array(log.prefix(log.count - 3)))
        #expect(cutInGroup.problem?.meansTruncated == true)
        #expect(cutInGroup.problem?.description.contains("ends inside a base64 group") == true)

        let noNewline = LogTransport.unwrap(Array(log.dropLast()))
        #expect(noNewline.stream == stream)
        #expect(noNewline.problem?.meansTruncated == true)
        #expect(noNewline.problem?.description.contains("does not end with the newline") == true)
    }

    @Test("a log that is the stream as it is (bundles written before the transport) decodes as before")
    func plainStream() {
        let stream = TestStream.stream([("meta", "self/pid", Array("7".utf8))])
        let unwrapped = LogTransport.unwrap(stream)
        #expect(!unwrapped.wasEncoded && unwrapped.stream == stream && unwrapped.problem == nil)
        #expect(FrameDecoder().decode(stream).isIntact)
        #expect(FrameDecoder().decode(LogTransport.wrap(stream)).isIntact)
    }
}
