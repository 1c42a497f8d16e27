import Testing
@testable import Evidence

/// Which arguments hold secrets: the value is masked with as many `*`, the
/// option's name and every other argument stay.
@Suite("Secret values in command lines")
struct SecretArgumentTests {
    func redact(_ argv: [String]) -> ([String], [MaskedArgument]) {
        let (out, masked) = ArgvRedaction.redact(argv)
        return (out, masked)
    }

    @Test("--option=value, --option value, NAME=value and URL passwords are masked, each with its rule")
    func masks() {
        let (out, masked) = redact([
            "worker", "--db-password=hunter2", "--api-token", "tok-9f8e7d", "DB_SECRET=s3", "-key=abc",
            "--db-url=postgres://billing:pgsecret@db:5432/billing", "--auth", "xyz", "--clientSecret=cs",
        ])
        #expect(out == [
            "worker", "--db-password=*******", "--api-token", "**********", "DB_SECRET=**", "-key=***",
            "--db-url=postgres://billing:********@db:5432/billing", "--auth", "***", "--clientSecret=**",
        ])
        #expect(masked == [
            MaskedArgument(index: 1, rule: .secretOptionValue), MaskedArgument(index: 3, rule: .secretOptionNextArgument),
            MaskedArgument(index: 4, rule: .secretAssignment), MaskedArgument(index: 5, rule: .secretOptionValue),
            MaskedArgument(index: 6, rule: .urlPassword), MaskedArgument(index: 8, rule: .secretOptionNextArgument),
            MaskedArgument(index: 9, rule: .secretOptionValue),
        ])
    }

    @Test("names that only mention a secret's file, name, id or lifetime, and ordinary options, are kept")
    func keeps() {
        let argv = [
            "--token-file=/var/run/token", "--secret-name", "billing", "--sort-key=name", "--keepalive=30", "--tokenizer=bpe",
            "--password-file", "/etc/pw", "--access-key-id=AKIA", "--token-ttl", "3600", "--monkey=1", "httpd", "-f", "-p", "8080",
            "https://example.com/path@x", "user@host:/dir", "--password", "--verbose",
        ]
        let (out, masked) = redact(argv)
        #expect(out == argv)
        #expect(masked.isEmpty)
    }

    @Test("masking keeps every length and works on raw bytes, invalid UTF-8 included")
    func rawBytes() {
        let argv: [[UInt8]] = [Array("sh".utf8), Array("--password=".utf8) + [0xFF, 0xFE, 0x41], Array("-x".utf8)]
        let (out, masked) = ArgvRedaction.redact(argv)
        #expect(out.map(\.count) == argv.map(\.count))
        #expect(out[1] == Array("--password=***".utf8))
        #expect(masked == [MaskedArgument(index: 1, rule: .secretOptionValue)])
    }
}
