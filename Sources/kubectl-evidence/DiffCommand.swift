import ArgumentParser
import Bundle
import Evidence
import Foundation
import Presentation
import SnapshotDiff

/// `kubectl-evidence diff`: what changed between bundles taken over time,
/// or which replica inside one bundle is the odd one out. Exit status as
/// diff(1), so scripts can branch on it: 0 nothing differs, 1 something
/// does, 2 trouble (a bundle that cannot be read, a bad flag).
struct DiffCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between bundles (OLD NEW, or a timeline of more), or which replica in one bundle differs (--replicas).",
        discussion: """
            Pods are matched by UID, else by namespace and name, else by workload (owner, and \
            the ordinal for a StatefulSet). Processes are compared by executable and arguments, \
            never pid; connections by their far end (outbound) or listening port and peer \
            address (inbound), never an ephemeral client port. The evidence container's own \
            processes are left out; --ignore-process adds more.

            --replicas groups one bundle's pods by namespace, owner and container, and lists each \
            replica that has more or less than most of its group, the one that stands out most first.

            Exit status: 0 when nothing differs, 1 when something does, 2 on error.
            """ + HelpText.examples([
                ("What changed between two snapshots of the same pods", "diff incident-0900.tar.gz incident-0930.tar.gz"),
                ("A timeline over several snapshots, as JSON", "diff a.tar.gz b.tar.gz c.tar.gz --json"),
                ("The odd replica out within one bundle, with an HTML report for the ticket", "diff --replicas incident.tar.gz --html report.html"),
            ])
        )
    }

    @Argument(help: "Two or more bundles, oldest first; with --replicas, exactly one.", completion: .file(extensions: ["gz"]))
    var bundles: [String] = []

    @Flag(name: .customLong("replicas"), help: "Compare the replicas inside one bundle instead.")
    var replicas = false

    @Flag(name: .customLong("across-clusters"), help: "With --replicas on a bundle of several clusters (collect --context a,b): compare the same workload's replicas across the clusters, not within each, so the odd cluster's replicas rank first.")
    var acrossClusters = false

    @Option(name: .customLong("ignore-process"),
            help: ArgumentHelp("Leave out processes matching this shell glob (command line, comm or executable name), and their sockets. Repeatable.",
                               valueName: "PATTERN"))
    var ignoreProcess: [String] = []

    @Flag(name: .customLong("json"), help: "Print the report as JSON (see `kubectl-evidence schema diff`).")
    var json = false

    @Option(name: .customLong("html"), help: ArgumentHelp("Also write a self-contained HTML report to this file.", valueName: "FILE"))
    var html: String?

    @Flag(name: .customLong("overwrite"), help: "Replace an existing --html file.")
    var overwrite = false

    @Flag(name: .customLong("no-color"), help: "No colour, even on a terminal (NO_COLOR in the environment does the same).")
    var noColor = false

    /// Wrong use exits 2 like any other error (diff(1)), not ArgumentParser's 64.
    /// Checked when the command runs, not in validate(): ArgumentParser validates
    /// before it shows --help, and `diff --help` printed this error first.
    func checkBundles(output: OutputContext) throws {
        var problem: String?
        if acrossClusters && !replicas {
            problem = "--across-clusters compares replicas across the clusters of one bundle: add --replicas."
        } else if replicas && bundles.count != 1 {
            problem = "--replicas compares the pods inside one bundle: give exactly one bundle, got \(bundles.count)."
        } else if !replicas && bundles.count < 2 {
            problem = "diff needs two bundles (OLD NEW) or more, oldest first, got \(bundles.count); to compare the replicas inside one bundle, add --replicas."
        }
        if let problem {
            output.printToStandardError("error: \(problem)\n\(Self.usageString())\n")
            throw ExitCode(2)
        }
    }

    func run() throws {
        try run(output: .standard)
    }

    func run(output: OutputContext) throws {
        try checkBundles(output: output)
        let report: DiffReport
        let options = DiffOptions(ignoreProcesses: ignoreProcess)
        do {
            // diff compares features only: each container is reduced to them as it is read.
            let snapshots = try bundles.map { try Snapshot.read(path: $0, keep: .features(options)) }
            if acrossClusters, let one = snapshots.first, !one.manifest.isMultiCluster {
                // Across revisions of one cluster's Deployment is not what was asked for.
                throw CommandFailure("--across-clusters compares the clusters of a bundle of several (collect --context a,b writes one), but \(BundleReader.display(one.path)) is of one cluster; drop --across-clusters.")
            }
            report = replicas ? DiffReport(replicas: ReplicaComparer.compare(snapshots[0], options: options, acrossClusters: acrossClusters))
                : SnapshotComparer.report(snapshots, options: options)
            if let html {
                try ReportFile.write(report.renderHTML(), to: html, overwrite: overwrite)
            }
        } catch {
            CommandErrors.print(error, to: output)
            throw ExitCode(2)
        }
        if json {
            try output.printJSON(report)
        } else {
            output.print(report.renderText(colour: output.colour(disabledByFlag: noColor)))
        }
        if report.differs { throw ExitCode(1) }
    }
}
