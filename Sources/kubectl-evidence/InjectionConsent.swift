import Collector
import Evidence
import Foundation
import KubeAPI
import Presentation

/// Before the first container that cannot be removed is added: one line that
/// says where (context, server, user) and to how many pods in how many
/// namespaces; on a terminal, above a threshold, a question that waits for yes.
///
/// A wrong context at 3 a.m. otherwise adds a permanent container to every
/// matching pod of the wrong cluster. Without a terminal (CI, a script) the run
/// never waits; `--yes` skips the question.
struct InjectionConsent {
    /// More pods than this, or more than one namespace, asks on a terminal.
    static let podThreshold = 10

    var contextName: String?
    var server: String
    var user: String?
    /// Where impersonation was asked for (`--as`), when `user` is acted as.
    var impersonation: String? = nil
    var pods: Int
    var namespaces: Int
    /// With `--all-containers`, how many evidence containers in all (one per target container); nil: one per pod.
    var containers: Int? = nil
    /// With `--via node`: the nodes that get a helper pod, its namespace, and whether
    /// that namespace is one under investigation; nil for ephemeral containers.
    var nodeHelpers: (nodes: Int, namespace: String, investigated: Bool)? = nil

    /// What `run` would do, where and as whom (asking the server who, once per run).
    static func of(_ run: CollectionRun, connection: ClusterConnection) async -> InjectionConsent {
        let plan = run.request.plan
        return InjectionConsent(
            contextName: connection.contextName, server: connection.server,
            user: await run.clusterRecord().user.flatMap { $0.username.isEmpty ? nil : $0.username },
            impersonation: connection.impersonation?.origin,
            pods: plan.podCount, namespaces: Set(plan.targets.map(\.namespace)).count,
            containers: plan.allContainers == true ? plan.targets.count : nil,
            nodeHelpers: run.request.method == .node
                ? (Set(plan.targets.compactMap(\.node)).count, run.helperNamespace, plan.targets.contains { $0.namespace == run.helperNamespace })
                : nil)
    }

    var needsQuestion: Bool { pods > Self.podThreshold || namespaces > 1 }

    /// The line printed before injection.
    var statement: String {
        if let nodeHelpers {
            return "About to collect from \(whereAndWho): \(howMany) through \(helpers(nodeHelpers)); nothing is added to the pods." + caution(nodeHelpers)
        }
        return "About to collect from \(whereAndWho): \(howMany) will each get \(what) that Kubernetes cannot remove."
    }

    /// The same facts after a dry run, in the conditional.
    var dryRunStatement: String {
        if let nodeHelpers {
            return "A real run would collect from \(whereAndWho): \(howMany) through \(helpers(nodeHelpers)); nothing would be added to the pods." + caution(nodeHelpers)
        }
        return "A real run would collect from \(whereAndWho): \(howMany) would each get \(what) that Kubernetes cannot remove."
    }

    /// A helper in a namespace under investigation is within reach of whoever may
    /// create or exec into pods there (the default: the first selected namespace).
    private func caution(_ helpers: (nodes: Int, namespace: String, investigated: Bool)) -> String {
        guard helpers.investigated else { return "" }
        return " Namespace \(DisplayText.line(helpers.namespace)) is itself under investigation: whoever may create or exec into pods there can reach a privileged helper; --helper-namespace names one only the responders use."
    }

    /// `2 privileged helper pods (one per node, hostPID) in namespace ops, deleted when their node is done`.
    private func helpers(_ helpers: (nodes: Int, namespace: String, investigated: Bool)) -> String {
        "\(helpers.nodes) privileged helper \(helpers.nodes == 1 ? "pod" : "pods") (one per node, hostPID) in namespace \(DisplayText.line(helpers.namespace)), deleted when \(helpers.nodes == 1 ? "its node is" : "their node is") done"
    }

    /// What each pod gets: one evidence container, or one per container (`--all-containers`).
    private var what: String {
        guard let containers, containers != pods else { return "an ephemeral container" }
        return "one ephemeral container per running container (\(containers) in all)"
    }

    /// `context NAME (SERVER) as USER (impersonated, --as)`, escaped: the names come from the kubeconfig and the server.
    private var whereAndWho: String {
        var who = user.map { " as \($0)" } ?? ""
        if let impersonation { who += " (impersonated, \(impersonation))" }
        return DisplayText.line((contextName.map { "context \($0) (\(server))" } ?? server) + who)
    }

    /// `3 pods in 1 namespace`.
    private var howMany: String {
        "\(pods) \(pods == 1 ? "pod" : "pods") in \(namespaces) \(namespaces == 1 ? "namespace" : "namespaces")"
    }

    /// Says where (unless `quiet`) and asks on the terminal when it should; true to go
    /// on. Reads one line from stdin when `output` is interactive.
    func confirm(assumeYes: Bool, quiet: Bool, output: OutputContext) -> Bool {
        Self.confirm([self], assumeYes: assumeYes, quiet: quiet, output: output)
    }

    /// The same for a run across several clusters: one line per cluster with pods
    /// to collect, and the question whenever there is more than one (a fleet is never small).
    static func confirm(_ clusters: [InjectionConsent], assumeYes: Bool, quiet: Bool, output: OutputContext) -> Bool {
        let asks = (clusters.count > 1 || clusters.contains(where: \.needsQuestion)) && !assumeYes && output.isInteractive
        if !quiet || asks { output.printToStandardError(clusters.map(\.statement).joined(separator: "\n") + "\n") }
        guard asks else { return true }
        output.printToStandardError("Continue? Type yes to go on (or run again with --yes): ")
        guard let answer = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return answer == "y" || answer == "yes"
    }
}
