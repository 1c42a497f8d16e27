import ArgumentParser
import Evidence
import Foundation
import KubeLab
import Presentation

/// `kubectl-evidence lab …`: the local lab cluster that tests, benchmarks and
/// the demo run against.
struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Run the local lab cluster (KubeLab).",
        subcommands: [LabStartCommand.self]
    )
}

struct LabStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start the lab's API server and run until interrupted (SIGINT or SIGTERM).",
        discussion: "Prints one line when it is ready: the server's URL and the kubeconfig to use."
    )

    @Option(help: "Topology file (YAML) declaring namespaces and workloads (default: the demo topology).")
    var topology: String?

    @Option(help: "Where to write the kubeconfig for the lab.")
    var kubeconfig: String

    @Option(name: .customLong("state-dir"), help: "Directory for the lab's certificates and state (default: next to the kubeconfig).")
    var stateDirectory: String?

    @Option(help: "TCP port on 127.0.0.1 (default: a free one).")
    var port: Int = 0

    @Flag(name: .customLong("no-runtime"), help: "Keep every pod an API object only (no processes), e.g. for very large topologies.")
    var noRuntime = false

    @Option(name: .customLong("faults"), help: "Faults to switch on at start: a JSON document or the path of one (the body PUT /kubelab/v1/faults takes), e.g. '{\"latencyMilliseconds\":50}'.")
    var faults: String?

    func run() async throws {
        let output = OutputContext.standard
        try await CommandErrors.reporting(to: output) {
            let labTopology = try topology.map { try LabTopology.load(path: $0) } ?? LabTopology.demo()
            if !labTopology.skipped.isEmpty {
                let list = labTopology.skipped.map { DisplayText.escape(Array($0.utf8)) }.joined(separator: ", ")
                output.printToStandardError("kubelab: not modelled by the lab, so not created: \(list)\n")
            }
            let kubeconfigURL = URL(fileURLWithPath: kubeconfig)
            let state = stateDirectory ?? kubeconfigURL.deletingLastPathComponent().appendingPathComponent("kubelab-state").path
            let faultDocument = try faults.map { text -> String in
                text.trimmingCharacters(in: .whitespaces).hasPrefix("{") ? text : try String(contentsOfFile: text, encoding: .utf8)
            }
            try await LabServer.runUntilSignalled(
                topology: labTopology, stateDirectory: state, kubeconfigPath: kubeconfigURL.path, port: port,
                runtime: !noRuntime,
                configure: { server in
                    if let faultDocument { try server.faults.apply(jsonText: faultDocument) }
                })
        }
    }
}
