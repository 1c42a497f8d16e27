import Evidence
import Foundation
import TestSupport
import Testing

/// Property-style: real evidence (this machine's /proc for this test process
/// and its socket tables), mutated at random from fixed seeds, must always
/// give a report, JSON without a raw control byte, and finish quickly.
@Suite(.timeLimit(.minutes(2)))
struct MutationTests {
    /// This process's own /proc files, keyed as the in-pod script keys them.
    static func realEvidence() throws -> GatheredEvidence {
        let pid = Int(getpid())
        var records: [EvidenceRecord] = [
            EvidenceRecord(kind: .meta, key: "clock/btime", text: "1795911543"),
            EvidenceRecord(kind: .meta, key: "self/pid", text: "\(pid)"),
        ]
        func file(_ path: String, _ key: String) throws {
            records.append(EvidenceRecord(kind: .file, key: key, payload: Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
        }
        for name in ["stat", "status", "cmdline", "comm", "cgroup"] { try file("/proc/self/\(name)", "proc/\(pid)/\(name)") }
        for name in ["tcp", "tcp6", "udp", "udp6", "unix", "raw"] { try file("/proc/net/\(name)", "proc/net/\(name)") }
        let fm = FileManager.default
        for name in ["exe", "cwd"] {
            records.append(EvidenceRecord(kind: .link, key: "proc/\(pid)/\(name)", text: try fm.destinationOfSymbolicLink(atPath: "/proc/self/\(name)")))
        }
        for type in try fm.contentsOfDirectory(atPath: "/proc/self/ns") {
            let target = try fm.destinationOfSymbolicLink(atPath: "/proc/self/ns/\(type)")
            records.append(EvidenceRecord(kind: .link, key: "proc/\(pid)/ns/\(type)", text: target))
            records.append(EvidenceRecord(kind: .link, key: "proc/self/ns/\(type)", text: target))
        }
        for fd in try fm.contentsOfDirectory(atPath: "/proc/self/fd") {
            if let target = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"), target.hasPrefix("socket:") {
                records.append(EvidenceRecord(kind: .link, key: "proc/\(pid)/fd/\(fd)", text: target))
            }
        }
        return GatheredEvidence(records: records)
    }

    static let nasty: [[UInt8]] = [
        [0], [10], [0x1B], Array(")".utf8), Array(" ) ".utf8), Array(":".utf8), Array("\n@file proc/1/stat 5\n".utf8),
        Array("1180591620717411303424".utf8), Array("-".utf8), Array("socket:[".utf8), [0xFF], [0xC2, 0x9B], Array("(deleted)".utf8),
    ]

    static func mutate(_ bytes: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var b = bytes
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !b.isEmpty: b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1: b = Array(b.prefix(Int.random(in: 0...b.count, using: &rng)))
            case 2: b.insert(contentsOf: nasty.randomElement(using: &rng)!, at: Int.random(in: 0...b.count, using: &rng))
            case 3 where !b.isEmpty:
                let i = Int.random(in: 0..<b.count, using: &rng)
                b.removeSubrange(i..<min(b.count, i + Int.random(in: 1...16, using: &rng)))
            case 4: b += Array(repeating: nasty.randomElement(using: &rng)!.first ?? 0, count: Int.random(in: 0...5000, using: &rng))
            default: b = b.isEmpty ? b : b.shuffled(using: &rng)
            }
        }
        return b
    }

    @Test func randomMutationsOfRealEvidenceNeverBreakTheParsers() throws {
        let real = try Self.realEvidence()
        let baseline = EvidenceReport.build(from: real)
        #expect(baseline.processes.processes.count == 1 && baseline.processes.problems.isEmpty, "\(baseline.processes.problems)")
        #expect(baseline.namespaces.shared.contains("net"))
        let clock = ContinuousClock()
        for seed in UInt64(1)...400 {
            var rng = SeededRandom(seed: seed)
            var records = real.records
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<records.count, using: &rng)
                records[i].payload = Self.mutate(records[i].payload, &rng)
            }
            // Keys as the frame decoder lets them through: [A-Za-z0-9._:/-].
            if Bool.random(using: &rng) {
                let i = Int.random(in: 0..<records.count, using: &rng)
                let alphabet = Array("0123456789/:._-aZ".utf8)
                var key = Array(records[i].key.utf8)
                key[Int.random(in: 0..<key.count, using: &rng)] = alphabet.randomElement(using: &rng)!
                records[i].key = String(decoding: key, as: UTF8.self)
                if Bool.random(using: &rng) { records.append(records[i]) }
            }
            let start = clock.now
            let report = EvidenceReport.build(from: GatheredEvidence(records: records))
            let json = try EvidenceJSON.encode(report.processes) + EvidenceJSON.encode(report.sockets) + EvidenceJSON.encode(report.namespaces)
            #expect(clock.now - start < .seconds(2), "seed \(seed) took too long")
            #expect(!json.contains(0x1B) && !json.contains(0x07), "seed \(seed) let a control byte into the JSON")
            #expect(report.processes.processes.count <= 2, "seed \(seed)")
        }
    }
}
