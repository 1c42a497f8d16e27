import Evidence
import Testing

/// The in-pod script keeps the first 4 KiB of a cmdline and records the true
/// length in meta `proc/<pid>/cmdline-length`: processes.json shows the argv as
/// cut, with that length; a cap in the second pass is not a process left out.
struct CmdlineLengthTests {
    static func record(_ kind: EvidenceRecord.Kind, _ key: String, _ text: String) -> EvidenceRecord {
        EvidenceRecord(kind: kind, key: key, text: text)
    }

    static let prefix = "sh\u{0}-c\u{0}sleep 3600; :\u{0}sh\u{0}" + String(repeating: "x", count: 4096 - 23)

    @Test func aCutArgvIsTruncatedWithItsTrueLength() throws {
        let e = GatheredEvidence(records: [
            Self.record(.file, "proc/7/stat", "7 (sh) S 1"),
            Self.record(.file, "proc/7/cmdline", Self.prefix),
            Self.record(.meta, "proc/7/cmdline-length", "200025"),
            Self.record(.file, "proc/8/stat", "8 (httpd) S 1"),
            Self.record(.file, "proc/8/cmdline", "httpd\u{0}-f\u{0}"),
        ])
        let report = EvidenceReport.build(from: e)
        let big = try #require(report.processes.processes.first { $0.pid == 7 })
        #expect(big.argvTruncated && big.argvBytes == 200_025)
        #expect(big.argv.first == "sh" && big.argv.count == 5)
        let small = try #require(report.processes.processes.first { $0.pid == 8 })
        #expect(!small.argvTruncated && small.argvBytes == nil && small.argv == ["httpd", "-f"])
        #expect(report.processes.processesLeftOut == 0)
    }

    @Test func aLengthThatIsNoLongerThanWhatWasKeptIsAProblem() throws {
        for text in ["12", "x", "-5", "\u{1B}[2J"] {
            let e = GatheredEvidence(records: [
                Self.record(.file, "proc/7/cmdline", Self.prefix),
                Self.record(.meta, "proc/7/cmdline-length", text),
            ])
            let p = try #require(EvidenceReport.build(from: e).processes.processes.first)
            #expect(p.argvBytes == nil, "\(text)")
            #expect(p.problems.contains { $0.key == "proc/7/cmdline-length" }, "\(text)")
        }
    }

    @Test func aCutInTheContentPassListsEveryProcessAndSaysWhatIsMissing() throws {
        let e = GatheredEvidence(records: [
            Self.record(.file, "proc/10/stat", "10 (a) S 1"),
            Self.record(.file, "proc/12/stat", "12 (b) S 1"),
            Self.record(.cut, "proc/12/cmdline", "output cap of 8192 bytes reached at 6000 bytes: left out proc/12/cmdline (4200 bytes with its header) and everything after it"),
            Self.record(.meta, "script/content-left-out", "processes=1 listed=1 pids=12"),
        ])
        let report = EvidenceReport.build(from: e)
        #expect(report.processes.processes.count == 2 && report.processes.processesLeftOut == 0)
        let gap = try #require(report.gaps.first { $0.what == "output cap" })
        #expect(gap.pids == [12])
        #expect(gap.message.contains("Every process was listed, but the command line"), "\(gap.message)")
    }
}
