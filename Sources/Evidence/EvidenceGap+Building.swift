extension EvidenceGap {
    /// Groups the error and cut records of the evidence into gaps.
    static func build(index: EvidenceIndex, limits: EvidenceLimits) -> [EvidenceGap] {
        struct Group {
            var area: Area
            var what: String
            var reason: String
            var count = 0
            var pids: Set<Int> = []
            var keys: [String] = []
            var keysLeftOut = 0
        }
        var groups: [String: Group] = [:]
        var order: [String] = []
        func add(area: Area, what: String, reason: String, pid: Int?, key: String) {
            let id = what + "\u{0}" + reason
            if groups[id] == nil {
                groups[id] = Group(area: area, what: what, reason: reason)
                order.append(id)
            }
            groups[id]!.count += 1
            if let pid { groups[id]!.pids.insert(pid) }
            if groups[id]!.keys.count < limits.maxGapItems { groups[id]!.keys.append(key) } else { groups[id]!.keysLeftOut += 1 }
        }
        for pid in index.processes.keys.sorted() {
            for (sub, text) in index.processes[pid]!.errors {
                let key = sub.isEmpty ? "proc/\(pid)" : "proc/\(pid)/\(sub)"
                let (area, what) = category(sub: sub)
                for reason in reasons(text, fdSummary: sub == "fd", limits: limits) {
                    add(area: area, what: what, reason: reason, pid: pid, key: key)
                }
            }
        }
        for (sub, text) in index.evidenceShell.errors {
            for reason in reasons(text, fdSummary: false, limits: limits) {
                add(area: .namespaces, what: "the evidence container's own records", reason: reason, pid: nil, key: "proc/self/\(sub)")
            }
        }
        for (key, text) in index.otherErrors {
            let (area, what): (Area, String) =
                key.hasPrefix("proc/net/") ? (.sockets, "socket tables")
                : key == "clock/btime" ? (.processes, "boot time")
                : key == "script/ls" ? (.processes, "process list")
                : (.run, "other")
            for reason in reasons(text, fdSummary: false, limits: limits) {
                add(area: area, what: what, reason: reason, pid: nil, key: key)
            }
        }
        var gaps: [EvidenceGap] = order.compactMap { id in
            guard let g = groups[id] else { return nil }
            let pids = g.pids.sorted()
            let shownPids = Array(pids.prefix(limits.maxGapItems))
            let (message, remedy) = sentence(what: g.what, reason: g.reason, pids: pids, keys: g.keys, count: g.count)
            return EvidenceGap(area: g.area, what: g.what, reason: g.reason, count: g.count, pids: shownPids, keys: g.keys,
                               itemsLeftOut: pids.count - shownPids.count + g.keysLeftOut, message: message, remedy: remedy)
        }
        gaps += sectionsLeftOut(index: index)
        let leftAtCap = index.processesLeftAtCap
        let contentLeft = index.contentLeftAtCap
        for (key, text) in index.cuts {
            let said = DisplayText.escape(text, limit: limits.maxErrorTextBytes)
            var pids: [Int] = []
            var processes = ""
            var itemsLeftOut = 0
            if let leftAtCap {
                pids = Array(leftAtCap.pids.prefix(limits.maxGapItems))
                itemsLeftOut = max(0, leftAtCap.count - pids.count)
                processes = leftAtCap.count == 0 ? " No process was left out."
                    : " \(leftAtCap.count) process\(leftAtCap.count == 1 ? " was" : "es were") not gathered whole"
                        + (pids.isEmpty ? "." : " (pids \(pids.map(String.init).joined(separator: ", "))\(itemsLeftOut > 0 ? " and \(itemsLeftOut) more" : "")).")
            } else if let contentLeft {
                pids = Array(contentLeft.pids.prefix(limits.maxGapItems))
                itemsLeftOut = max(0, contentLeft.count - pids.count)
                processes = " Every process was listed, but the command line (and mounts and cgroupfs files) of "
                    + (contentLeft.count == 1 ? "1 process is" : "\(contentLeft.count) processes are") + " missing"
                    + (pids.isEmpty ? "." : " (pids \(pids.map(String.init).joined(separator: ", "))\(itemsLeftOut > 0 ? " and \(itemsLeftOut) more" : "")).")
            }
            gaps.append(EvidenceGap(
                area: .run, what: "output cap", reason: said, count: 1, pids: pids, keys: [key], itemsLeftOut: itemsLeftOut,
                message: "The in-pod script reached its output cap and stopped gathering at \(key) (it says: \(said)); everything after it is missing from this evidence.\(processes)",
                remedy: "Collect again with a larger output cap or fewer sections."))
        }
        return gaps
    }

    /// Sections the run did not gather (meta `script/sections`, e.g.
    /// `processes=1 fds=0 namespaces=1 sockets=1 …`), and what that leaves out.
    static func sectionsLeftOut(index: EvidenceIndex) -> [EvidenceGap] {
        guard let text = index.metaText("script/sections") else { return [] }
        var off: Set<String> = []
        for field in text.split(separator: " ") {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2 && parts[1] == "0" { off.insert(String(parts[0])) }
        }
        let explained: [(section: String, area: Area, message: String)] = [
            ("processes", .processes, "The run did not gather processes (its sections leave out \"processes\"): there is no process list, and sockets are not tied to processes."),
            ("fds", .sockets, "The run did not gather fd links (its sections leave out \"fds\"): sockets are not tied to the processes that hold them."),
            ("namespaces", .namespaces, "The run did not gather namespace links (its sections leave out \"namespaces\"): namespace sharing and anomalies are unknown."),
            ("sockets", .sockets, "The run did not gather the socket tables (its sections leave out \"sockets\"): there are no listeners or connections."),
        ]
        return explained.filter { off.contains($0.section) }.map {
            EvidenceGap(area: $0.area, what: "sections left out", reason: "not gathered: \($0.section)", count: 1, pids: [],
                        keys: ["script/sections"], itemsLeftOut: 0, message: $0.message,
                        remedy: "A profile that gathers \($0.section) (standard) would have collected it.")
        }
    }

    static func category(sub: String) -> (Area, String) {
        if sub.isEmpty { return (.processes, "processes that exited") }
        if sub == "fd" || sub.hasPrefix("fd/") { return (.sockets, "fd links") }
        if sub == "ns" || sub.hasPrefix("ns/") { return (.namespaces, "namespace links") }
        if sub == "exe" || sub == "cwd" { return (.processes, "executable and working directory links") }
        return (.processes, "process files")
    }

    /// The reasons in one error text. Error records read
    /// `<operation> <path>: <reason>`; the fd summary reads
    /// `readlink of N fd links in <dir> failed: <reason>: fds 3 4; <reason>: fds 5`.
    static func reasons(_ text: [UInt8], fdSummary: Bool, limits: EvidenceLimits) -> [String] {
        var s = DisplayText.escape(text, limit: limits.maxErrorTextBytes)
        if s.hasSuffix("\\n") { s = String(s.dropLast(2)) }
        guard let sep = s.firstRange(of: ": ") else { return [s.isEmpty ? "no reason given" : s] }
        let rest = String(s[sep.upperBound...])
        guard fdSummary && s.hasPrefix("readlink of ") else { return [rest] }
        return rest.split(separator: "; ").map { part in
            part.firstRange(of: ": fds").map { String(part[..<$0.lowerBound]) } ?? String(part)
        }
    }

    static func sentence(what: String, reason: String, pids: [Int], keys: [String], count: Int) -> (String, String?) {
        let shown = pids.prefix(10).map(String.init).joined(separator: ", ") + (pids.count > 10 ? ", …" : "")
        let whose = pids.isEmpty ? "" : pids.count == 1 ? " of process \(pids[0])" : " of \(pids.count) processes (pids \(shown))"
        let denied = reason.contains("Permission denied") || reason.contains("Operation not permitted")
        switch what {
        case "fd links":
            return ("Could not read the fd links\(whose): \(reason). Sockets could not be tied to \(pids.count == 1 ? "this process" : "these processes").",
                    denied ? "A profile with SYS_PTRACE (standard) would have read them." : nil)
        case "namespace links":
            return ("Could not read the namespace links\(whose): \(reason). Their namespaces could not be compared with the rest of the container.",
                    denied ? "A profile with SYS_PTRACE (standard) would have read them." : nil)
        case "executable and working directory links":
            return ("Could not read the executable or working directory\(whose): \(reason).",
                    denied ? "A profile with SYS_PTRACE (standard) would have read them." : nil)
        case "processes that exited":
            return ("\(pids.count == 1 ? "Process \(pids[0])" : "\(pids.count) processes (pids \(shown))") exited while \(pids.count == 1 ? "it was" : "they were") being read; \(pids.count == 1 ? "its" : "their") records may be incomplete.", nil)
        case "socket tables":
            return ("Could not read \(keys.joined(separator: ", ")): \(reason). Sockets of \(keys.count == 1 ? "that table" : "those tables") are missing.", nil)
        case "boot time":
            return ("Could not read the boot time: \(reason). Start times are given in ticks after boot only.", nil)
        default:
            let list = keys.prefix(5).joined(separator: ", ") + (keys.count > 5 ? ", …" : "")
            return ("Could not read \(what == "other" ? list : "the \(what)\(whose)") (\(count) record\(count == 1 ? "" : "s")): \(reason).", nil)
        }
    }
}
