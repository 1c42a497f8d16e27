import Bundle
import Evidence
import Foundation
import SnapshotDiff

/// `inspect --html FILE`: the bundle as one self-contained page to attach to
/// a ticket. The header says who collected it, where, when, with which
/// profile, whether it verifies and whether it is signed; then every anomaly
/// and gap of every pod, first; then per pod its process tree, listeners and
/// connections with their processes, and namespace sharing.
///
/// Every string from the bundle goes through ``DisplayEscaping/html(_:)``.
public enum InspectHTML {
    public static func render(_ bundle: InspectedBundle, verification: BundleVerification?) -> String {
        let h = DisplayEscaping.html
        let manifest = bundle.manifest
        let run = manifest.run
        var facts: [(String, String)] = []
        facts.append(("Bundle", h(bundle.path)))
        var when = "started \(h(InspectText.timestamp(run.startedAt)))"
        if let finished = run.finishedAt { when += ", finished \(h(InspectText.timestamp(finished)))" }
        if run.interrupted { when += ", <span class=\"bad\">interrupted</span>" }
        facts.append(("Run", "\(h(run.id)), \(when)"))
        if let cluster = manifest.cluster, let selection = manifest.selection {
            facts.append(("Who", who(cluster)))
            facts.append(("Cluster", describe(cluster)))
            facts.append(("Profile", "\(h(run.profile.name)) <small>sha256 \(h(run.profile.sha256))</small>"))
            facts.append(("Selection", h(selectionText(selection))))
        } else {
            // A bundle of several clusters: each with who, what and, when it was left out, why.
            facts.append(("Profile", "\(h(run.profile.name)) <small>sha256 \(h(run.profile.sha256))</small>"))
            for section in manifest.clusterSections {
                var text = "<b>\(h(section.name))</b>: \(describe(section.cluster))<br>as \(who(section.cluster, leftOut: section.failure != nil)); \(h(selectionText(section.selection)))"
                if let failure = section.failure {
                    text += "<br><span class=\"bad\">left out (\(h(failure.reason)))</span>: \(h(failure.message))"
                }
                facts.append(("Cluster", text))
            }
        }
        facts.append(("Tool", h("\(manifest.tool.name) \(manifest.tool.version)")))
        if let script = ScriptDeliveryText.line(manifest) { facts.append(("Script", h(script))) }
        facts.append(("Manifest", "sha256 \(h(bundle.manifestSHA256)), \(manifest.files.count) files"))
        if let verification {
            facts.append(("Verify", verification.isIntact
                ? "<span class=\"ok\">intact</span>: all \(verification.filesChecked) files match the manifest"
                : "<span class=\"bad\">\(verification.problems.count) problem\(verification.problems.count == 1 ? "" : "s")</span>: "
                    + verification.problems.prefix(5).map { h($0.description) }.joined(separator: "; ")))
        }
        facts.append(("Signature", h(bundle.signature.description)))
        if let redacted = run.redacted {
            let masks = manifest.pods.map { $0.redactions?.count ?? 0 }.reduce(0, +)
            facts.append(("Secrets", redacted ? "masked before writing (\(masks) value\(masks == 1 ? "" : "s"), listed per pod)" : "<span class=\"bad\">kept</span> (--no-redact)"))
        }

        let counts = Manifest.Outcome.allCases.map { outcome in "\(manifest.pods.filter { $0.outcome == outcome }.count) \(outcome.rawValue)" }
        let totals = "\(manifest.pods.count) pods: " + counts.joined(separator: ", ")

        var body = attentionSection(bundle)
        body += "<h2>Pods</h2>" + overview(bundle)
        for (index, pod) in bundle.pods.enumerated() { body += podSection(pod, index: index) }
        return ReportPage.render(title: "kubectl-evidence inspect \(bundle.path)", heading: "kubectl-evidence inspect", facts: facts,
                                 totals: h(totals), body: body)
    }

