import Evidence
import Foundation
import Testing

/// Whole evidences built to hurt: the report builder must give a result for
/// each, with problems that say what was wrong, and never trap or hang.
@Suite(.timeLimit(.minutes(2)))
struct HostileEvidenceTests {
    static func record(_ kind: EvidenceRecord.Kind, _ key: String, _ text: String) -> EvidenceRecord {
        EvidenceRecord(kind: kind, key: key, text: text)
    }

    @Test func emptyAndTruncatedFilesGiveProblemsNotCrashes() throws {
        let e = GatheredEvidence(records: [
            Self.record(.file, "proc/5/stat", ""),
            Self.record(.file, "proc/5/status", ""),
            Self.record(.file, "proc/5/cmdline", ""),
            Self.record(.file, "proc/5/comm", ""),
            Self.record(.file, "proc/5/cgroup", ""),
            Self.record(.link, "proc/5/ns/net", "net:[40265"),
            Self.record(.link, "proc/5/ns/pid", "net:[4026532000]"),
            Self.record(.meta, "proc/5/fd", "fds=-1 sockets=0"),
            Self.record(.link, "proc/5/fd/3", "socket:[abc]"),
            Self.record(.file, "proc/6/stat", "6 (half"),
            Self.record(.file, "proc/net/tcp", ""),
            Self.record(.file, "proc/net/tcp6", "  sl  local_address remote_address st\n   0: 0000"),
            Self.record(.file, "proc/net/unix", "Num RefCount\n0000: 1 2"),
            Self.record(.meta, "clock/btime", "yesterday"),
            Self.record(.meta, "self/pid", "not a pid"),
            Self.record(.link, "proc/self/ns/net", "garbage"),
        ])
        let report = EvidenceReport.build(from: e)
        let p5 = try #require(report.processes.process(5))
        let messages = p5.problems.map(\.message)
        #expect(messages.contains("proc/5/stat: the file is empty (the process may have exited while it was read)."))
        #expect(messages.contains("proc/5/ns/net: the link target \"net:[40265\" is not \"<type>:[<inode>]\"."))
        #expect(messages.contains("proc/5/ns/pid: the link names a net namespace, not a pid one; it was not used."))
        #expect(messages.contains("proc/5/fd: the fd count \"fds=-1 sockets=0\" is not \"fds=N sockets=K unreadable=U\"."))
        #expect(messages.contains("proc/5/fd/3: the link target \"socket:[abc]\" is not \"socket:[<inode>]\"."))
        #expect(p5.namespaces.isEmpty && p5.argv.isEmpty && p5.comm == "")
        #expect(report.processes.process(6)?.problems.first?.message == "proc/6/stat: no ')' closes the command name (field 2); the file is cut or not a stat line.")
        #expect(report.processes.problems.contains { $0.message.hasPrefix("clock/btime: the boot time \"yesterday\"") })
        #expect(report.sockets.problems.map(\.key).contains("proc/net/tcp6"))
        #expect(report.sockets.problems.map(\.key).contains("proc/net/unix"))
        #expect(report.namespaces.problems.contains { $0.key == "proc/self/ns/net" })
        #expect(report.summary.processes == 2)
    }

    @Test func anEmptyEvidenceIsAnEmptyReport() throws {
        let report = EvidenceReport.build(from: GatheredEvidence(records: []))
        #expect(report.processes.processes.isEmpty && report.sockets.listeners.isEmpty && report.namespaces.anomalies.isEmpty)
        #expect(report.sockets.tables.allSatisfy { !$0.present })
        _ = try EvidenceJSON.encode(report.namespaces)
    }

