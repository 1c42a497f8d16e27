import Foundation
import SnapshotDiff

extension DiffReport {
    /// The report as grouped text for a person; with `colour`, additions in
    /// green, removals in red, headings in bold (ANSI). Every string from a
    /// pod or a bundle goes through ``DisplayEscaping/text(_:)``.
    public func renderText(colour: Bool = false) -> String {
        var out = TextOut(colour: colour)
        if let comparisons {
            for (index, comparison) in comparisons.enumerated() {
                if comparisons.count > 1 {
                    if index > 0 { out.line("") }
                    out.line(out.bold("Step \(index + 1) of \(comparisons.count)"))
                }
                render(comparison, &out)
            }
        }
        if let replicas { render(replicas, &out) }
        return out.text
    }

    private func render(_ c: Comparison, _ out: inout TextOut) {
        let e: (String) -> String = DisplayEscaping.text
        out.line(out.bold("--- \(e(c.old.path))") + "  (run \(e(c.old.runID)), \(UTCText.format(c.old.startedAt)))")
        out.line(out.bold("+++ \(e(c.new.path))") + "  (run \(e(c.new.runID)), \(UTCText.format(c.new.startedAt)))")
        if c.differentClusters {
            out.line("! The bundles come from different clusters (\(e(c.old.server)) and \(e(c.new.server))): pods are matched by name or workload, not UID.")
        }
        if let note = c.profileNote { out.line("! \(e(note))") }
        if let note = c.methodNote { out.line("! \(e(note))") }
        let notCompared = c.notCompared ?? []
        if !notCompared.isEmpty {
            out.line("? \(notCompared.count) matched pod\(notCompared.count == 1 ? " was" : "s were") not compared, having no evidence on a side: "
                + notCompared.map { "\(e($0.new.displayName)) (\(e($0.old.outcome)) → \(e($0.new.outcome)))" }.joined(separator: ", "))
        }
        if !c.differs {
            out.line("No differences in \(c.unchanged.count) matched pod\(c.unchanged.count == 1 ? "" : "s").")
            return
        }
        for pod in c.pods {
            out.line("")
            var heading = "pod \(e(pod.new.displayName)) (container \(e(pod.container)))"
            if pod.matchedBy != "uid" {
                heading += ", matched by \(pod.matchedBy) to \(e(pod.old.displayName)) uid \(e(pod.old.uid))"
            }
            out.line(out.bold(heading))
            for restart in pod.restarts {
                out.line("  ~ restarts of \(e(restart.container)): \(restart.old) → \(restart.new)")
            }
            for image in pod.images {
                out.line("  ~ image of \(e(image.container)): \(e(image.old ?? "-")) → \(e(image.new ?? "-"))")
            }
            for (title, changes) in [("process", pod.processes), ("listener", pod.listeners), ("connection", pod.connections), ("anomaly", pod.anomalies)] {
                for item in changes.added { out.line(out.green("  + \(title) \(Self.describe(item))")) }
                for item in changes.removed { out.line(out.red("  - \(title) \(Self.describe(item))")) }
            }
            for ns in pod.namespaces {
                out.line("  ~ namespace \(e(ns.type)): \(ns.old.map(String.init) ?? "-") → \(ns.new.map(String.init) ?? "-")")
            }
            for note in pod.notes { out.line("  ! \(e(note))") }
        }
        if !c.onlyInOld.isEmpty || !c.onlyInNew.isEmpty { out.line("") }
        func container(_ pod: DiffReport.PodRef) -> String { pod.container.map { ", container \(e($0))" } ?? "" }
        for pod in c.onlyInOld { out.line(out.red("- pod \(e(pod.displayName)) (uid \(e(pod.uid))\(container(pod))) only in the old bundle")) }
        for pod in c.onlyInNew { out.line(out.green("+ pod \(e(pod.displayName)) (uid \(e(pod.uid))\(container(pod))) only in the new bundle")) }
        out.line("")
        let notComparedText = (c.notCompared?.count).map { ", \($0) not compared" } ?? ""
        out.line("\(c.pods.count) pod\(c.pods.count == 1 ? "" : "s") changed, \(c.unchanged.count) unchanged\(notComparedText), \(c.onlyInOld.count) only in the old bundle, \(c.onlyInNew.count) only in the new.")
    }

    private func render(_ r: ReplicaReport, _ out: inout TextOut) {
        let e: (String) -> String = DisplayEscaping.text
        out.line(out.bold("Replicas in \(e(r.bundle.path))") + "  (run \(e(r.bundle.runID)), \(UTCText.format(r.bundle.startedAt)))")
        for group in r.groups {
            out.line("")
            let name = group.workload.map(e) ?? "(no owner)"
            out.line(out.bold("\(group.cluster.map { "[\(e($0))] " } ?? "")\(e(group.namespace)) \(name), container \(e(group.container)): \(group.replicas) replica\(group.replicas == 1 ? "" : "s") with evidence"))
            if group.replicas < 2 {
                out.line("  nothing to compare with")
            } else if group.odd.isEmpty {
                out.line("  all alike")
            }
            if !group.common.isEmpty && group.replicas >= 2 {
                out.line("  common to most:")
                for item in group.common { out.line("    \(item.kind.rawValue) \(Self.describe(item))") }
            }
            for (rank, odd) in group.odd.enumerated() {
                out.line("  #\(rank + 1) \(out.bold("\(e(odd.pod.shortName))")) stands out (score \(odd.score))\(odd.restarts.map { $0 > 0 ? ", \($0) restarts" : "" } ?? ""):")
                for item in odd.extra { out.line(out.green("    + \(item.kind.rawValue) \(Self.describe(item))")) }
                for item in odd.missing { out.line(out.red("    - \(item.kind.rawValue) \(Self.describe(item))")) }
            }
            if !group.alike.isEmpty && !group.odd.isEmpty {
                let more = group.alike.count > 20 ? ", and \(group.alike.count - 20) more" : ""
                out.line("  alike: \(group.alike.prefix(20).map { e($0.shortName) }.joined(separator: ", "))\(more)")
            }
            if !group.withoutEvidence.isEmpty {
                out.line("  no evidence: \(group.withoutEvidence.map { "\(e($0.shortName)) (\(e($0.outcome)))" }.joined(separator: ", "))")
            }
        }
    }

    /// An item's text, and its owners for listeners (escaped).
    static func describe(_ item: DiffItem, escape: (String) -> String = DisplayEscaping.text) -> String {
        var text = escape(item.text)
        if item.kind == .listener, !item.owners.isEmpty {
            text += " (\(item.owners.map(escape).joined(separator: ", ")))"
        }
        if item.kind == .process || item.kind == .listener, !item.pids.isEmpty {
            text += " [pid \(item.pids.sorted().map(String.init).joined(separator: ","))]"
        }
        return text
    }
}

/// Lines, with ANSI colour when asked.
struct TextOut {
    var colour: Bool
    var text = ""

    mutating func line(_ s: String) { text += s + "\n" }
    func bold(_ s: String) -> String { colour ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    func green(_ s: String) -> String { colour ? "\u{1B}[32m\(s)\u{1B}[0m" : s }
    func red(_ s: String) -> String { colour ? "\u{1B}[31m\(s)\u{1B}[0m" : s }
}

/// Dates as `2026-11-29T02:03:25Z`.
enum UTCText {
    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