    /// Who the server said ran the tool, and whether it was impersonated.
    static func who(_ cluster: Manifest.Cluster, leftOut: Bool = false) -> String {
        let h = DisplayEscaping.html
        var who = cluster.user.map { h($0.username) + ($0.groups.isEmpty ? "" : " <small>(\(h($0.groups.joined(separator: ", "))))</small>") }
            ?? InspectText.noUser(leftOut: leftOut)
        if let impersonation = cluster.impersonation { who += " <small>impersonated, by \(h(impersonation.origin))</small>" }
        return who
    }

    /// The server, with its context, version, CA and proxy.
    static func describe(_ cluster: Manifest.Cluster) -> String {
        let h = DisplayEscaping.html
        var text = h(cluster.server)
        if let context = cluster.contextName { text += ", context \(h(context))" }
        if let version = cluster.serverVersion { text += ", \(h(version))" }
        if let ca = cluster.caFingerprintSHA256 { text += "<br><small>CA sha256 \(h(ca))</small>" }
        if let proxy = cluster.proxy { text += "<br><small>through the proxy \(h(proxy))</small>" }
        return text
    }

    static func selectionText(_ selection: Manifest.Selection) -> String {
        var parts = [selection.namespace.map { "-n \($0)" } ?? "-A"]
        if let workload = selection.workload { parts.append(workload) }
        if let names = selection.podNames { parts.append(contentsOf: names) }
        if let labels = selection.labelSelector { parts.append("-l \(labels)") }
        if let fields = selection.fieldSelector { parts.append("--field-selector \(fields)") }
        if let node = selection.node { parts.append("--node \(node)") }
        return parts.joined(separator: " ")
    }

    /// Anomalies, failed pods and gaps of every pod, before anything else.
    static func attentionSection(_ bundle: InspectedBundle) -> String {
        let h = DisplayEscaping.html
        var items: [String] = []
        for (index, pod) in bundle.pods.enumerated() {
            let name = "<a href=\"#pod-\(index)\">\(h(pod.entry.namespace))/\(h(pod.entry.name))</a>"
            if pod.entry.outcome == .failed || pod.entry.outcome == .interrupted {
                items.append("<li class=\"warning\">\(name): \(h(pod.entry.outcome.rawValue)) (\(h(pod.entry.reason))): \(h(pod.entry.message))</li>")
            }
            guard let evidence = pod.evidence else { continue }
            for anomaly in EvidenceSummary.anomalies(namespaces: evidence.namespaces, sockets: evidence.sockets) where anomaly.counts {
                items.append("<li class=\"\(h(anomaly.severity.rawValue))\">\(name): [\(h(anomaly.severity.rawValue))] \(h(anomaly.message))</li>")
            }
            for gap in evidence.processes.gaps + evidence.sockets.gaps + evidence.namespaces.gaps {
                items.append("<li class=\"note\">\(name): gap: \(h(gap.message))\(gap.remedy.map { " " + h($0) } ?? "")</li>")
            }
        }
        guard !items.isEmpty else { return "<h2>Needs attention</h2><p class=\"ok\">No failed pod, no anomaly, no gap.</p>" }
        return "<h2>Needs attention: failures, anomalies and gaps (\(items.count))</h2><ul class=\"attention\">" + items.joined() + "</ul>"
    }

    static func overview(_ bundle: InspectedBundle) -> String {
        let h = DisplayEscaping.html
        // A bundle of --all-containers has a row per container of a pod: the table then says which.
        let perContainer = !bundle.pods.map(\.entry).podsWithSeveralEntries.isEmpty
        let clusters = bundle.manifest.isMultiCluster
        var rows = "<table class=\"grid\"><tr>\(clusters ? "<th>cluster</th>" : "")<th>namespace</th><th>pod</th>\(perContainer ? "<th>container</th>" : "")<th>outcome</th><th>reason</th><th>processes</th><th>listeners</th><th>connections</th></tr>"
        for (index, pod) in bundle.pods.enumerated() {
            let e = pod.evidence
            rows += "<tr>" + (clusters ? "<td>\(h(pod.entry.cluster ?? "-"))</td>" : "") + "<td>\(h(pod.entry.namespace))</td><td><a href=\"#pod-\(index)\">\(h(pod.entry.name))</a></td>"
                + (perContainer ? "<td>\(h(pod.entry.targetContainer))</td>" : "")
                + "<td>\(h(pod.entry.outcome.rawValue))</td><td>\(h(pod.entry.reason))</td>"
                + "<td>\(e.map { String($0.processes.processes.count) } ?? "-")</td><td>\(e.map { String($0.sockets.listeners.count) } ?? "-")</td>"
                + "<td>\(e.map { String($0.sockets.connections.count) } ?? "-")</td></tr>"
        }
        return rows + "</table>"
    }