    @Test func aMegabyteCommAndHugeArgvAreCapped() throws {
        let mb = String(repeating: "\u{1B}[31mX", count: 1 << 18)
        let e = GatheredEvidence(records: [
            Self.record(.file, "proc/7/comm", mb),
            Self.record(.file, "proc/7/cmdline", mb + "\u{0}" + mb),
            Self.record(.link, "proc/7/exe", mb + " (deleted)"),
            Self.record(.file, "proc/7/stat", "7 (" + mb + ") S 1"),
        ])
        let report = EvidenceReport.build(from: e)
        let p = try #require(report.processes.process(7))
        let limits = EvidenceLimits()
        #expect((p.comm?.utf8.count ?? 0) <= limits.maxNameBytes * 4 + 3)
        #expect(p.argvTruncated && p.argv.allSatisfy { $0.utf8.count <= limits.maxArgumentBytes * 4 + 3 })
        #expect(p.exeDeleted && (p.exe?.utf8.count ?? 0) <= limits.maxNameBytes * 4 + 3)
        #expect(p.problems.contains { $0.message.contains("more than the 4096 a stat line can be") })
        #expect(!(try EvidenceJSON.encode(report.processes)).contains(0x1B))
    }

    @Test func absurdPidsAndTooManyProcessesAreLeftOutAndCounted() {
        var limits = EvidenceLimits()
        limits.maxProcesses = 100
        var records = (1...150).map { Self.record(.file, "proc/\($0)/stat", "\($0) (p) S 1") }
        records.append(Self.record(.file, "proc/99999999999/stat", "1 (p) S 1"))
        records.append(Self.record(.file, "proc/-1/stat", "1 (p) S 1"))
        records.append(Self.record(.file, "proc/12/stat", "13 (p) S 1"))
        let table = ProcessTable.build(from: GatheredEvidence(records: records), options: EvidenceOptions(limits: limits))
        #expect(table.processes.count == 100 && table.processesLeftOut == 50)
        #expect(table.processes.map(\.pid) == Array(1...100))
        #expect(table.process(12)?.ppid == 1, "the duplicate record is ignored: the first wins")
    }

    @Test func startTimeIsBootTimePlusTicks() throws {
        let e = GatheredEvidence(records: [
            Self.record(.meta, "clock/btime", "1795911543"),
            Self.record(.file, "proc/1/stat", "1 (init) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 427615 2322432 363"),
            Self.record(.file, "proc/2/stat", "2 (late) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551615 1 1"),
        ])
        let t = ProcessTable.build(from: e)
        #expect(t.clockTicksPerSecond == 100 && t.clockTicksSource == "default")
        let p = try #require(t.process(1))
        #expect(abs((p.startTimeEpoch ?? 0) - 1_795_915_819.15) < 0.001)
        #expect(p.startTime == "2026-11-29T01:30:19.15Z")
        #expect(p.rssBytes == 363 * 4096 && p.rssSource == "stat rss pages x 4096")
        #expect(t.process(2)?.startTime == nil)
        #expect(t.process(2)?.problems.first?.message.contains("past the year 9999") == true)
        let hz = ProcessTable.build(from: GatheredEvidence(records: e.records + [Self.record(.meta, "clock/hz", "250")]))
        #expect(hz.clockTicksPerSecond == 250 && hz.clockTicksSource == "evidence")
    }

    @Test func startTicksPastTheUptimeSayTheTickRateIsWrong() {
        let stat = "1 (init) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 500000 2322432 363"
        let slow = ProcessTable.build(from: GatheredEvidence(records: [
            Self.record(.file, "proc/uptime", "4276.78 2847.51\n"), Self.record(.file, "proc/1/stat", stat),
        ]))
        #expect(slow.problems.map(\.message) == ["proc/uptime: the node had been up 4276 s, but a process started 5000 s after boot at 100 clock ticks per second: the node counts ticks at another rate, so the start times are wrong."])
        let right = ProcessTable.build(from: GatheredEvidence(records: [
            Self.record(.file, "proc/uptime", "4276.78 2847.51\n"), Self.record(.file, "proc/1/stat", stat),
        ]), options: EvidenceOptions(clockTicksPerSecond: 250))
        #expect(right.problems.isEmpty && right.clockTicksSource == "option")
    }

