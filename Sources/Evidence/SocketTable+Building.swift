extension SocketTable {
    /// Builds the socket table from the evidence, with owners from the
    /// process table's socket fds.
    public static func build(from evidence: GatheredEvidence, options: EvidenceOptions = EvidenceOptions()) -> SocketTable {
        let index = EvidenceIndex(evidence, limits: options.limits)
        let processes = ProcessTable.build(index: index, gaps: [], options: options)
        return build(index: index, processes: processes, gaps: [], options: options)
    }

    static func build(index: EvidenceIndex, processes: ProcessTable, gaps: [EvidenceGap], options: EvidenceOptions) -> SocketTable {
        let limits = options.limits
        var log = ProblemLog(limits: limits)
        var owners: [UInt64: [SocketOwner]] = [:]
        for p in processes.processes {
            for s in p.socketFDs { owners[s.inode, default: []].append(SocketOwner(pid: p.pid, fd: s.fd, comm: p.comm)) }
        }
        var table = SocketTable(formatVersion: currentFormatVersion, listeners: [], connections: [], other: [], unix: [],
                                tables: [], unownedSockets: 0, problems: [], gaps: gaps.filter { $0.area == .sockets })
        for name in inetTables {
            let key = "proc/net/\(name)"
            guard let bytes = index.files[key] else {
                table.tables.append(TableInfo(name: name, present: false, entries: 0, leftOut: 0))
                continue
            }
            let parsed = ProcNetTable.parseInet(bytes, table: name, limits: limits, log: &log)
            table.tables.append(TableInfo(name: name, present: true, entries: parsed.sockets.count, leftOut: parsed.leftOut))
            for var s in parsed.sockets {
                if s.inode != 0 {
                    s.owners = owners[s.inode] ?? []
                    if s.owners.isEmpty { table.unownedSockets += 1 }
                }
                switch s.role {
                case .listener: table.listeners.append(s)
                case .connection: table.connections.append(s)
                case .other: table.other.append(s)
                }
            }
        }
        if let bytes = index.files["proc/net/unix"] {
            let unverified = unverifiedBecause(processes: processes, gaps: gaps)
            let parsed = UnixSocketTable.read(bytes, owned: Set(owners.keys), unverified: unverified, limits: limits, log: &log)
            table.tables.append(TableInfo(name: "unix", present: true, entries: parsed.sockets.count, leftOut: parsed.leftOut))
            table.unixVerification = unverified == nil ? .verified : .unverifiable
            table.anomalies += parsed.anomalies
            for var s in parsed.sockets {
                if s.inode != 0 {
                    s.owners = owners[s.inode] ?? []
                    if s.owners.isEmpty { table.unownedSockets += 1 }
                }
                table.unix.append(s)
            }
        } else {
            table.tables.append(TableInfo(name: "unix", present: false, entries: 0, leftOut: 0))
        }
        table.problems = log.all
        return table
    }

    /// Why the fd links do not tell every socket the pod's processes hold,
    /// or nil when they do: no process gathered, processes left out, fd links
    /// unreadable or not gathered (a gap, or a process without its fd count).
    /// A process that exited while being read is not counted: its sockets
    /// closed with it.
    static func unverifiedBecause(processes: ProcessTable, gaps: [EvidenceGap]) -> String? {
        if processes.processes.isEmpty { return "no process was gathered" }
        if processes.processesLeftOut > 0 { return "\(processes.processesLeftOut) processes were left out" }
        if gaps.contains(where: { $0.area == .sockets && ($0.what == "fd links" || $0.reason.hasSuffix(": fds")) }) {
            return "fd links could not be read or were not gathered"
        }
        for p in processes.processes where !p.exited && !p.kernelThread {
            guard let fds = p.fds else { return "the fd links of process \(p.pid) were not gathered" }
            if fds.unreadable > 0 { return "\(fds.unreadable) fd links of process \(p.pid) could not be read" }
        }
        return nil
    }
}
