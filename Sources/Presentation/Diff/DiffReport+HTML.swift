import Foundation
import SnapshotDiff

extension DiffReport {
    /// The report as one self-contained HTML page (inline style and script,
    /// nothing fetched), one collapsible `<details>` per pod or replica, for
    /// attaching to a ticket. Every string from a pod or a bundle goes
    /// through ``DisplayEscaping/html(_:)``. The inline script only adds
    /// "expand all"/"collapse all" and marks the page `data-ready`, so a
    /// headless browser can tell it ran without an error.
    public func renderHTML() -> String {
        let h = DisplayEscaping.html
        var body = ""
        if let comparisons {
            for (index, c) in comparisons.enumerated() {
                body += "<section class=\"comparison\">"
                if comparisons.count > 1 { body += "<h2>Step \(index + 1) of \(comparisons.count)</h2>" }
                body += "<p class=\"bundles\"><span class=\"del\">− \(h(c.old.path))</span> (run \(h(c.old.runID)), \(h(UTCText.format(c.old.startedAt))))<br>"
                body += "<span class=\"add\">+ \(h(c.new.path))</span> (run \(h(c.new.runID)), \(h(UTCText.format(c.new.startedAt))))</p>"
                if let note = c.profileNote { body += "<p class=\"note\">\(h(note))</p>" }
                if let note = c.methodNote { body += "<p class=\"note\">\(h(note))</p>" }
                if let notCompared = c.notCompared, !notCompared.isEmpty {
                    body += "<p class=\"note\">Not compared, having no evidence on a side: "
                        + notCompared.map { "\(h($0.new.displayName)) (\(h($0.old.outcome)) → \(h($0.new.outcome)))" }.joined(separator: ", ") + "</p>"
                }
                if c.differentClusters {
                    body += "<p class=\"note\">The bundles come from different clusters (\(h(c.old.server)) and \(h(c.new.server))): pods are matched by name or workload, not UID.</p>"
                }
                for pod in c.pods {
                    body += "<details class=\"pod\" open><summary>pod \(h(pod.new.displayName)) <small>container \(h(pod.container)), matched by \(h(pod.matchedBy))</small></summary><ul>"
                    for r in pod.restarts { body += "<li class=\"chg\">restarts of \(h(r.container)): \(r.old) → \(r.new)</li>" }
                    for i in pod.images { body += "<li class=\"chg\">image of \(h(i.container)): \(h(i.old ?? "-")) → \(h(i.new ?? "-"))</li>" }
                    for (title, changes) in [("process", pod.processes), ("listener", pod.listeners), ("connection", pod.connections), ("anomaly", pod.anomalies)] {
                        for item in changes.added { body += "<li class=\"add\">+ \(title) \(Self.describeHTML(item))</li>" }
                        for item in changes.removed { body += "<li class=\"del\">− \(title) \(Self.describeHTML(item))</li>" }
                    }
                    for ns in pod.namespaces {
                        body += "<li class=\"chg\">namespace \(h(ns.type)): \(ns.old.map(String.init) ?? "-") → \(ns.new.map(String.init) ?? "-")</li>"
                    }
                    for note in pod.notes { body += "<li class=\"note\">\(h(note))</li>" }
                    body += "</ul></details>"
                }
                for pod in c.onlyInOld { body += "<p class=\"del\">− pod \(h(pod.displayName)) (uid \(h(pod.uid))\(pod.container.map { ", container \(h($0))" } ?? "")) only in the old bundle</p>" }
                for pod in c.onlyInNew { body += "<p class=\"add\">+ pod \(h(pod.displayName)) (uid \(h(pod.uid))\(pod.container.map { ", container \(h($0))" } ?? "")) only in the new bundle</p>" }
                body += "<p class=\"summary\">\(c.pods.count) changed, \(c.unchanged.count) unchanged, \(c.notCompared?.count ?? 0) not compared, \(c.onlyInOld.count) only in the old bundle, \(c.onlyInNew.count) only in the new.</p></section>"
            }
        }
        if let r = replicas {
            body += "<section class=\"replicas\"><p class=\"bundles\">Replicas in \(h(r.bundle.path)) (run \(h(r.bundle.runID)))</p>"
            for group in r.groups {
                body += "<h2>\(group.cluster.map { "[\(h($0))] " } ?? "")\(h(group.namespace)) \(h(group.workload ?? "(no owner)")), container \(h(group.container)): \(group.replicas) replicas</h2>"
                if group.replicas >= 2 && !group.common.isEmpty {
                    body += "<details class=\"common\"><summary>common to most</summary><ul>"
                    for item in group.common { body += "<li>\(h(item.kind.rawValue)) \(Self.describeHTML(item))</li>" }
                    body += "</ul></details>"
                }
                for (rank, odd) in group.odd.enumerated() {
                    body += "<details class=\"pod\" open><summary>#\(rank + 1) \(h(odd.pod.shortName)) <small>score \(odd.score)</small></summary><ul>"
                    for item in odd.extra { body += "<li class=\"add\">+ \(h(item.kind.rawValue)) \(Self.describeHTML(item))</li>" }
                    for item in odd.missing { body += "<li class=\"del\">− \(h(item.kind.rawValue)) \(Self.describeHTML(item))</li>" }
                    body += "</ul></details>"
                }
                if !group.alike.isEmpty { body += "<p>alike: \(group.alike.map { h($0.shortName) }.joined(separator: ", "))</p>" }
            }
            body += "</section>"
        }
        return ReportPage.render(
            title: "kubectl-evidence diff", heading: "kubectl-evidence diff <small>(\(mode.rawValue), \(differs ? "differences found" : "no differences"))</small>",
            facts: headerFacts, totals: totalsHTML, body: body)
    }

