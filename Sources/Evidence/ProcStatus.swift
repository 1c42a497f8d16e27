/// The fields of `/proc/<pid>/status` the evidence uses. Lines are
/// `Name:\tvalue`; unknown lines are skipped, and a known line whose value
/// does not parse is a problem for that field only.
public struct ProcStatus: Sendable, Equatable {
    public var name: [UInt8]?
    public var ppid: Int?
    /// Real, effective, saved, filesystem.
    public var uids: [UInt64]?
    public var gids: [UInt64]?
    public var threads: UInt64?
    /// VmRSS in kB (absent for kernel threads).
    public var vmRSSKiB: UInt64?
    /// The pid in each pid namespace, from the /proc mount's namespace inward.
    public var nspid: [UInt64]?
    public var capEff: UInt64?
    /// Permitted capabilities: what the process may raise into its effective set.
    public var capPrm: UInt64?
    /// `NoNewPrivs: 1`: execve can grant it no privilege (setuid bits, file capabilities).
    public var noNewPrivs: Bool?
    /// `Kthread: 1` (kernels since 6.x): a kernel thread.
    public var kthread: Bool?

    public static func parse(_ bytes: [UInt8], key: String, limits: EvidenceLimits = EvidenceLimits(),
                             problems: inout [EvidenceProblem]) -> ProcStatus {
        var status = ProcStatus()
        if bytes.isEmpty {
            problems.append(EvidenceProblem(key: key, message: "\(key): the file is empty (the process may have exited while it was read)."))
            return status
        }
        if bytes.count > limits.maxStatusBytes {
            problems.append(EvidenceProblem(key: key, message: "\(key): the file is \(bytes.count) bytes; only the first \(limits.maxStatusBytes) were read."))
        }
        for line in Bytes.lines(bytes.prefix(limits.maxStatusBytes), maxLines: limits.maxStatusLines) {
            guard let colon = line.firstIndex(of: Bytes.colon) else { continue }
            let name = line[..<colon]
            let value = line[(colon + 1)...]
            func bad(_ what: String) {
                problems.append(EvidenceProblem(key: key, message: "\(key): the \(String(decoding: name, as: UTF8.self)) line \"\(Bytes.text(value, limit: 60))\" \(what)."))
            }
            func numbers(_ count: ClosedRange<Int>) -> [UInt64]? {
                let f = Bytes.fields(value)
                guard count.contains(f.count) else { bad("should hold \(count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)") numbers"); return nil }
                var out: [UInt64] = []
                for x in f {
                    switch Bytes.unsigned(x) {
                    case .success(let v): out.append(v)
                    case .failure(let p): bad("has a value that \(p.phrase)"); return nil
                    }
                }
                return out
            }
            switch String(decoding: name.prefix(32), as: UTF8.self) {
            case "Name":
                var v = value
                if v.first == Bytes.tab { v = v.dropFirst() }
                status.name = Array(v.prefix(limits.maxNameBytes))
            case "PPid": if let n = numbers(1...1), n[0] <= UInt64(Int32.max) { status.ppid = Int(n[0]) }
            case "Uid": status.uids = numbers(4...4)
            case "Gid": status.gids = numbers(4...4)
            case "Threads": status.threads = numbers(1...1)?.first
            case "NSpid": status.nspid = numbers(1...32)
            case "VmRSS":
                let f = Bytes.fields(value)
                if f.count == 2, f[1].elementsEqual("kB".utf8), case .success(let v) = Bytes.unsigned(f[0]) {
                    status.vmRSSKiB = v
                } else {
                    bad("is not \"<number> kB\"")
                }
            case "Kthread": if let n = numbers(1...1) { status.kthread = n[0] != 0 }
            case "CapEff", "CapPrm":
                let f = Bytes.fields(value)
                if f.count == 1, let v = Bytes.hex(f[0], maxDigits: 16) {
                    if name.elementsEqual("CapEff".utf8) { status.capEff = v } else { status.capPrm = v }
                } else {
                    bad("is not a 64-bit hexadecimal mask")
                }
            case "NoNewPrivs": if let n = numbers(1...1) { status.noNewPrivs = n[0] != 0 }
            default:
                break
            }
        }
        return status
    }
}
