extension NamespaceReport {
    /// Builds the report from the evidence.
    public static func build(from evidence: GatheredEvidence, options: EvidenceOptions = EvidenceOptions()) -> NamespaceReport {
        let index = EvidenceIndex(evidence, limits: options.limits)
        let processes = ProcessTable.build(index: index, gaps: [], options: options)
        return build(index: index, processes: processes, gaps: [], options: options)
    }

    static func build(index: EvidenceIndex, processes: ProcessTable, gaps: [EvidenceGap], options: EvidenceOptions) -> NamespaceReport {
        let limits = options.limits
        var problems: [EvidenceProblem] = []
        let perProcess = processes.processes.map { ProcessNamespaces(pid: $0.pid, comm: $0.comm, namespaces: $0.namespaces) }
        let first = perProcess.first(where: { !$0.namespaces.isEmpty })

        var selfIDs: [String: UInt64] = [:]
        for (sub, bytes) in index.evidenceShell.links where sub.hasPrefix("ns/") {
            let type = String(sub.dropFirst(3))
            let expected = type.hasSuffix("_for_children") ? String(type.dropLast(13)) : type
            if let (kind, id) = LinkTarget.parseTypedInode(bytes), kind == expected {
                selfIDs[type] = id
            } else {
                problems.append(EvidenceProblem(key: "proc/self/\(sub)", message: "proc/self/\(sub): the link target \"\(Bytes.text(bytes, limit: 60))\" is not \"\(expected):[<inode>]\"."))
            }
        }
        let shellPid = index.metaText("self/pid").flatMap { Int($0) } ?? 0
        let evidenceContainer = selfIDs.isEmpty ? nil : ProcessNamespaces(pid: shellPid, comm: nil, namespaces: selfIDs)

        var sharing: [NamespaceSharing] = []
        let types = Set(selfIDs.keys).union(first?.namespaces.keys ?? [:].keys).sorted()
        for type in types {
            let a = selfIDs[type], b = first?.namespaces[type]
            sharing.append(NamespaceSharing(type: type, evidenceContainer: a, container: b,
                                            shared: (a != nil && b != nil) ? a == b : nil))
        }

        var anomalies: [NamespaceAnomaly] = []
        let host = hostAnomalies(processes: processes, first: first, selfIDs: selfIDs)
        anomalies += host
        let hostPid = host.contains { $0.types.contains("pid") && $0.severity == .warning }
        if let first, !hostPid {
            anomalies += differingProcesses(perProcess, reference: first, limits: limits)
        }
        anomalies += sharedUIDAnomalies(processes: processes, index: index,
                                        shell: EvidenceShellCredentials.build(index: index, limits: limits), limits: limits)

        var report = NamespaceReport(
            formatVersion: currentFormatVersion, processes: perProcess, container: first, evidenceContainer: evidenceContainer,
            sharing: sharing,
            shared: sharing.filter { $0.shared == true }.map(\.type),
            notShared: sharing.filter { $0.shared == false }.map(\.type),
            unknown: sharing.filter { $0.shared == nil }.map(\.type),
            anomalies: anomalies, problems: problems, gaps: gaps.filter { $0.area == .namespaces })
        if first == nil && !processes.processes.isEmpty {
            report.problems.append(EvidenceProblem(key: "proc", message: "No process's namespace links were gathered, so the container's namespaces and the sharing with the evidence container are unknown."))
        }
        return report
    }

    /// Processes grouped by how their namespaces differ from the reference.
    static func differingProcesses(_ all: [ProcessNamespaces], reference: ProcessNamespaces, limits: EvidenceLimits) -> [NamespaceAnomaly] {
        var groups: [String: (types: [String], detail: String, pids: [Int], count: Int)] = [:]
        var order: [String] = []
        for p in all where p.pid != reference.pid {
            let differing = p.namespaces.keys.sorted().filter { type in
                reference.namespaces[type].map { $0 != p.namespaces[type] } ?? false
            }
            guard !differing.isEmpty else { continue }
            let signature = differing.map { "\($0):\(p.namespaces[$0]!)" }.joined(separator: " ")
            if groups[signature] == nil {
                let detail = differing.map { "\($0) \(p.namespaces[$0]!) instead of \(reference.namespaces[$0]!)" }.joined(separator: ", ")
                groups[signature] = (differing, detail, [], 0)
                order.append(signature)
            }
            groups[signature]!.count += 1
            if groups[signature]!.pids.count < limits.maxGapItems { groups[signature]!.pids.append(p.pid) }
        }
        let refName = "pid \(reference.pid)\(reference.comm.map { " (\($0))" } ?? "")"
        return order.prefix(50).compactMap { sig in
            guard let g = groups[sig] else { return nil }
            let who = g.count == 1 ? "Process \(g.pids[0])" : "\(g.count) processes (pids \(g.pids.prefix(10).map(String.init).joined(separator: ", "))\(g.count > 10 ? ", …" : ""))"
            let benign = Set(g.types).isSubset(of: ["mnt", "cgroup"])
            let why = benign
                ? "Only the mount or cgroup namespace differs: this is what another container of a pod with shareProcessNamespace looks like, or a program that sandboxes itself; an intruder's `unshare --mount` looks the same."
                : "A process of a container normally stays in the namespaces it started in: this is a sign that someone used nsenter, unshare or setns to move it."
            return NamespaceAnomaly(
                kind: .processNamespaceDiffers, severity: benign ? .notice : .warning, types: g.types, pids: g.pids,
                message: "\(who) \(g.count == 1 ? "is" : "are") in other namespaces than the container's first process, \(refName): \(g.detail). \(why)")
        }
    }

