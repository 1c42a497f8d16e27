import ArgumentParser
import Foundation
import KubeLab

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

    func run() async throws {
        try await CommandErrors.reporting {
            let labTopology = try topology.map { try LabTopology.load(path: $0) } ?? LabTopology.demo()
            let kubeconfigURL = URL(fileURLWithPath: kubeconfig)
            let state = stateDirectory ?? kubeconfigURL.deletingLastPathComponent().appendingPathComponent("kubelab-state").path
            try await LabServer.runUntilSignalled(
                topology: labTopology, stateDirectory: state, kubeconfigPath: kubeconfigURL.path, port: port)
        }
    }
}
