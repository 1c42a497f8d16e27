import Foundation

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
                if c.differentClusters {
                    body += "<p class=\"note\">The bundles come from different clusters (\(h(c.old.server)) and \(h(c.new.server))): pods are matched by name or workload, not UID.</p>"
                }
                for pod in c.pods {
                    body += "<details class=\"pod\" open><summary>pod \(h(pod.new.namespace))/\(h(pod.new.name)) <small>container \(h(pod.container)), matched by \(h(pod.matchedBy))</small></summary><ul>"
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
                for pod in c.onlyInOld { body += "<p class=\"del\">− pod \(h(pod.namespace))/\(h(pod.name)) (uid \(h(pod.uid))) only in the old bundle</p>" }
                for pod in c.onlyInNew { body += "<p class=\"add\">+ pod \(h(pod.namespace))/\(h(pod.name)) (uid \(h(pod.uid))) only in the new bundle</p>" }
                body += "<p class=\"summary\">\(c.pods.count) changed, \(c.unchanged.count) unchanged, \(c.onlyInOld.count) only in the old bundle, \(c.onlyInNew.count) only in the new.</p></section>"
            }
        }
        if let r = replicas {
            body += "<section class=\"replicas\"><p class=\"bundles\">Replicas in \(h(r.bundle.path)) (run \(h(r.bundle.runID)))</p>"
            for group in r.groups {
                body += "<h2>\(h(group.namespace)) \(h(group.workload ?? "(no owner)")), container \(h(group.container)): \(group.replicas) replicas</h2>"
                if group.replicas >= 2 && !group.common.isEmpty {
                    body += "<details class=\"common\"><summary>common to most</summary><ul>"
                    for item in group.common { body += "<li>\(h(item.kind.rawValue)) \(Self.describeHTML(item))</li>" }
                    body += "</ul></details>"
                }
                for (rank, odd) in group.odd.enumerated() {
                    body += "<details class=\"pod\" open><summary>#\(rank + 1) \(h(odd.pod.name)) <small>score \(odd.score)</small></summary><ul>"
                    for item in odd.extra { body += "<li class=\"add\">+ \(h(item.kind.rawValue)) \(Self.describeHTML(item))</li>" }
                    for item in odd.missing { body += "<li class=\"del\">− \(h(item.kind.rawValue)) \(Self.describeHTML(item))</li>" }
                    body += "</ul></details>"
                }
                if !group.alike.isEmpty { body += "<p>alike: \(group.alike.map { h($0.name) }.joined(separator: ", "))</p>" }
            }
            body += "</section>"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
            <title>kubectl-evidence diff</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222}
            summary{cursor:pointer;font-weight:600}small{font-weight:400;color:#666}
            ul{list-style:none;padding-left:1em;font-family:ui-monospace,monospace}
            .add{color:#1a7f37}.del{color:#cf222e}.chg{color:#9a6700}.note{color:#9a6700;font-style:italic}
            details{border:1px solid #ddd;border-radius:4px;padding:.3em .6em;margin:.4em 0}
            </style></head>
            <body><h1>kubectl-evidence diff <small>(\(mode.rawValue), \(differs ? "differences found" : "no differences"))</small></h1>
            <p><button type="button" id="expand">expand all</button> <button type="button" id="collapse">collapse all</button></p>
            \(body)
            <script>
            (function () {
              function all(open) { document.querySelectorAll("details").forEach(function (d) { d.open = open; }); }
              document.getElementById("expand").addEventListener("click", function () { all(true); });
              document.getElementById("collapse").addEventListener("click", function () { all(false); });
              document.documentElement.setAttribute("data-ready", String(document.querySelectorAll("details").length));
            })();
            </script>
            </body></html>

            """
    }

    static func describeHTML(_ item: DiffItem) -> String {
        describe(item, escape: DisplayEscaping.html)
    }
}
