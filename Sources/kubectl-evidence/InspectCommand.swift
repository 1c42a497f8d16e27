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

    @Option(name: .customLong("pod"), help: "Only this pod, as NAMESPACE/NAME.")
    var pod: String?

    @Flag(name: .customLong("json"), help: "Print the run and every pod's decoded evidence as JSON.")
    var json = false

    @Option(name: .customLong("html"), help: ArgumentHelp("Also write the bundle as one self-contained HTML page for a ticket (who, where, verify and signature status, anomalies and gaps first, then each pod).", valueName: "FILE"))
    var html: String?

    @Flag(name: .customLong("overwrite"), help: "Replace an existing --html file.")
    var overwrite = false

    func validate() throws {
        if let pod, parsedPod(pod) == nil {
            throw ValidationError("--pod must be NAMESPACE/NAME (for example shop/checkout-0), got \"\(pod)\".")
        }
    }

    private func parsedPod(_ text: String) -> (namespace: String, name: String)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
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
            inspected = try InspectedBundle.read(path: bundle, pod: pod.flatMap(parsedPod), keep: keep)
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
