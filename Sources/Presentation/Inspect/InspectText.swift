import Bundle
import Collector
import Evidence
import Foundation
import SnapshotDiff

/// `inspect`'s text report: the run, then per pod its outcome, processes as
/// a tree, listeners, connections, namespace sharing, anomalies (of the
/// namespaces and the socket tables) and gaps.
///
/// Every string that came from the bundle goes through ``cell(_:)`` before
/// it is printed: the decoded files hold text already escaped by the
/// Evidence parsers, but a hand-made or altered bundle may hold anything,
/// and a raw ESC in a process name must never reach the terminal.
public enum InspectText {
    public static func render(_ bundle: InspectedBundle) -> String {
        var out = ""
        render(bundle) { out += $0 }
        return out
    }

    /// The report piece by piece (the run, the overview, then each pod), so that
    /// the text of thousands of pods is written as it is made, never held whole.
    public static func render(_ bundle: InspectedBundle, to write: (String) -> Void) {
        write(renderRun(bundle) + "\n" + overview(bundle))
        let several = severalEntries(bundle)
        for pod in bundle.pods {
            write("\n" + renderPod(pod, namingContainer: several.contains(pod.entry.podKey)))
        }
    }

    /// Text from a bundle made safe for one table cell or line: C0 and C1
    /// controls, DEL, bidi and other invisible format characters, line
    /// separators escaped as `\u{…}` (already-escaped display text passes
    /// unchanged); cut at `limit` characters.
    static func cell(_ text: String, limit: Int = 200) -> String {
        DisplayEscaping.text(text, cutAfter: limit)
    }

    // MARK: - The run

    static func renderRun(_ bundle: InspectedBundle) -> String {
        let manifest = bundle.manifest
        let run = manifest.run
        var lines: [(String, String)] = []
        lines.append(("Bundle", BundleReader.display(bundle.path)))
        lines.append(("Tool", cell("\(manifest.tool.name) \(manifest.tool.version)")))
        var when = "started \(timestamp(run.startedAt))"
        if let finished = run.finishedAt { when += ", finished \(timestamp(finished))" }
        if run.interrupted { when += ", INTERRUPTED" }
        lines.append(("Run", "\(cell(run.id)), \(when)"))
        if let cluster = manifest.cluster, let selection = manifest.selection {
            lines.append(("Who", who(cluster)))
            lines.append(("Cluster", describe(cluster)))
            lines.append(("Profile", "\(cell(run.profile.name)) (sha256 \(cell(run.profile.sha256, limit: 64)))"))
            if let script = ScriptDeliveryText.line(manifest) { lines.append(("Script", cell(script, limit: 400))) }
            lines.append(("Selection", describe(selection)))
        } else {
            // A bundle of several clusters: one line each, with who, what and, when it was left out, why.
            lines.append(("Profile", "\(cell(run.profile.name)) (sha256 \(cell(run.profile.sha256, limit: 64)))"))
            if let script = ScriptDeliveryText.line(manifest) { lines.append(("Script", cell(script, limit: 400))) }
            let sections = manifest.clusterSections
            let leftOut = sections.filter { $0.failure != nil }.count
            lines.append(("Clusters", "\(sections.count)" + (leftOut > 0 ? " (\(leftOut) left out)" : "")))
            for section in sections {
                var line = "\(cell(section.name)): \(describe(section.cluster)); as \(who(section.cluster, leftOut: section.failure != nil)); \(describe(section.selection))"
                if let delivery = section.scriptDelivery { line += "; script by \(cell(delivery))" }
                if let failure = section.failure { line += "; LEFT OUT (\(cell(failure.reason))): \(cell(oneLine(failure.message), limit: 400))" }
                lines.append(("Cluster", line))
            }
        }
        let counts = Manifest.Outcome.allCases.map { outcome in
            "\(manifest.pods.filter { $0.outcome == outcome }.count) \(outcome.rawValue)"
        }
        lines.append(("Pods", "\(manifest.pods.count) selected: \(counts.joined(separator: ", "))"))
        lines.append(("Manifest", "sha256 \(bundle.manifestSHA256), \(manifest.files.count) files"))
        if case .presentNotChecked(let fingerprint) = bundle.signature {
            lines.append(("Signature", "present, not checked (check it with `kubectl-evidence verify --key KEY.pub`)"
                          + (fingerprint.map { "; it names the key with fingerprint \($0)" } ?? "")))
        } else {
            lines.append(("Signature", bundle.signature.description))
        }
        let width = (lines.map(\.0.count).max() ?? 0) + 2
        return lines.map { "\(($0.0 + ":").padding(toLength: width, withPad: " ", startingAt: 0))\($0.1)\n" }.joined()
    }

