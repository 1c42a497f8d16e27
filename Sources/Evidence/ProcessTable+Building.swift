extension ProcessTable {
    /// Builds the table from the evidence. Total: any records give a table;
    /// what does not parse is in ``problems`` and in each process's own.
    public static func build(from evidence: GatheredEvidence, options: EvidenceOptions = EvidenceOptions()) -> ProcessTable {
        let index = EvidenceIndex(evidence, limits: options.limits)
        return build(index: index, gaps: [], options: options)
    }

    static func build(index: EvidenceIndex, gaps: [EvidenceGap], options: EvidenceOptions) -> ProcessTable {
        var log = ProblemLog(limits: options.limits)
        let (hz, hzSource) = clockTicks(index: index, options: options, log: &log)
        var bootTime: Int64?
        if let text = index.metaText("clock/btime") {
            if case .success(let v) = Bytes.signed(Array(text.utf8)), v >= 0, v < 253_402_300_800 {
                bootTime = v
            } else {
                log.add("clock/btime", "clock/btime: the boot time \"\(DisplayText.escape(text.utf8, limit: 40))\" is not a number of seconds since 1970; start times are left out.")
            }
        }
        var shellPid: Int?
        if let text = index.metaText("self/pid"), let v = Int(text), v > 0 { shellPid = v }

        var processes: [EvidenceProcess] = []
        processes.reserveCapacity(index.processes.count)
        for pid in index.processes.keys.sorted() {
            guard let records = index.processes[pid] else { continue }
            let p = process(pid: pid, records: records, hz: hz, bootTime: bootTime, options: options)
            for problem in p.problems { log.add(problem) }
            processes.append(p)
        }
        checkClockTicks(processes, hz: hz, index: index, log: &log)
        return ProcessTable(
            formatVersion: currentFormatVersion, clockTicksPerSecond: hz, clockTicksSource: hzSource,
            pageSize: options.pageSize, bootTime: bootTime,
            bootTimeUTC: bootTime.flatMap { UTCTimestamp.format(epochSeconds: Double($0)) },
            evidenceShellPid: shellPid, processes: processes,
            processesLeftOut: index.pidsLeftOut + (index.processesLeftAtCap?.count ?? 0),
            problems: log.all, gaps: gaps.filter { $0.area == .processes })
    }

    /// No process can have started after the moment the evidence was taken:
    /// a start tick count past uptime × ticks per second means the rate is
    /// wrong (the node's USER_HZ is not 100), and the start times with it.
    static func checkClockTicks(_ processes: [EvidenceProcess], hz: Int, index: EvidenceIndex, log: inout ProblemLog) {
        guard let uptimeBytes = index.files["proc/uptime"],
              let first = Bytes.fields(uptimeBytes.prefix(64)[...]).first,
              let uptime = Double(String(decoding: first, as: UTF8.self)), uptime.isFinite, uptime > 0,
              let latest = processes.compactMap(\.startTicks).max() else { return }
        let seconds = Double(latest) / Double(hz)
        if seconds > uptime + 2 {
            log.add("proc/uptime", "proc/uptime: the node had been up \(Int(uptime)) s, but a process started \(Int(seconds)) s after boot at \(hz) clock ticks per second: the node counts ticks at another rate, so the start times are wrong.")
        }
    }

    static func clockTicks(index: EvidenceIndex, options: EvidenceOptions, log: inout ProblemLog) -> (Int, String) {
        if let hz = options.clockTicksPerSecond { return (hz, "option") }
        if let text = index.metaText("clock/hz") {
            if let v = Int(text), (1...100_000).contains(v) { return (v, "evidence") }
            log.add("clock/hz", "clock/hz: \"\(DisplayText.escape(text.utf8, limit: 40))\" is not a clock tick rate; 100 per second is assumed.")
        }
        return (100, "default")
    }

    static func process(pid: Int, records r: EvidenceIndex.ProcessRecords, hz: Int, bootTime: Int64?,
                        options: EvidenceOptions) -> EvidenceProcess {
        let limits = options.limits
        let base = "proc/\(pid)"
        var problems: [EvidenceProblem] = []
        var p = EvidenceProcess(
            pid: pid, argv: [], argvTruncated: false, commandLine: "", exeDeleted: false, cwdDeleted: false,
            namespaces: [:], cgroups: [], socketFDs: [], kernelThread: false, exited: false, problems: [])

        var stat: ProcStat?
        if let bytes = r.files["stat"] {
            do throws(EvidenceProblem) {
                let s = try ProcStat.parse(bytes, key: "\(base)/stat", limits: limits)
                if s.pid != pid {
                    problems.append(EvidenceProblem(key: "\(base)/stat", message: "\(base)/stat: field 1 says pid \(s.pid), not \(pid); the file was not used."))
                } else {
                    stat = s
                }
            } catch {
                problems.append(error)
            }
        }
        var status: ProcStatus?
        if let bytes = r.files["status"] {
            status = ProcStatus.parse(bytes, key: "\(base)/status", limits: limits, problems: &problems)
        }
        if let stat {
            p.ppid = stat.ppid
            p.state = stat.state
            p.stateName = ProcStat.stateName(stat.state)
            p.threads = stat.threads
            p.startTicks = stat.startTicks
            if let pages = stat.rssPages {
                let (bytes, overflow) = pages.multipliedReportingOverflow(by: UInt64(options.pageSize))
                if !overflow { p.rssBytes = bytes; p.rssSource = "stat rss pages x \(options.pageSize)" }
            }
        }
        if let status {
            if p.ppid == nil { p.ppid = status.ppid }
            if let t = status.threads { p.threads = t }
            if let kib = status.vmRSSKiB {
                let (bytes, overflow) = kib.multipliedReportingOverflow(by: 1024)
                if !overflow { p.rssBytes = bytes; p.rssSource = "status VmRSS" }
            }
            if let u = status.uids { p.uid = .init(real: u[0], effective: u[1]) }
            if let g = status.gids { p.gid = .init(real: g[0], effective: g[1]) }
            p.nspid = status.nspid
            if let cap = status.capEff {
                let hex = String(cap, radix: 16)
                p.capEff = String(repeating: "0", count: max(0, 16 - hex.count)) + hex
                p.capabilities = Capabilities.names(cap)
            }
        }
        if let bytes = r.files["comm"] {
            var b = bytes[...]
            if b.last == Bytes.newline { b = b.dropLast() }
            p.comm = DisplayText.escape(b, limit: limits.maxNameBytes)
        } else if let stat {
            p.comm = DisplayText.escape(stat.comm, limit: limits.maxNameBytes)
        } else if let name = status?.name {
            p.comm = DisplayText.escape(name, limit: limits.maxNameBytes)
        }
        if let bytes = r.files["cmdline"] {
            let c = ProcCmdline.parse(bytes, limits: limits)
            p.argv = c.argv
            p.argvTruncated = c.truncated
            p.commandLine = ProcCmdline.commandLine(c.argv)
            if let length = r.cmdlineLength {
                if case .success(let v) = Bytes.unsigned(length.prefix(24)[...].split(separator: Bytes.newline).first ?? []),
                   v <= UInt64(Int32.max), v > UInt64(bytes.count) {
                    p.argvBytes = Int(v)
                    p.argvTruncated = true
                } else {
                    problems.append(EvidenceProblem(key: "\(base)/cmdline-length", message: "\(base)/cmdline-length: \"\(Bytes.text(length, limit: 60))\" is not a byte count larger than the \(bytes.count) bytes of cmdline kept."))
                }
            }
        }
        if let ticks = p.startTicks, let bootTime {
            let epoch = Double(bootTime) + Double(ticks) / Double(hz)
            if let text = UTCTimestamp.format(epochSeconds: epoch) {
                p.startTimeEpoch = (epoch * 100).rounded() / 100
                p.startTime = text
            } else {
                problems.append(EvidenceProblem(key: "\(base)/stat", message: "\(base)/stat: the start time (\(ticks) ticks after boot) is past the year 9999; it was left out."))
            }
        }
        if let bytes = r.links["exe"] {
            let (path, deleted) = LinkTarget.path(bytes, limits: limits)
            p.exe = path
            p.exeDeleted = deleted
        }
        if let bytes = r.links["cwd"] {
            let (path, deleted) = LinkTarget.path(bytes, limits: limits)
            p.cwd = path
            p.cwdDeleted = deleted
        }
        for (sub, bytes) in r.links where sub.hasPrefix("ns/") {
            let type = String(sub.dropFirst(3))
            guard let (kind, inode) = LinkTarget.parseTypedInode(bytes) else {
                problems.append(EvidenceProblem(key: "\(base)/\(sub)", message: "\(base)/\(sub): the link target \"\(Bytes.text(bytes, limit: 60))\" is not \"<type>:[<inode>]\"."))
                continue
            }
            let expected = type.hasSuffix("_for_children") ? String(type.dropLast(13)) : type
            if kind != expected {
                problems.append(EvidenceProblem(key: "\(base)/\(sub)", message: "\(base)/\(sub): the link names a \(kind) namespace, not a \(expected) one; it was not used."))
                continue
            }
            p.namespaces[type] = inode
        }
        if let bytes = r.files["cgroup"] {
            p.cgroups = CgroupEntry.parseFile(bytes, key: "\(base)/cgroup", limits: limits, problems: &problems)
        }
        if let bytes = r.fdMeta {
            if let count = parseFDMeta(bytes) {
                p.fds = count
            } else {
                problems.append(EvidenceProblem(key: "\(base)/fd", message: "\(base)/fd: the fd count \"\(Bytes.text(bytes, limit: 60))\" is not \"fds=N sockets=K unreadable=U\"."))
            }
        }
        for (fd, target) in r.fds.sorted(by: { $0.fd < $1.fd }) {
            if let inode = LinkTarget.socketInode(target) {
                p.socketFDs.append(.init(fd: fd, inode: inode))
            } else {
                problems.append(EvidenceProblem(key: "\(base)/fd/\(fd)", message: "\(base)/fd/\(fd): the link target \"\(Bytes.text(target, limit: 60))\" is not \"socket:[<inode>]\"."))
            }
        }
        p.exited = r.errors.contains(where: { $0.sub.isEmpty })
        // Without the Kthread line (kernels before 6.x), kthreadd and its
        // children are known by pid 2 and an empty cmdline; a zombie has an
        // empty cmdline too, so it is left out.
        p.kernelThread = status?.kthread
            ?? ((pid == 2 && p.comm == "kthreadd") || (p.ppid == 2 && r.files["cmdline"]?.isEmpty == true && p.state != "Z"))
        if r.files["stat"] == nil && r.files["status"] == nil {
            problems.append(EvidenceProblem(key: base, message: "\(base): neither stat nor status was gathered, so the process's parent, state and owner are unknown."))
        }
        if problems.count > limits.maxProblemsPerSource {
            let n = problems.count - limits.maxProblemsPerSource
            problems = Array(problems.prefix(limits.maxProblemsPerSource))
            problems.append(EvidenceProblem(key: base, message: "\(base): \(n) more problems were left out."))
        }
        p.problems = problems
        return p
    }

    /// `fds=N sockets=K unreadable=U`.
    static func parseFDMeta(_ bytes: [UInt8]) -> EvidenceProcess.FDCount? {
        let f = Bytes.fields(bytes.prefix(128)[...].split(separator: Bytes.newline).first ?? [])
        guard f.count == 3 else { return nil }
        func value(_ field: ArraySlice<UInt8>, _ name: String) -> Int? {
            let prefix = Array((name + "=").utf8)
            guard field.starts(with: prefix), case .success(let v) = Bytes.unsigned(field.dropFirst(prefix.count)),
                  v <= UInt64(Int32.max) else { return nil }
            return Int(v)
        }
        guard let n = value(f[0], "fds"), let s = value(f[1], "sockets"), let u = value(f[2], "unreadable") else { return nil }
        return .init(total: n, sockets: s, unreadable: u)
    }
}
