import Collector
import Evidence
import Foundation

extension CollectionPlan {
    /// The plan as a person reads it on a terminal: what will be touched,
    /// what will not and why, and a reminder that ephemeral containers stay
    /// (or, with `--via node`, that only helper pods are made, and go).
    public func renderText(dryRun: Bool) -> String {
        var out = "Selection \(DisplayText.line(selection.description)): \(selectedCount) pod\(selectedCount == 1 ? "" : "s") selected, "
        out += "\(podCount) to collect, \(skipped.count) skipped.\n"
        if allContainers == true, !targets.isEmpty {
            out += "--all-containers: \(targets.count) container\(targets.count == 1 ? "" : "s") in those pods, one evidence container each.\n"
        }
        if selectedCount == 0 {
            out += "\nNo pods matched. Check the namespace and the selector with `kubectl get pods \(selection.kubectlGetArguments)`.\n"
            return out
        }
        if !targets.isEmpty {
            // What each pod already carries: every run's container stays in it.
            var table = TextTable(headers: ["NAMESPACE", "POD", "NODE", "PHASE", "TARGET", "CHOSEN BY", "EPHEMERAL", "OBJECT"])
            for target in targets {
                let carried = target.footprint.map { "\($0.ephemeralContainers)" + ($0.evidenceContainers > 0 ? " (\($0.evidenceContainers) evidence)" : "") }
                table.append([target.namespace, target.pod, target.node ?? "<none>", target.phase ?? "<unknown>",
                              target.targetContainer, target.targetChosenBy.rawValue, carried ?? "?",
                              target.footprint.map { ByteSize.text($0.objectBytes) } ?? "?"])
            }
            out += "\n" + table.render()
            // A pod's note once, though --all-containers gives it to each of its targets.
            var noted: Set<String> = []
            for target in targets {
                guard let note = target.note, noted.insert("\(target.namespace)/\(target.pod)\u{0}\(note)").inserted else { continue }
                out += DisplayText.line("note: \(target.namespace)/\(target.pod): \(note)") + "\n"
            }
            if let warning = crowdedWarning { out += DisplayText.line(warning) + "\n" }
        }
        if !skipped.isEmpty {
            var table = TextTable(headers: ["SKIPPED", "NODE", "PHASE", "REASON"])
            for skip in skipped {
                table.append(["\(skip.namespace)/\(skip.pod)", skip.node ?? "<none>", skip.phase ?? "<unknown>", skip.explanation])
            }
            out += "\n" + table.render()
        }
        if dryRun, method == .node {
            // (`method` is the plan's: nil is an evidence container in each pod.)
            let nodes = Set(targets.map { $0.node ?? "" }).count
            out += "\nDry run: nothing was created. A real run starts one helper pod \(nodes == 1 ? "on the node" : "on each of the \(nodes) nodes") above "
                + "(privileged, hostPID, deleted when its node is done) and adds nothing to the \(podCount) pod\(podCount == 1 ? "" : "s").\n"
        } else if dryRun {
            if allContainers == true {
                out += "\nDry run: nothing was injected. A real run adds one ephemeral container per container listed above (\(targets.count) in \(podCount) pod\(podCount == 1 ? "" : "s")); they cannot be removed from the pod spec afterwards.\n"
            } else {
                out += "\nDry run: nothing was injected. A real run adds one ephemeral container to each of the \(targets.count) pod\(targets.count == 1 ? "" : "s") above; it cannot be removed from the pod spec afterwards.\n"
            }
        }
        return out
    }

    /// The plan as JSON, for scripts (`--json`). Keys are sorted so two plans
    /// of the same selection compare equal byte for byte.
    public func renderJSON() throws -> String {
        String(decoding: try JSONOutput.encode(self), as: UTF8.self) + "\n"
    }
}
