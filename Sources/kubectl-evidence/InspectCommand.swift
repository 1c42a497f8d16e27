import ArgumentParser
import Bundle
import Evidence
import Foundation

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

    @Argument(help: "The bundle (.tar.gz) to inspect.")
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
        let inspected: InspectedBundle
        do {
            inspected = try InspectedBundle.read(path: bundle, pod: pod.flatMap(parsedPod))
        } catch {
            CommandErrors.print(error)
            throw ExitCode(1)
        }
        if let html {
            // The page says whether the bundle verifies: the archive is read once more, hashing every file.
            let verification = try? BundleReader(path: bundle).verify()
            do {
                try ReportFile.write(InspectHTML.render(inspected, verification: verification), to: html, overwrite: overwrite)
            } catch {
                CommandErrors.print(error)
                throw ExitCode(1)
            }
        }
        if json {
            FileHandle.standardOutput.write(try JSONOutput.encode(InspectJSON(inspected)))
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(InspectText.render(inspected).utf8))
        }
    }
}

/// `inspect --json`: the manifest's run parts, and per pod its manifest entry
/// with the three evidence documents (the shapes of `kubectl-evidence schema
/// processes|sockets|namespaces`). JSON escapes every control character, so
/// hostile strings are safe here as they are.
struct InspectJSON: Encodable {
    var bundle: String
    var manifestSHA256: String
    var signature: String
    var tool: Manifest.Tool
    var run: Manifest.Run
    var cluster: Manifest.Cluster
    var selection: Manifest.Selection
    var outcomes: [String: Int]
    var pods: [Pod]

    struct Pod: Encodable {
        var pod: Manifest.Pod
        var evidenceSource: InspectedBundle.ContainerEvidence.Source?
        var processes: ProcessTable?
        var sockets: SocketTable?
        var namespaces: NamespaceReport?
    }

    init(_ bundle: InspectedBundle) {
        self.bundle = bundle.path
        self.manifestSHA256 = bundle.manifestSHA256
        self.signature = bundle.signature.word
        self.tool = bundle.manifest.tool
        self.run = bundle.manifest.run
        self.cluster = bundle.manifest.cluster
        self.selection = bundle.manifest.selection
        var outcomes: [String: Int] = [:]
        for outcome in Manifest.Outcome.allCases { outcomes[outcome.rawValue] = 0 }
        for pod in bundle.manifest.pods { outcomes[pod.outcome.rawValue, default: 0] += 1 }
        self.outcomes = outcomes
        self.pods = bundle.pods.map {
            Pod(pod: $0.entry, evidenceSource: $0.evidence?.source, processes: $0.evidence?.processes,
                sockets: $0.evidence?.sockets, namespaces: $0.evidence?.namespaces)
        }
    }
}
