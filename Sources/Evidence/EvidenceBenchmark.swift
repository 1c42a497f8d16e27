/// Parser throughput for scripts/bench: builds a synthetic evidence of
/// `processes` processes (stat, status, cmdline, comm, cgroup, exe, cwd, ten
/// ns links, two socket fds each, and matching tcp6 lines), then times
/// ``EvidenceReport/build(from:options:)`` over it. Not a test: it prints
/// nothing and asserts nothing.
public enum EvidenceBenchmark {
    public struct Result: Sendable {
        public var processes: Int
        public var seconds: Double
        public var processesPerSecond: Double
        public var inputBytes: Int
        /// What the last round found, so a caller can check nothing was lost.
        public var parsedProcesses: Int
        public var listeners: Int
    }

    public static func synthetic(processes count: Int) -> GatheredEvidence {
        var records: [EvidenceRecord] = [
            .init(kind: .meta, key: "self/pid", text: "\(count + 10)"),
            .init(kind: .meta, key: "clock/btime", text: "1795911543"),
        ]
        let nsTypes = ["cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"]
        for type in nsTypes {
            let kind = type.hasSuffix("_for_children") ? String(type.dropLast(13)) : type
            records.append(.init(kind: .link, key: "proc/self/ns/\(type)", text: "\(kind):[\(4_026_532_000 + type.count)]"))
        }
        var tcp = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        for pid in 1...max(1, count) {
            let ppid = pid == 1 ? 0 : 1
            records.append(.init(kind: .file, key: "proc/\(pid)/stat", text: "\(pid) (worker \(pid)) S \(ppid) \(pid) \(pid) 0 -1 4194560 94 179 0 0 0 0 0 0 20 0 4 0 \(427_615 + pid) 2322432 363 18446744073709551615 4198400 5785993 0 0 0 0 0 4 65538 1 0 0 17 0 0 0 0 0 0\n"))
            records.append(.init(kind: .file, key: "proc/\(pid)/status", text: "Name:\tworker\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t\(pid)\nPid:\t\(pid)\nPPid:\t\(ppid)\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nNSpid:\t\(pid)\nVmRSS:\t    1876 kB\nThreads:\t4\nCapEff:\t0000000000000000\nKthread:\t0\n"))
            records.append(.init(kind: .file, key: "proc/\(pid)/cmdline", text: "/usr/bin/worker\u{0}--id\u{0}\(pid)\u{0}"))
            records.append(.init(kind: .file, key: "proc/\(pid)/comm", text: "worker\n"))
            records.append(.init(kind: .file, key: "proc/\(pid)/cgroup", text: "0::/kubepods/pod1234/worker\n"))
            records.append(.init(kind: .link, key: "proc/\(pid)/exe", text: "/usr/bin/worker"))
            records.append(.init(kind: .link, key: "proc/\(pid)/cwd", text: "/srv"))
            for type in nsTypes {
                let kind = type.hasSuffix("_for_children") ? String(type.dropLast(13)) : type
                records.append(.init(kind: .link, key: "proc/\(pid)/ns/\(type)", text: "\(kind):[\(4_026_532_000 + type.count)]"))
            }
            for fd in 3...4 {
                records.append(.init(kind: .link, key: "proc/\(pid)/fd/\(fd)", text: "socket:[\(pid * 10 + fd)]"))
            }
            records.append(.init(kind: .meta, key: "proc/\(pid)/fd", text: "fds=5 sockets=2 unreadable=0"))
            let port = String(pid % 65536, radix: 16, uppercase: true)
            tcp += "   \(pid): 00000000000000000000000000000000:\(port) 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 \(pid * 10 + 3) 1 0000000048da2aef 100 0 0 10 0\n"
            tcp += "   \(pid): 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:9984 01 00000000:00000000 00:00000000 00000000  1000        0 \(pid * 10 + 4) 1 0000000048da2aef 100 0 0 10 0\n"
        }
        records.append(.init(kind: .file, key: "proc/net/tcp6", text: tcp))
        return GatheredEvidence(records: records)
    }

    /// Parses a synthetic table of `processes` processes `rounds` times and
    /// returns the best round's throughput.
    public static func run(processes: Int = 10_000, rounds: Int = 3) -> Result {
        let evidence = synthetic(processes: processes)
        let bytes = evidence.records.reduce(0) { $0 + $1.payload.count }
        let clock = ContinuousClock()
        var best = Double.infinity
        var parsed = 0, listeners = 0
        for _ in 0..<max(1, rounds) {
            let elapsed = clock.measure {
                let report = EvidenceReport.build(from: evidence)
                parsed = report.processes.processes.count
                listeners = report.sockets.listeners.count
            }
            let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            best = min(best, s)
        }
        return Result(processes: processes, seconds: best, processesPerSecond: Double(processes) / best, inputBytes: bytes,
                      parsedProcesses: parsed, listeners: listeners)
    }

    /// Processes per second on a synthetic 10,000-process table.
    public static func processesPerSecond(processes: Int = 10_000) -> Double {
        run(processes: processes).processesPerSecond
    }
}
