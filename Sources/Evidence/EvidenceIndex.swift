/// The records of one ``GatheredEvidence`` sorted by what they concern, in
/// one pass: per process (`proc/<pid>/…`), the script's own shell
/// (`proc/self/…`), and the rest by kind and key. The first record of a kind
/// and key wins (the script never writes two; the frame decoder reports any).
struct EvidenceIndex {
    struct ProcessRecords {
        var files: [String: [UInt8]] = [:]
        var links: [String: [UInt8]] = [:]
        /// fd number → link target, socket links only.
        var fds: [(fd: Int, target: [UInt8])] = []
        var fdMeta: [UInt8]?
        /// meta `cmdline-length`: the true length of a cmdline the script cut.
        var cmdlineLength: [UInt8]?
        /// error records: sub-key ("" for the process itself, "fd", "ns/net", …) → text.
        var errors: [(sub: String, text: [UInt8])] = []
    }

    var processes: [Int: ProcessRecords] = [:]
    var pidsLeftOut = 0
    var evidenceShell = ProcessRecords()
    var files: [String: [UInt8]] = [:]
    var meta: [String: [UInt8]] = [:]
    var commands: [String: [UInt8]] = [:]
    /// Error records that concern no process: (key, text).
    var otherErrors: [(key: String, text: [UInt8])] = []
    var cuts: [(key: String, text: [UInt8])] = []

    static let procPrefix = Array("proc/".utf8)
    static let selfName = Array("self".utf8)

    init(_ evidence: GatheredEvidence, limits: EvidenceLimits) {
        for record in evidence.records {
            let key = record.key
            if record.kind == .cut {
                cuts.append((key, record.payload))
                continue
            }
            let utf8 = key.utf8
            if utf8.starts(with: Self.procPrefix) {
                // proc/<pid>/<sub> or proc/self/<sub>, read as bytes.
                let rest = utf8.dropFirst(5)
                let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
                let head = rest[..<slash]
                let sub = slash == rest.endIndex ? "" : String(Substring(utf8[utf8.index(after: slash)...]))
                if head.elementsEqual(Self.selfName) {
                    Self.add(record, sub: sub, to: &evidenceShell)
                    continue
                }
                if (1...10).contains(head.count), head.first != UInt8(ascii: "0") || head.count == 1,
                   case .success(let value) = Bytes.unsigned(head), value <= UInt64(Int32.max) {
                    let pid = Int(value)
                    if processes[pid] == nil && processes.count >= limits.maxProcesses {
                        pidsLeftOut += 1
                        continue
                    }
                    Self.add(record, sub: sub, to: &processes[pid, default: ProcessRecords()])
                    continue
                }
            }
            switch record.kind {
            case .file: if files[key] == nil { files[key] = record.payload }
            case .meta: if meta[key] == nil { meta[key] = record.payload }
            case .cmd: if commands[key] == nil { commands[key] = record.payload }
            case .error: otherErrors.append((key, record.payload))
            case .cut: cuts.append((key, record.payload))
            case .link, .other: break
            }
        }
    }

    static func add(_ record: EvidenceRecord, sub: String, to p: inout ProcessRecords) {
        switch record.kind {
        case .file: if p.files[sub] == nil { p.files[sub] = record.payload }
        case .link:
            if sub.hasPrefix("fd/") {
                if let fd = Int(sub.dropFirst(3)), fd >= 0, !p.fds.contains(where: { $0.fd == fd }) {
                    p.fds.append((fd, record.payload))
                }
            } else if p.links[sub] == nil {
                p.links[sub] = record.payload
            }
        case .meta:
            if sub == "fd" && p.fdMeta == nil { p.fdMeta = record.payload }
            if sub == "cmdline-length" && p.cmdlineLength == nil { p.cmdlineLength = record.payload }
        case .error: p.errors.append((sub, record.payload))
        case .cmd, .cut, .other: break
        }
    }

    /// The script's meta `script/left-out`, written after a cut: how many
    /// processes it did not gather whole at its output cap, and the pids it
    /// listed ("processes=<n> listed=<k> pids=<pid> ..."). Nil without one or
    /// when it does not parse.
    var processesLeftAtCap: (count: Int, pids: [Int])? { leftAtCap("script/left-out") }

    /// The script's meta `script/content-left-out`, written instead when the
    /// cap fell in its second pass: every process is listed, but these
    /// processes' command lines (and mounts and cgroupfs files) are missing.
    var contentLeftAtCap: (count: Int, pids: [Int])? { leftAtCap("script/content-left-out") }

    func leftAtCap(_ key: String) -> (count: Int, pids: [Int])? {
        guard let bytes = meta[key] else { return nil }
        var count: Int?
        var pids: [Int] = []
        var inPids = false
        for field in String(decoding: bytes.prefix(8192), as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            if field.hasPrefix("processes=") {
                count = Int(field.dropFirst("processes=".count))
                inPids = false
            } else if field.hasPrefix("listed=") {
                inPids = false
            } else if field.hasPrefix("pids=") {
                inPids = true
                if let pid = Int(field.dropFirst("pids=".count)), pid > 0 { pids.append(pid) }
            } else if inPids, let pid = Int(field), pid > 0 {
                pids.append(pid)
            }
        }
        guard let count, count >= 0, count <= Int(Int32.max) else { return nil }
        return (count, Array(Set(pids)).sorted())
    }

    /// A meta record as trimmed text, or nil.
    func metaText(_ key: String) -> String? {
        meta[key].map { String(decoding: $0.prefix(256), as: UTF8.self).trimmingWhitespace() }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
