/// Reads `/proc/net/unix` without trusting a line break from the pod.
///
/// The kernel prints a bound socket's path raw: no escaping, NULs of an
/// abstract name as `@`. A process that binds a name holding a newline
/// makes the rest of its name a line of its own, which can read exactly like
/// a row (`x\n0000000000000000: 00000002 … 99999 /run/forged.sock`). What
/// the pod cannot forge is which socket inodes its processes hold (their fd
/// links, read by the evidence shell) and the kernel's bound on a path
/// (sun_path, 108 bytes). So a line is part of the previous socket's path
/// when that socket is bound, the path with the line would still fit in 108
/// bytes, and the line is either not a row at all or a row whose inode no
/// process holds while every process's fd links were read.
///
/// Limits: a socket of another container of the pod (outside the target's
/// pid namespace), or one made between the fd scan and the table read, is
/// held by no gathered fd too; when it follows a bound socket with room in
/// its path it is read as part of that path, and an anomaly says so (its text
/// stays in the path, nothing is dropped). A forged row that reuses the inode
/// of a real socket passes the check: the duplicate inode is an anomaly
/// naming both rows. Without every fd link, rows are kept as printed and the
/// table is marked unverifiable.
enum UnixSocketTable {
    /// The kernel's `UNIX_PATH_MAX`: no printed path (with `@` for the
    /// leading NUL of an abstract name) is longer.
    static let maxPathBytes = 108

    struct Result {
        var sockets: [UnixSocket] = []
        var leftOut = 0
        var anomalies: [SocketAnomaly] = []
    }

    /// - Parameter owned: the inodes held by gathered fd links; `unverified`
    ///   says why they are not all the pod's processes hold, nil when they are.
    static func read(_ bytes: [UInt8], owned: Set<UInt64>, unverified because: String?, limits: EvidenceLimits,
                     log: inout ProblemLog) -> Result {
        let verified = because == nil
        let key = "proc/net/unix"
        struct Kept {
            var row: ProcNetTable.UnixRow
            var line: Int
            var joined: [(line: Int, inode: UInt64?)] = []
        }
        var kept: [Kept] = []
        var out = Result()
        var firstLineOfInode: [UInt64: Int] = [:]
        var duplicates: [(first: Int, second: Int, inode: UInt64)] = []
        var unverified: [(line: Int, after: Int, inode: UInt64)] = []
        // The row a line may continue: the last one kept, unless a line that
        // is neither came between.
        var last: Int?
        let lines = ProcNetTable.tableLines(bytes, key: key, limits: limits, log: &log)

        func roomFor(_ line: ArraySlice<UInt8>) -> Bool {
            guard let last, let raw = kept[last].row.rawPath else { return false }
            return raw.count + 1 + line.count <= maxPathBytes
        }
        func join(_ line: ArraySlice<UInt8>, number: Int, inode: UInt64?) {
            guard let last else { return }
            kept[last].row.rawPath!.append(Bytes.newline)
            kept[last].row.rawPath!.append(contentsOf: line)
            kept[last].joined.append((number, inode))
        }

        for (n, line) in lines.enumerated() {
            if n == 0 && ProcNetTable.isTitle(line) { continue }
            let number = n + 1
            switch ProcNetTable.unixRow(line, where: "\(key) line \(number)", limits: limits) {
            case .failure(let problem):
                if roomFor(line) {
                    join(line, number: number, inode: nil)
                } else {
                    if !line.isEmpty { log.add(problem) }
                    last = nil
                }
            case .success(let row):
                let inode = row.socket.inode
                let unowned = !owned.contains(inode)
                if verified && unowned && roomFor(line) {
                    join(line, number: number, inode: inode)
                    continue
                }
                if !verified && unowned && roomFor(line), let last {
                    unverified.append((number, kept[last].line, inode))
                }
                if kept.count >= limits.maxSocketsPerTable {
                    out.leftOut += 1
                    last = nil
                    continue
                }
                if let first = firstLineOfInode[inode] {
                    duplicates.append((first, number, inode))
                } else {
                    firstLineOfInode[inode] = number
                }
                kept.append(Kept(row: row, line: number))
                last = kept.count - 1
            }
        }

        for k in kept {
            var s = k.row.socket
            if !k.joined.isEmpty, let raw = k.row.rawPath {
                s.path = DisplayText.escape(raw, limit: limits.maxNameBytes)
                let rows = k.joined.filter { $0.inode != nil }
                let what = k.joined.map { j in
                    j.inode.map { "line \(j.line) (a row of inode \($0), which no process of the pod holds)" } ?? "line \(j.line)"
                }.joined(separator: ", ")
                out.anomalies.append(SocketAnomaly(
                    kind: .unixPathWithNewline,
                    message: "\(key): the unix socket at line \(k.line) (inode \(s.inode)) is bound to a name holding a newline; \(what) \(k.joined.count == 1 ? "is" : "are") the rest of that name, not \(k.joined.count == 1 ? "a socket" : "sockets"), and \(k.joined.count == 1 ? "was" : "were") read as part of its path \"\(s.path ?? "")\"."
                        + (rows.isEmpty ? "" : " A row that no process holds reads this way when it follows a bound socket with room left in its 108-byte path: if it was a socket of another container of the pod, its text is in that path."),
                    lines: [k.line] + k.joined.map(\.line), inodes: [s.inode] + rows.compactMap(\.inode)))
            }
            out.sockets.append(s)
        }
        for d in duplicates {
            out.anomalies.append(SocketAnomaly(
                kind: .ambiguousUnixTable,
                message: "\(key): lines \(d.first) and \(d.second) both name inode \(d.inode): the kernel prints each socket once, so one of them is the rest of a socket name holding a newline, made to look like a row. Both are kept; neither can be trusted.",
                lines: [d.first, d.second], inodes: [d.inode]))
        }
        if !unverified.isEmpty {
            let shown = unverified.prefix(limits.maxGapItems)
            let list = shown.map { "line \($0.line) (inode \($0.inode), after line \($0.after))" }.joined(separator: ", ")
                + (unverified.count > shown.count ? " and \(unverified.count - shown.count) more" : "")
            out.anomalies.append(SocketAnomaly(
                kind: .unverifiableUnixRows,
                message: "\(key): the fd links of the pod's processes were not all read (\(because ?? "")), so rows could not be checked against the sockets they hold. \(unverified.count == 1 ? "One row" : "\(unverified.count) rows") held by no gathered fd follow\(unverified.count == 1 ? "s" : "") a bound socket with room left in its 108-byte path: \(list). Each may be the rest of a socket name holding a newline rather than a socket.",
                lines: shown.map(\.line), inodes: shown.map(\.inode)))
        }
        return out
    }
}
