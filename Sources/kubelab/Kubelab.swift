import ArgumentParser
import Evidence
import Foundation
import KubeLab

/// `kubelab`: the local lab cluster that the tests, the benchmarks and the demo
/// run kubectl-evidence against. Its own program, so that the forensic tool a
/// responder installs carries none of the lab's emulator (nor the certificate
/// libraries it needs to mint its own CA).
@main
struct Kubelab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubelab",
        abstract: "Run the local lab cluster: a Kubernetes API server and kubelet for trying out and testing kubectl-evidence.",
        discussion: """
            Start it, then point kubectl or kubectl-evidence at the kubeconfig it writes:

              kubelab start --topology examples/demo.yaml --kubeconfig /tmp/lab/kubeconfig
              kubectl --kubeconfig /tmp/lab/kubeconfig get pods -A
            """,
        subcommands: [KubelabStart.self],
        defaultSubcommand: KubelabStart.self
    )
}

struct KubelabStart: AsyncParsableCommand {
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
        do {
            let labTopology = try topology.map { try LabTopology.load(path: $0) } ?? LabTopology.demo()
            if !labTopology.skipped.isEmpty {
                let list = labTopology.skipped.map { DisplayText.escape(Array($0.utf8)) }.joined(separator: ", ")
                Self.printToStandardError("kubelab: not modelled by the lab, so not created: \(list)")
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
        } catch let exit as ExitCode {
            throw exit
        } catch {
            // A topology or fault file is the user's input: its words are quoted, escaped.
            let message = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
            Self.printToStandardError("error: \(DisplayText.line(message))")
            throw ExitCode(1)
        }
    }

    static func printToStandardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
