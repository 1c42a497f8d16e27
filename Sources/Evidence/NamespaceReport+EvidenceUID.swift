extension NamespaceReport {
    /// The pod's processes that run as the evidence shell's uid and could
    /// therefore have reached the evidence before it was hashed.
    ///
    /// The evidence container shares the target's pid namespace, so the pod's
    /// processes see its shell in /proc. The kernel lets a process open
    /// `/proc/<shell pid>/root` (and with it the script's temporary files)
    /// when it has the shell's uid and its permitted capabilities cover the
    /// shell's, or when it holds CAP_SYS_PTRACE (`ptrace_may_access`,
    /// PTRACE_MODE_READ_FSCREDS). The profiles choose a uid no `runAsUser` of
    /// the pod names, or root with capabilities the pod lacks; this catches
    /// what the spec did not say: the image's user, or a process that changed
    /// its uid after the spec was read.
    ///
    /// The evidence container's own processes (the shell's subtree: the
    /// commands the script runs) share its uid by design and are left out.
    static func sharedUIDAnomalies(processes: ProcessTable, index: EvidenceIndex, shell: EvidenceShellCredentials?,
                                   limits: EvidenceLimits) -> [NamespaceAnomaly] {
        guard let shell, let uid = shell.uid else { return [] }
        let shellPid = shell.pid ?? processes.evidenceShellPid
        let shellPermitted = shell.permittedMask
        let byPid = Dictionary(processes.processes.map { ($0.pid, $0.ppid) }, uniquingKeysWith: { a, _ in a })

        func isEvidenceContainer(_ pid: Int) -> Bool {
            guard let shellPid else { return false }
            var current: Int? = pid
            var steps = 0
            while let p = current, steps < 64 {  // ppid chains in hostile evidence may loop
                if p == shellPid { return true }
                current = byPid[p] ?? nil
                steps += 1
            }
            return false
        }

        /// Whether the process's capabilities let it past the kernel's
        /// capability check on the shell; unknown counts as yes.
        func capabilitiesAllow(_ process: EvidenceProcess) -> Bool {
            guard let shellPermitted else { return true }
            var permitted: UInt64?
            if let bytes = index.processes[process.pid]?.files["status"] {
                var ignored: [EvidenceProblem] = []
                permitted = ProcStatus.parse(bytes, key: "proc/\(process.pid)/status", limits: limits, problems: &ignored).capPrm
            }
            guard let mask = permitted ?? process.capEff.flatMap({ UInt64($0, radix: 16) }) else { return true }
            let sysPtrace: UInt64 = 1 << 19
            return mask & sysPtrace != 0 || shellPermitted & ~mask == 0
        }

        var concerned: [EvidenceProcess] = []
        var count = 0
        for process in processes.processes where !process.kernelThread && process.pid != shellPid {
            guard let ids = process.uid, ids.real == uid || ids.effective == uid else { continue }
            guard !isEvidenceContainer(process.pid), capabilitiesAllow(process) else { continue }
            count += 1
            if concerned.count < limits.maxGapItems { concerned.append(process) }
        }
        guard let first = concerned.first else { return [] }

        func describe(_ p: EvidenceProcess) -> String {
            "\(p.pid)\(p.comm.map { " (\($0))" } ?? "")"
        }
        let who = count == 1
            ? "Process \(describe(first)) has uid \(first.uid.map { "\($0.real) (effective \($0.effective))" } ?? "?")"
            : "\(count) processes have it (pids \(concerned.prefix(10).map(describe).joined(separator: ", "))\(count > 10 ? ", …" : ""))"
        let capabilities = shellPermitted == 0
            ? "the evidence container holds no capability"
            : "its capabilities cover the evidence container's"
        let shellName = shellPid.map { "/proc/\($0)/root" } ?? "/proc/<shell pid>/root"
        return [NamespaceAnomaly(
            kind: .evidenceUIDShared, severity: .warning, types: ["pid"], pids: concerned.map(\.pid),
            message: "A process of the pod runs as the evidence container's uid \(uid): it could have reached the evidence before it was hashed. "
                + "\(who); with the same uid, and as \(capabilities), it may open \(shellName) and the collection script's temporary files, "
                + "so the digest proves only that the output was not changed after the script wrote it, not that what it read was genuine. Collect again with a profile whose uid no process of the pod uses.")]
    }
}