    /// Who the server said ran the tool; of a cluster left out before it was asked, that it was not.
    static func who(_ cluster: Manifest.Cluster, leftOut: Bool = false) -> String {
        guard let user = cluster.user else { return noUser(leftOut: leftOut) }
        return cell(user.username) + (user.groups.isEmpty ? "" : " (groups: \(cell(user.groups.joined(separator: ", "))))")
    }

    /// Why a cluster record names no user (text and HTML say it alike).
    static func noUser(leftOut: Bool) -> String {
        leftOut ? "not asked (the cluster was left out first)" : "unknown (the server did not answer SelfSubjectReview)"
    }

    /// A message of several lines (a preflight's refusal) as one, so that it reads as
    /// sentences, not as escaped newlines: its lines joined with "; ", or a space after a colon.
    static func oneLine(_ text: String) -> String {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.dropFirst().reduce(lines.first ?? "") { joined, line in joined + (joined.hasSuffix(":") ? " " : "; ") + line }
    }

    /// The server, with its context, version and CA.
    static func describe(_ cluster: Manifest.Cluster) -> String {
        var text = cell(cluster.server)
        var details: [String] = []
        if let context = cluster.contextName { details.append("context \(cell(context))") }
        if let version = cluster.serverVersion { details.append("server \(cell(version))") }
        if let ca = cluster.caFingerprintSHA256 { details.append("CA sha256 \(cell(ca, limit: 64))") }
        if !details.isEmpty { text += " (\(details.joined(separator: ", ")))" }
        return text
    }

