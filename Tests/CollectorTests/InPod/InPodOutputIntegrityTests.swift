@testable import Collector
import Foundation
import TestSupport
import Testing

@Suite("termination message and output integrity")
struct InPodOutputIntegrityTests {
    static let hex = String(repeating: "0123456789abcdef", count: 4)

    @Test("the script's digest message parses, strictly")
    func parseDigest() {
        #expect(TerminationMessage.parse("sha256:\(Self.hex) bytes:1234") == .digest(OutputDigest(sha256: Self.hex, byteCount: 1234)))
        #expect(TerminationMessage.parse("sha256:\(Self.hex) bytes:0\n") == .digest(OutputDigest(sha256: Self.hex, byteCount: 0)))
        for bad in [
            "sha256:\(Self.hex.uppercased()) bytes:1",
            "sha256:\(Self.hex.dropLast()) bytes:1",
            "sha256:\(Self.hex) bytes:01",
            "sha256:\(Self.hex) bytes:-1",
            "sha256:\(Self.hex)  bytes:1",
            "sha256:\(Self.hex) bytes:1 extra",
            "bytes:1 sha256:\(Self.hex)",
            "",
        ] {
            guard case .unrecognised = TerminationMessage.parse(bad) else {
                Issue.record("accepted \(bad)")
                continue
            }
        }
    }

    @Test("the script's error message is kept in its words, with escapes made harmless and the size capped")
    func parseError() {
        #expect(TerminationMessage.parse("error: no writable temporary directory") == .scriptError("no writable temporary directory"))
        #expect(TerminationMessage.parse("error: \u{1B}[2Jgone") == .scriptError("\\x1b[2Jgone"))
        guard case .unrecognised(let text) = TerminationMessage.parse(String(repeating: "A", count: 100_000)) else {
            Issue.record("a 100 kB message parsed as something")
            return
        }
        #expect(text.count < 300)
    }

    @Test("the digest agrees with sha256sum")
    func digestAgreesWithSha256sum() throws {
        let directory = try TemporaryDirectory(prefix: "digest")
        var generator = SeededRandom(seed: 42)
        let bytes = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path + "/sample"))
        let output = try HostCommand.run(["sha256sum", directory.path + "/sample"])
        let expected = output.stdout.split(separator: " ").first.map(String.init)
        #expect(OutputIntegrity.digest(of: bytes) == OutputDigest(sha256: expected ?? "", byteCount: 100_000))
    }

    @Test("verdicts: matches, truncated, altered, no message, script failed, unrecognised")
    func verdicts() {
        let log = TestStream.stream([("meta", "self/pid", Array("1".utf8)), ("file", "proc/1/cmdline", Array("sh\0".utf8))])
        let digest = OutputIntegrity.digest(of: log)
        let message = digest.description
        #expect(OutputIntegrity.verify(log: log, terminationMessage: message) == .matches(digest))
        #expect(OutputIntegrity.verify(log: log, terminationMessage: message + "\n").isVerified)

        let short = Array(log.dropLast(10))
        #expect(OutputIntegrity.verify(log: short, terminationMessage: message)
            == .truncated(expected: digest, actual: OutputIntegrity.digest(of: short)))

        for index in [0, log.count / 2, log.count - 1] {
            var altered = log
            altered[index] ^= 0x20
            #expect(OutputIntegrity.verify(log: altered, terminationMessage: message)
                == .mismatch(expected: digest, actual: OutputIntegrity.digest(of: altered)))
        }
        #expect(OutputIntegrity.verify(log: log + [10], terminationMessage: message)
            == .mismatch(expected: digest, actual: OutputIntegrity.digest(of: log + [10])))

        #expect(OutputIntegrity.verify(log: log, terminationMessage: nil) == .noMessage(actual: digest))
        #expect(OutputIntegrity.verify(log: log, terminationMessage: "") == .noMessage(actual: digest))
        #expect(OutputIntegrity.verify(log: [], terminationMessage: "error: stopped by a signal before it finished")
            == .scriptFailed("stopped by a signal before it finished"))
        #expect(OutputIntegrity.verify(log: log, terminationMessage: "OOMKilled") == .unrecognisedMessage("OOMKilled", actual: digest))
        #expect(!OutputIntegrity.verify(log: log, terminationMessage: nil).isVerified)
        #expect(OutputIntegrity.Verdict.truncated(expected: digest, actual: OutputIntegrity.digest(of: short)).summary
            .contains("\(short.count) of \(log.count) bytes"))
    }
}