    /// The pod shares a host namespace: by the fixed ids of initial
    /// namespaces, and for pid by the kernel threads only the host's pid
    /// namespace shows.
    static func hostAnomalies(processes: ProcessTable, first: ProcessNamespaces?, selfIDs: [String: UInt64]) -> [NamespaceAnomaly] {
        var out: [NamespaceAnomaly] = []
        // The evidence container shares the pod's pid, net, ipc and uts
        // namespaces when the pod is set up as usual, so its own ids speak for
        // the pod; with the host's pid namespace, the "first process" is the
        // host's init and says nothing about the pod.
        func id(_ type: String) -> UInt64? { selfIDs[type] ?? first?.namespaces[type] }

        // pid: the initial id, or kernel threads in the process list.
        var pidEvidence: [String] = []
        if let v = id("pid"), v == initialNamespaceIDs["pid"] {
            pidEvidence.append("the pid namespace id is \(v), the fixed id of the kernel's initial pid namespace")
        }
        let kthreads = processes.processes.filter(\.kernelThread)
        if !kthreads.isEmpty {
            let names = kthreads.prefix(3).map { "\($0.pid) (\($0.comm ?? "?"))" }.joined(separator: ", ")
            pidEvidence.append("\(kthreads.count) kernel threads are visible (e.g. pid \(names)), which only the host's pid namespace shows")
        }
        let init1 = processes.process(1)
        let initIsSystemInit = init1.map { ["systemd", "init"].contains($0.comm ?? "") } ?? false
        if !pidEvidence.isEmpty {
            if initIsSystemInit { pidEvidence.append("pid 1 is \(init1?.comm ?? "")") }
            out.append(NamespaceAnomaly(
                kind: .hostNamespace, severity: .warning, types: ["pid"], pids: kthreads.prefix(50).map(\.pid),
                message: "The pod shares the host's pid namespace (hostPID): \(pidEvidence.joined(separator: "; ")). Every process on the node is in this evidence; per-process namespace comparison was not done."))
        } else if initIsSystemInit, let init1 {
            out.append(NamespaceAnomaly(
                kind: .hostNamespace, severity: .hint, types: ["pid"], pids: [1],
                message: "Pid 1 is \(init1.comm ?? ""), the usual init of a host; the pod may share the host's pid namespace, but no kernel thread is visible and the pid namespace id is not the initial one, so a container running \(init1.comm ?? "") as its init is as likely."))
        }

        // net, ipc, uts, mnt: the fixed initial ids. The evidence container
        // has its own mount namespace, so mnt is the container's first
        // process's, and only when that is not the host's init.
        let hostPid = out.contains { $0.severity == .warning }
        let names = ["net": "hostNetwork", "ipc": "hostIPC", "uts": "the host's UTS namespace (hostname)", "mnt": "the host's mount namespace"]
        for type in ["net", "ipc", "uts", "mnt"] {
            let value = type == "mnt" ? (hostPid ? nil : first?.namespaces["mnt"]) : id(type)
            guard let v = value else { continue }
            if v == initialNamespaceIDs[type] {
                out.append(NamespaceAnomaly(
                    kind: .hostNamespace, severity: .warning, types: [type], pids: first.map { [$0.pid] } ?? [],
                    message: "The pod shares \(names[type]!): its \(type) namespace id is \(v), the fixed id of the kernel's initial \(type) namespace."))
            } else if type == "net", v == firstDynamicID {
                out.append(NamespaceAnomaly(
                    kind: .hostNamespace, severity: .hint, types: [type], pids: first.map { [$0.pid] } ?? [],
                    message: "The pod's network namespace id is \(v), the first id the kernel hands out: on kernels that do not give the initial network namespace a fixed id it is usually the host's (hostNetwork). A hint only: check the pod's spec.hostNetwork."))
            }
        }
        // net by the host's init: with the host's pid namespace, pid 1 is the
        // host's init, and its network namespace is the host's.
        if out.contains(where: { $0.types == ["pid"] && $0.severity == .warning }), !out.contains(where: { $0.types == ["net"] && $0.severity == .warning }),
           let initNet = init1?.namespaces["net"], let podNet = selfIDs["net"], initNet == podNet {
            out.append(NamespaceAnomaly(
                kind: .hostNamespace, severity: .warning, types: ["net"], pids: [1],
                message: "The pod shares the host's network namespace (hostNetwork): the evidence container's network namespace \(podNet) is that of pid 1 (\(init1?.comm ?? "?")), the host's init, which this pod can see because it shares the host's pid namespace."))
        }
        return out
    }
}