    /// Every bundle compared, with who collected it where, with which profile, and its digests.
    var headerFacts: [(String, String)] {
        var bundles: [DiffReport.BundleRef] = []
        if let comparisons {
            for c in comparisons {
                if bundles.last != c.old { bundles.append(c.old) }
                bundles.append(c.new)
            }
        }
        if let replicas { bundles.append(replicas.bundle) }
        let labels = bundles.count == 2 && mode == .diff ? ["Old", "New"] : bundles.indices.map { bundles.count == 1 ? "Bundle" : "Bundle \($0 + 1)" }
        return zip(labels, bundles).map { label, bundle in (label, Self.bundleFactsHTML(bundle)) }
    }

    static func bundleFactsHTML(_ b: DiffReport.BundleRef) -> String {
        let h = DisplayEscaping.html
        var parts = ["<b>\(h(b.path))</b>", "run \(h(b.runID)), \(h(UTCText.format(b.startedAt)))"]
        parts.append("cluster \(h(b.server))" + (b.contextName.map { " (context \(h($0)))" } ?? ""))
        if let profile = b.profile { parts.append("profile \(h(profile))" + (b.profileSHA256.map { " sha256 \(h(String($0.prefix(12))))…" } ?? "")) }
        parts.append("operator " + (b.user.map(h) ?? "unknown"))
        if let digest = b.manifestSHA256 { parts.append("manifest sha256 \(h(digest))") }
        if let signed = b.signed { parts.append(signed ? "signed (check it with verify --key)" : "not signed") }
        return parts.joined(separator: "<br>")
    }

    var totalsHTML: String {
        if let comparisons {
            let changed = comparisons.map(\.pods.count).reduce(0, +)
            let unchanged = comparisons.last?.unchanged.count ?? 0
            let appeared = comparisons.map(\.onlyInNew.count).reduce(0, +)
            let gone = comparisons.map(\.onlyInOld.count).reduce(0, +)
            let notCompared = comparisons.last?.notCompared?.count ?? 0
            let profiles = comparisons.contains { $0.profileNote != nil } ? " (the bundles' profiles differ)" : ""
            let steps = comparisons.count > 1 ? " over \(comparisons.count) steps" : ""
            return "\(changed) pod\(changed == 1 ? "" : "s") changed\(steps), \(unchanged) unchanged, \(notCompared) not compared, \(gone) gone, \(appeared) new\(profiles)"
        }
        if let replicas {
            let odd = replicas.groups.map(\.odd.count).reduce(0, +)
            return "\(odd) replica\(odd == 1 ? "" : "s") out of line in \(replicas.groups.count) group\(replicas.groups.count == 1 ? "" : "s")"
        }
        return ""
    }

    static func describeHTML(_ item: DiffItem) -> String {
        describe(item, escape: DisplayEscaping.html)
    }
}
