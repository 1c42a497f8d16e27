/// The fields of `/proc/<pid>/stat` the evidence uses.
///
/// The second field is the command name in parentheses, and a process chooses
/// it: it may hold spaces and ')' (`prctl(PR_SET_NAME)`), so the fields after
/// it are read from the LAST ')' of the line. Field numbers below are those of
/// proc(5).
public struct ProcStat: Sendable, Equatable {
    public var pid: Int
    /// The name between the parentheses, as bytes (up to 64, cap applied).
    public var comm: [UInt8]
    /// Field 3: one letter (R, S, D, Z, T, t, X, I, …).
    public var state: String
    public var ppid: Int
    /// Field 20.
    public var threads: UInt64?
    /// Field 22: start time in clock ticks after boot.
    public var startTicks: UInt64?
    /// Field 24: resident set size in pages.
    public var rssPages: UInt64?

    /// Parses one stat file. Required: pid, comm, state and ppid; the optional
    /// fields are nil when the line is shorter (old kernels, cut reads), and a
    /// present optional field that does not parse is an error too: evidence
    /// that lies about one field is not trusted for the others.
    public static func parse(_ bytes: [UInt8], key: String, limits: EvidenceLimits = EvidenceLimits()) throws(EvidenceProblem) -> ProcStat {
        func fail(_ message: String) -> EvidenceProblem { EvidenceProblem(key: key, message: "\(key): \(message)") }
        if bytes.isEmpty { throw fail("the file is empty (the process may have exited while it was read).") }
        guard bytes.count <= limits.maxStatBytes else {
            throw fail("the file is \(bytes.count) bytes, more than the \(limits.maxStatBytes) a stat line can be; it was not parsed.")
        }
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")) else {
            throw fail("no '(' opens the command name (field 2); the line starts \"\(Bytes.text(bytes.prefix(40)))\".")
        }
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")), close > open else {
            throw fail("no ')' closes the command name (field 2); the file is cut or not a stat line.")
        }
        let pidField = Bytes.fields(bytes[..<open])
        guard pidField.count == 1 else {
            throw fail("field 1 (pid) should be one number before the '(', found \"\(Bytes.text(bytes[..<open], limit: 40))\".")
        }
        guard case .success(let pid) = Bytes.unsigned(pidField[0]), pid <= UInt64(Int32.max) else {
            throw fail("field 1 (pid) \"\(Bytes.text(pidField[0], limit: 40))\" is not a pid.")
        }
        var restBytes = bytes[(close + 1)...]
        if restBytes.last == Bytes.newline { restBytes = restBytes.dropLast() }
        let rest = Bytes.fields(restBytes)
        // rest[0] is field 3; field n is rest[n - 3].
        func field(_ n: Int) -> ArraySlice<UInt8>? { n - 3 < rest.count ? rest[n - 3] : nil }
        guard let stateField = field(3) else { throw fail("field 3 (state) is missing after the command name.") }
        guard stateField.count == 1, let s = stateField.first, s >= UInt8(ascii: "A"), s <= UInt8(ascii: "z") else {
            throw fail("field 3 (state) \"\(Bytes.text(stateField, limit: 40))\" is not one letter.")
        }
        guard let ppidField = field(4) else { throw fail("field 4 (ppid) is missing.") }
        guard case .success(let ppid) = Bytes.unsigned(ppidField), ppid <= UInt64(Int32.max) else {
            throw fail("field 4 (ppid) \"\(Bytes.text(ppidField, limit: 40))\" is not a pid.")
        }
        func optional(_ n: Int, _ name: String) throws(EvidenceProblem) -> UInt64? {
            guard let f = field(n) else { return nil }
            switch Bytes.unsigned(f) {
            case .success(let v): return v
            case .failure(let p): throw fail("field \(n) (\(name)) \"\(Bytes.text(f, limit: 40))\" \(p.phrase).")
            }
        }
        let threads = try optional(20, "num_threads")
        let start = try optional(22, "starttime")
        let rss = try optional(24, "rss")
        return ProcStat(pid: Int(pid), comm: Array(bytes[(open + 1)..<close].prefix(limits.maxNameBytes)),
                        state: String(UnicodeScalar(s)), ppid: Int(ppid),
                        threads: threads, startTicks: start, rssPages: rss)
    }

    /// proc(5)'s name for a state letter.
    public static func stateName(_ state: String) -> String? {
        switch state {
        case "R": "running"
        case "S": "sleeping"
        case "D": "disk sleep"
        case "Z": "zombie"
        case "T": "stopped"
        case "t": "tracing stop"
        case "X", "x": "dead"
        case "K": "wakekill"
        case "W": "waking"
        case "P": "parked"
        case "I": "idle"
        default: nil
        }
    }
}