    static func podSection(_ pod: InspectedBundle.Pod, index: Int) -> String {
        let h = DisplayEscaping.html
        let entry = pod.entry
        var out = "<details class=\"pod\" id=\"pod-\(index)\" open><summary>\(h(entry.namespace))/\(h(entry.name)) "
            + "<small>\(h(entry.outcome.rawValue)), node \(h(entry.node ?? "unknown")), container \(h(entry.targetContainer.isEmpty ? "-" : entry.targetContainer))</small></summary>"
        out += "<p>\(h(entry.message))</p>"
        if let redactions = entry.redactions, !redactions.isEmpty {
            out += "<p class=\"note\">Masked before writing: " + redactions.prefix(20).map { "\(h($0.location)) (\(h($0.rule)))" }.joined(separator: ", ")
                + (redactions.count > 20 ? ", …" : "") + "</p>"
        }
        guard let evidence = pod.evidence else { return out + "<p>No evidence in the bundle for this pod.</p></details>" }

        out += "<h3>Processes (\(evidence.processes.processes.count))</h3><pre class=\"tree\">"
        for (process, depth) in InspectText.treeOrder(evidence.processes.processes) {
            let shown = InspectText.treeRow(process, depth: depth)
            out += h(String(format: "%7d uid %-12@ ", process.pid, shown.user as NSString)) + h(shown.indent) + h(String(shown.command.prefix(300))) + "\n"
        }
        out += "</pre>"

        out += "<h3>Listeners (\(evidence.sockets.listeners.count))</h3>"
        if !evidence.sockets.listeners.isEmpty {
            out += "<table class=\"grid\"><tr><th>proto</th><th>local</th><th>process</th></tr>"
            for socket in InspectText.sortedListeners(evidence.sockets) {
                out += "<tr><td>\(h(socket.table))</td><td>\(h(InspectText.endpoint(socket.localAddress, socket.localPort)))</td><td>\(h(InspectText.owners(socket.owners)))</td></tr>"
            }
            out += "</table>"
        }
        out += "<h3>Connections (\(evidence.sockets.connections.count))</h3>"
        if !evidence.sockets.connections.isEmpty {
            out += "<table class=\"grid\"><tr><th>proto</th><th>local</th><th>remote</th><th>state</th><th>process</th></tr>"
            for socket in evidence.sockets.connections {
                out += "<tr><td>\(h(socket.table))</td><td>\(h(InspectText.endpoint(socket.localAddress, socket.localPort)))</td>"
                    + "<td>\(h(InspectText.endpoint(socket.remoteAddress, socket.remotePort)))</td><td>\(h(socket.state))</td>"
                    + "<td>\(h(InspectText.owners(socket.owners)))</td></tr>"
            }
            out += "</table>"
        }
        let namespaces = evidence.namespaces
        out += "<h3>Namespaces</h3><table class=\"grid\"><tr><th>type</th><th>evidence container</th><th>target</th><th>shared</th></tr>"
        for sharing in namespaces.sharing {
            let shared = sharing.shared.map { $0 ? "yes" : "no (own)" } ?? "unknown"
            out += "<tr><td>\(h(sharing.type))</td><td>\(sharing.evidenceContainer.map(String.init) ?? "?")</td>"
                + "<td>\(sharing.container.map(String.init) ?? "?")</td><td>\(shared)</td></tr>"
        }
        return out + "</table></details>"
    }
}
