import Evidence
import Testing

/// The in-pod script's meta `script/left-out`, written after its cut record,
/// counts the processes it did not gather: the evidence counts them too.
struct LeftOutAtCapTests {
    static func record(_ kind: EvidenceRecord.Kind, _ key: String, _ text: String) -> EvidenceRecord {
        EvidenceRecord(kind: kind, key: key, text: text)
    }

    static let cutText = "output cap of 8192 bytes reached at 6000 bytes: left out proc/12/status (900 bytes with its header) and everything after it"

    @Test func processesLeftOutCountsTheScriptsLeftOutRecord() throws {
        let e = GatheredEvidence(records: [
            Self.record(.file, "proc/10/stat", "10 (a) S 1"),
            Self.record(.file, "proc/12/stat", "12 (b) S 1"),
            Self.record(.cut, "proc/12/status", Self.cutText),
            Self.record(.meta, "script/left-out", "processes=3 listed=3 pids=12 15 17"),
        ])
        let report = EvidenceReport.build(from: e)
        #expect(report.processes.processesLeftOut == 3)
        let gap = try #require(report.gaps.first { $0.what == "output cap" })
        #expect(gap.pids == [12, 15, 17] && gap.itemsLeftOut == 0)
        #expect(gap.message.hasSuffix("3 processes were not gathered whole (pids 12, 15, 17)."), "\(gap.message)")
    }

    @Test func aLongListIsCountedWhenOnlyItsStartIsListed() throws {
        let listed = (100..<110).map(String.init).joined(separator: " ")
        let e = GatheredEvidence(records: [
            Self.record(.cut, "proc/100/stat", Self.cutText),
            Self.record(.meta, "script/left-out", "processes=500 listed=10 pids=\(listed)"),
        ])
        let report = EvidenceReport.build(from: e)
        #expect(report.processes.processesLeftOut == 500)
        let gap = try #require(report.gaps.first { $0.what == "output cap" })
        #expect(gap.pids.count + gap.itemsLeftOut == 500)
    }

    @Test func noLeftOutRecordOrAGarbledOneCountsNothing() {
        for text in [nil, "processes=-4 pids=1", "processes=x", "\u{1B}[2J"] {
            var records = [Self.record(.cut, "proc/net/tcp", Self.cutText)]
            if let text { records.append(Self.record(.meta, "script/left-out", text)) }
            let report = EvidenceReport.build(from: GatheredEvidence(records: records))
            #expect(report.processes.processesLeftOut == 0, "\(text ?? "none")")
        }
    }
}
