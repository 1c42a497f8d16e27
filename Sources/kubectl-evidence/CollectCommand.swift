import ArgumentParser
import Collector
import Foundation
import KubeAPI

/// `kubectl-evidence collect`: select pods and gather evidence from them.
/// Thin on purpose: it parses, hands the work to Collector, and prints.
struct CollectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Select pods by label and collect evidence from each of them.",
        discussion: """
            Exit status: 0 when the plan or collection succeeded, 1 when the cluster could not be \
            reached or refused the request, 64 for a usage error.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: [.customShort("l"), .customLong("selector")], help: "Label selector, as kubectl takes it (e.g. app=checkout, 'tier in (web,api)', '!canary').")
    var selector: String?

    @Option(name: .customLong("field-selector"), help: "Field selector (metadata.name, metadata.namespace, spec.nodeName, status.phase).")
    var fieldSelector: String?

    @Option(name: [.customShort("c"), .customLong("container")], help: "The container whose processes to examine (default: the pod's default-container annotation, else its first container).")
    var container: String?

    @Flag(name: .customLong("dry-run"), help: "Resolve the selection and print the plan; touch no pod.")
    var dryRun = false

    @Flag(name: .customLong("json"), help: "Print the plan as JSON.")
    var json = false

    @Option(name: [.customShort("o"), .customLong("output")], help: "Path of the evidence bundle to write (.tar.gz).")
    var output: String?

    func validate() throws {
        if selector == nil && fieldSelector == nil {
            throw ValidationError("Give a label selector with -l (for example -l app=checkout), or a --field-selector: collecting from every pod by accident is not something an incident needs.")
        }
        if let container, container.isEmpty {
            throw ValidationError("--container needs a container name.")
        }
    }

    func run() async throws {
        guard dryRun else {
            FileHandle.standardError.write(Data("error: this build can only plan a collection; run it with --dry-run to see which pods would be collected.\n".utf8))
            throw ExitCode(1)
        }
        try await CommandErrors.reporting {
            let clusterConnection = try connection.resolveConnection()
            let client = try KubeClient(connection: clusterConnection, options: try connection.clientOptions())
            do {
                let selection = PodSelection(
                    namespace: connection.listNamespace(in: clusterConnection),
                    labelSelector: selector, fieldSelector: fieldSelector)
                let pods = try await client.listAllPods(
                    namespace: selection.namespace, labelSelector: selection.labelSelector,
                    fieldSelector: selection.fieldSelector)
                let plan = CollectionPlanner.plan(pods: pods.items, selection: selection, requestedContainer: container)
                let text = json ? try plan.renderJSON() : plan.renderText(dryRun: true)
                FileHandle.standardOutput.write(Data(text.utf8))
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }
}