    static func describe(_ selection: Manifest.Selection) -> String {
        var text = selection.namespace.map { "namespace \(cell($0))" } ?? "all namespaces"
        if let labels = selection.labelSelector { text += ", -l \(cell(labels))" }
        if let fields = selection.fieldSelector { text += ", --field-selector \(cell(fields))" }
        return text
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt))
    }

    /// One line per pod, kubectl-style, before the details: the odd one out shows here.
    static func overview(_ bundle: InspectedBundle) -> String {
        // A bundle of --all-containers has a row per container of a pod: the table then says which.
        let perContainer = !severalEntries(bundle).isEmpty
        let clusters = bundle.manifest.isMultiCluster
        var table = TextTable(headers: (clusters ? ["CLUSTER"] : []) + ["NAMESPACE", "POD"] + (perContainer ? ["CONTAINER"] : [])
                              + ["OUTCOME", "REASON", "PROCESSES", "LISTENERS", "CONNECTIONS", "ANOMALIES", "GAPS"])
        for pod in bundle.pods {
            let counts = pod.rendered?.counts ?? pod.evidence.map(RenderedEvidence.Counts.init)
            func count(_ value: Int?) -> String { value.map(String.init) ?? "-" }
            table.append((clusters ? [cell(pod.entry.cluster ?? "-", limit: 63)] : [])
                         + [cell(pod.entry.namespace, limit: 63), cell(pod.entry.name, limit: 253)]
                         + (perContainer ? [cell(pod.entry.targetContainer.isEmpty ? "-" : pod.entry.targetContainer, limit: 63)] : [])
                         + [pod.entry.outcome.rawValue,
                          cell(pod.entry.reason, limit: 40), count(counts?.processes), count(counts?.listeners),
                          count(counts?.connections), count(counts?.anomalies), count(counts?.gaps)])
        }
        return table.render()
    }

    // MARK: - One pod

    /// `namespace/name` of each pod with more than one entry (`--all-containers`: one per container).
    static func severalEntries(_ bundle: InspectedBundle) -> Set<String> {
        bundle.pods.map(\.entry).podsWithSeveralEntries
    }

    /// One pod's section; `namingContainer` puts the container in its heading, when the pod has a section per container.
    static func renderPod(_ pod: InspectedBundle.Pod, namingContainer: Bool = false) -> String {
        let entry = pod.entry
        let container = namingContainer ? ", container \(cell(entry.targetContainer))" : ""
        var out = "== Pod \(cell(entry.displayName))\(container) ==\n"
        out += "Outcome:    \(entry.outcome.rawValue) (\(cell(entry.reason))): \(cell(entry.message, limit: 400))\n"
        var placement = "node \(entry.node.map { cell($0) } ?? "unknown"), target container \(cell(entry.targetContainer))"
        if let evidence = entry.evidenceContainer {
            placement += ", evidence container \(cell(evidence.name))"
        }
        if let helper = entry.nodeHelper {
            placement += ", node helper \(cell(helper.namespace))/\(cell(helper.pod))"
            if helper.hostPID > 0 { placement += " through host pid \(helper.hostPID) (\(cell(helper.match, limit: 300)))" }
        }
        out += "Where:      \(placement)\n"
        guard let body = pod.rendered?.body ?? pod.evidence.map(evidenceText) else {
            out += "Evidence:   none in the bundle for this pod.\n"
            return out
        }
        return out + body
    }

    /// A pod's evidence as its section shows it, below the pod's header: what
    /// ``InspectedBundle`` keeps of each pod when it reads for the text (``rendered(_:)``).
    static func evidenceText(_ evidence: InspectedBundle.ContainerEvidence) -> String {
        var out = ""
        if evidence.source == .rawOutput {
            out += "Evidence:   rebuilt from evidence.raw (this bundle has no processes.json, sockets.json, namespaces.json)\n"
        }
        out += "\n" + processTable(evidence.processes)
        out += "\n" + listenerTable(evidence.sockets)
        out += "\n" + connectionTable(evidence.sockets)
        out += "\n" + namespaceSection(evidence.namespaces)
        out += anomalySection(evidence)
        out += "\n" + gapSection(evidence)
        return out
    }

    /// What the text needs of a container's evidence: its counts and its section.
    static func rendered(_ evidence: InspectedBundle.ContainerEvidence) -> RenderedEvidence {
        RenderedEvidence(counts: RenderedEvidence.Counts(evidence), body: evidenceText(evidence))
    }

    static func owners(_ owners: [SocketOwner]) -> String {
        guard !owners.isEmpty else { return "-" }
        var seen: Set<Int> = []
        let shown = owners.filter { seen.insert($0.pid).inserted }.prefix(5).map { "\($0.pid)/\(cell($0.comm ?? "?", limit: 40))" }
        return shown.joined(separator: ",") + (seen.count > 5 ? ",…" : "")
    }

    static func endpoint(_ address: String, _ port: Int) -> String {
        let shown = cell(address, limit: 60)
        return shown.contains(":") ? "[\(shown)]:\(port)" : "\(shown):\(port)"
    }

    static func proto(_ socket: InetSocket) -> String {
        cell(socket.table, limit: 8)
    }

    // MARK: Processes as a tree

    /// Processes in tree order: each root (a process whose parent is not in
    /// the table) by pid, its children below it. Depth and cycles in hostile
    /// ppid data are bounded: every process appears exactly once.
    static func treeOrder(_ processes: [EvidenceProcess]) -> [(process: EvidenceProcess, depth: Int)] {
        let byPid = Dictionary(processes.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
        var children: [Int: [EvidenceProcess]] = [:]
        var roots: [EvidenceProcess] = []
        for process in processes.sorted(by: { $0.pid < $1.pid }) {
            if let ppid = process.ppid, ppid != process.pid, byPid[ppid] != nil {
                children[ppid, default: []].append(process)
            } else {
                roots.append(process)
            }
        }
        var out: [(EvidenceProcess, Int)] = []
        var placed: Set<Int> = []
        func visit(_ process: EvidenceProcess, _ depth: Int) {
            var stack: [(EvidenceProcess, Int)] = [(process, depth)]
            while let (next, level) = stack.popLast() {
                guard placed.insert(next.pid).inserted else { continue }
                out.append((next, level))
                for child in (children[next.pid] ?? []).reversed() { stack.append((child, min(level + 1, 30))) }
            }
        }
        for root in roots { visit(root, 0) }
        // A ppid cycle has no root: show what is left as roots.
        for process in processes.sorted(by: { $0.pid < $1.pid }) where !placed.contains(process.pid) { visit(process, 0) }
        return out
    }

    static func processTable(_ table: ProcessTable) -> String {
        let header = "PROCESSES (\(table.processes.count)\(table.processesLeftOut > 0 ? ", \(table.processesLeftOut) left out at the cap" : ""))\n"
        var text = TextTable(headers: ["PID", "PPID", "USER(UID)", "STATE", "COMMAND"])
        for (process, depth) in treeOrder(table.processes) {
            let shown = treeRow(process, depth: depth)
            text.append([String(process.pid), process.ppid.map(String.init) ?? "?", shown.user, cell(process.state ?? "?", limit: 4),
                         shown.indent + cell(shown.command, limit: 160)])
        }
        return header + text.render()
    }

    /// One process as a row of the tree, for the text and the HTML report alike:
    /// its uid (and a differing euid), the tree's indent, and its command line
    /// (its comm in brackets when it has none; a deleted executable said).
    static func treeRow(_ process: EvidenceProcess, depth: Int) -> (user: String, indent: String, command: String) {
        var user = process.uid.map { "\($0.real)" } ?? "?"
        if let uid = process.uid, uid.effective != uid.real { user += "(euid \(uid.effective))" }
        let indent = depth == 0 ? "" : String(repeating: "  ", count: depth - 1) + "\\_ "
        var command = process.commandLine.isEmpty ? "[\(process.comm ?? "?")]" : process.commandLine
        if process.exeDeleted { command += "  (executable deleted)" }
        return (user, indent, command)
    }

    /// Listeners by port, then table (tcp before tcp6).
    static func sortedListeners(_ sockets: SocketTable) -> [InetSocket] {
        sockets.listeners.sorted { ($0.localPort, $0.table) < ($1.localPort, $1.table) }
    }

    static func listenerTable(_ sockets: SocketTable) -> String {
        guard !sockets.listeners.isEmpty else { return "LISTENERS: none\n" }
        var text = TextTable(headers: ["PROTO", "LOCAL", "PROCESS"])
        for socket in sortedListeners(sockets) {
            text.append([proto(socket), endpoint(socket.localAddress, socket.localPort), owners(socket.owners)])
        }
        return "LISTENERS (\(sockets.listeners.count))\n" + text.render()
    }

    static func connectionTable(_ sockets: SocketTable) -> String {
        guard !sockets.connections.isEmpty else { return "CONNECTIONS: none\n" }
        var text = TextTable(headers: ["PROTO", "LOCAL", "REMOTE", "STATE", "PROCESS"])
        for socket in sockets.connections {
            text.append([proto(socket), endpoint(socket.localAddress, socket.localPort),
                         endpoint(socket.remoteAddress, socket.remotePort), cell(socket.state, limit: 20), owners(socket.owners)])
        }
        var out = "CONNECTIONS (\(sockets.connections.count))\n" + text.render()
        if sockets.unownedSockets > 0 {
            out += "(\(sockets.unownedSockets) socket\(sockets.unownedSockets == 1 ? " has" : "s have") no known owner (\"-\"): held by a process outside the target's pid namespace, such as another container of the pod, or by one whose fd links could not be read; see the gaps)\n"
        }
        return out
    }

    static func namespaceSection(_ report: NamespaceReport) -> String {
        var out = "NAMESPACES of the evidence container and the target's first process"
        if let container = report.container {
            out += " (pid \(container.pid)\(container.comm.map { " \(cell($0, limit: 40))" } ?? ""))"
        }
        out += "\n"
        var text = TextTable(headers: ["TYPE", "EVIDENCE", "TARGET", "SHARED"])
        for sharing in report.sharing {
            let shared = sharing.shared.map { $0 ? "yes" : "no (own)" } ?? "unknown"
            text.append([cell(sharing.type, limit: 20), sharing.evidenceContainer.map(String.init) ?? "?",
                         sharing.container.map(String.init) ?? "?", shared])
        }
        out += text.render()
        func list(_ types: [String]) -> String { types.isEmpty ? "none" : types.map { cell($0, limit: 20) }.joined(separator: " ") }
        out += "Shared: \(list(report.shared)); own: \(list(report.notShared))"
        out += report.unknown.isEmpty ? "\n" : "; unknown: \(list(report.unknown))\n"
        return out
    }

    /// The namespace and socket anomalies in one list, right below the
    /// namespaces as before, so a forged unix socket row is seen where a
    /// user already looks; then, when the unix sockets could not be checked
    /// against the fd links, a sentence saying so, since a forged row would
    /// then pass as a socket without any anomaly to show.
    static func anomalySection(_ evidence: InspectedBundle.ContainerEvidence) -> String {
        let anomalies = EvidenceSummary.anomalies(namespaces: evidence.namespaces, sockets: evidence.sockets)
        var out: String
        if anomalies.isEmpty {
            out = "Anomalies: none\n"
        } else {
            out = "ANOMALIES (\(anomalies.count))\n"
            for anomaly in anomalies {
                out += "  [\(anomaly.severity.rawValue)] \(cell(anomaly.message, limit: 600))\n"
            }
        }
        if evidence.sockets.unixVerification == .unverifiable {
            out += "Unix sockets were not verified: the fd links of the pod's processes were not all read, so a row of /proc/net/unix may be the text of a socket name holding a newline rather than a socket.\n"
        }
        return out
    }

    static func gapSection(_ evidence: InspectedBundle.ContainerEvidence) -> String {
        let gaps = evidence.processes.gaps + evidence.sockets.gaps + evidence.namespaces.gaps
        let problems = evidence.processes.problems.count + evidence.sockets.problems.count + evidence.namespaces.problems.count
        var out = gaps.isEmpty ? "Gaps: none\n" : "GAPS (\(gaps.count))\n"
        for gap in gaps {
            out += "  - \(cell(gap.message, limit: 600))"
            if let remedy = gap.remedy { out += " \(cell(remedy, limit: 300))" }
            out += "\n"
        }
        if problems > 0 {
            out += "Parse problems: \(problems) (see inspect --json)\n"
        }
        return out
    }
}
