import ArgumentParser
import Bundle
import Evidence
import Foundation
import Presentation

/// `kubectl-evidence inspect`: what a bundle says, for a person (tables) or
/// a script (`--json`). Reads the archive as a stream, never unpacking it.
struct InspectCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a bundle holds: the run, then per pod its processes, listeners, connections, namespaces and gaps.",
        discussion: """
            The archive is read as a stream and never unpacked; entries with absolute paths, \
            "..", links or absurd sizes are refused. inspect does not check hashes: run \
            `kubectl-evidence verify` for that. Exit status: 0, or 1 when the bundle cannot be \
            read, is refused, or has no such --pod.
            """ + HelpText.examples([
                ("Everything a bundle holds, anomalies and gaps first", "inspect incident-4211.tar.gz"),
                ("One pod, as JSON for jq", "inspect case-4211.tar.gz --pod shop/checkout-6c58-d6fch --json"),
                ("One page for the ticket", "inspect case-4211.tar.gz --html case-4211.html"),
            ])
        )
    }

    @Argument(help: "The bundle (.tar.gz) to inspect.", completion: .file(extensions: ["gz"]))
    var bundle: String

    @Option(name: .customLong("pod"), help: "Only this pod, as NAMESPACE/NAME; in a bundle of several clusters CLUSTER/NAMESPACE/NAME picks one cluster's (without it, that pod of every cluster).")
    var pod: String?

    @Flag(name: .customLong("json"), help: "Print the run and every pod's decoded evidence as JSON.")
    var json = false

    @Option(name: .customLong("html"), help: ArgumentHelp("Also write the bundle as one self-contained HTML page for a ticket (who, where, verify and signature status, anomalies and gaps first, then each pod).", valueName: "FILE"))
    var html: String?

    @Flag(name: .customLong("overwrite"), help: "Replace an existing --html file.")
    var overwrite = false

    func validate() throws {
        if let pod, Self.parsedPod(pod) == nil {
            throw ValidationError("--pod must be NAMESPACE/NAME or CLUSTER/NAMESPACE/NAME (for example shop/checkout-0), got \"\(DisplayText.line(pod))\".")
        }
    }

    /// `NAMESPACE/NAME`, or `CLUSTER/NAMESPACE/NAME`: namespaces and pod names hold no
    /// slash, so the last two parts are they and whatever comes before is the cluster
    /// (a context name may hold slashes, as an EKS ARN does).
    static func parsedPod(_ text: String) -> (cluster: String?, namespace: String, name: String)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[parts.count - 2].isEmpty, !parts[parts.count - 1].isEmpty else { return nil }
        let cluster = parts.count > 2 ? parts.dropLast(2).joined(separator: "/") : nil
        if cluster?.isEmpty == true { return nil }
        return (cluster, parts[parts.count - 2], parts[parts.count - 1])
    }

    func run() throws {
        try run(output: .standard)
    }

    func run(output: OutputContext) throws {
        let inspected: InspectedBundle
        let spill: EvidenceSpill?
        do {
            // The text alone needs no tables: each pod is kept as its text while the bundle is read.
            // --json puts each pod's encoded evidence in a scratch file until the manifest (the last entry) is read.
            spill = json && html == nil ? try EvidenceSpill() : nil
            let keep: InspectedBundle.Keep = spill.map { .json($0) } ?? (json || html != nil ? .evidence : .text)
            let wanted = pod.flatMap(Self.parsedPod)
            inspected = try InspectedBundle.read(path: bundle, pod: wanted.map { ($0.namespace, $0.name) }, cluster: wanted?.cluster, keep: keep)
        } catch {
            CommandErrors.print(error, to: output)
            throw ExitCode(1)
        }
        if let html {
            // The page says whether the bundle verifies: the archive is read once more, hashing every file.
            let verification = try? BundleReader(path: bundle).verify()
            do {
                try ReportFile.write(InspectHTML.render(inspected, verification: verification), to: html, overwrite: overwrite)
            } catch {
                CommandErrors.print(error, to: output)
                throw ExitCode(1)
            }
        }
        if json {
            do {
                try InspectJSON.render(inspected, spill: spill) { output.print(String(decoding: $0, as: UTF8.self)) }
            } catch {
                CommandErrors.print(error, to: output)
                throw ExitCode(1)
            }
        } else {
            InspectText.render(inspected) { output.print($0) }
        }
    }
}