    @Test func kernelThreadsAreKnownByTheKernelsWordOrByKthreadd() {
        let t = ProcessTable.build(from: GatheredEvidence(records: [
            Self.record(.file, "proc/2/stat", "2 (kthreadd) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0"),
            Self.record(.file, "proc/3/stat", "3 (rcu_gp) I 2 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0"),
            Self.record(.file, "proc/3/cmdline", ""),
            Self.record(.file, "proc/4/stat", "4 (defunct) Z 2 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0"),
            Self.record(.file, "proc/4/cmdline", ""),
            Self.record(.file, "proc/5/stat", "5 (worker) S 2 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0"),
            Self.record(.file, "proc/5/status", "Name:\tworker\nKthread:\t0\n"),
            Self.record(.file, "proc/5/cmdline", ""),
            Self.record(.file, "proc/007/stat", "7 (alias) S 1"),
        ]))
        #expect(t.processes.map(\.pid) == [2, 3, 4, 5], "proc/007 is not a key the script writes")
        #expect(t.processes.map(\.kernelThread) == [true, true, false, false])
    }

    @Test func errorRecordsBecomeGroupedGaps() throws {
        let e = GatheredEvidence(records: [
            Self.record(.error, "proc/10/fd", "list /proc/10/fd: Permission denied"),
            Self.record(.error, "proc/11/fd", "readlink of 2 fd links in /proc/11/fd failed: Permission denied: fds 3 4"),
            Self.record(.error, "proc/11/ns/net", "readlink /proc/11/ns/net: Permission denied"),
            Self.record(.error, "proc/12", "read /proc/12: the process exited while it was being read"),
            Self.record(.error, "proc/net/raw6", "read /proc/net/raw6: No such file or directory"),
            Self.record(.cut, "proc/13/stat", "output cap of 4096 bytes reached at 3000 bytes: left out proc/13/stat"),
            Self.record(.error, "script/ls", "ls: \u{1B}[2Jweird"),
        ])
        let gaps = EvidenceReport.build(from: e).gaps
        let fd = try #require(gaps.first { $0.what == "fd links" })
        #expect(fd.pids == [10, 11] && fd.count == 2 && fd.reason == "Permission denied" && fd.area == .sockets)
        #expect(fd.message == "Could not read the fd links of 2 processes (pids 10, 11): Permission denied. Sockets could not be tied to these processes.")
        #expect(fd.remedy == "A profile with SYS_PTRACE (standard) would have read them.")
        #expect(gaps.first { $0.what == "namespace links" }?.pids == [11])
        #expect(gaps.first { $0.what == "processes that exited" }?.message.hasPrefix("Process 12 exited") == true)
        #expect(gaps.first { $0.what == "socket tables" }?.reason == "No such file or directory")
        #expect(gaps.first { $0.what == "output cap" }?.keys == ["proc/13/stat"])
        #expect(gaps.allSatisfy { !$0.message.unicodeScalars.contains("\u{1B}") })
    }

    @Test func sectionsTheRunLeftOutAreGaps() {
        let gaps = EvidenceReport.build(from: GatheredEvidence(records: [
            Self.record(.meta, "script/sections", "processes=1 fds=0 namespaces=0 sockets=1 network=0 mounts=0 cgroups=0"),
        ])).gaps
        #expect(gaps.map(\.reason) == ["not gathered: fds", "not gathered: namespaces"])
        #expect(gaps.map(\.area) == [.sockets, .namespaces])
        #expect(gaps[0].message.contains("sockets are not tied to the processes"))
    }

    @Test func theBenchmarkHelperParsesEveryProcess() {
        let result = EvidenceBenchmark.run(processes: 500, rounds: 1)
        #expect(result.parsedProcesses == 500 && result.listeners == 500 && result.processesPerSecond > 0)
    }
}
