import ArgumentParser
import Bundle
import Collector
import Evidence
import Foundation
import KubeAPI
import Presentation

/// `collect --context a,b,c` and `--all-contexts`: one collection per context,
/// at once, into one bundle. Each cluster is planned, preflighted and collected
/// on its own connection; one that cannot be reached or refuses is recorded
/// with its reason and costs only its own pods.
extension CollectCommand {
    /// The contexts of a run across several clusters, in the order given and
    /// without repeats; nil for a run of one cluster (one context, or none).
    /// A `--context` value that names a context whole is one context, even with
    /// a comma in it.
    func fleetContexts(known: [String]) throws -> [String]? {
        if allContexts {
            guard !known.isEmpty else {
                // A kubeconfig that is missing or does not parse lists no contexts: the
                // loader's own error says which file and what is wrong, so it goes first.
                _ = try KubeconfigLoader.load(KubeconfigSelection(explicitPath: connection.kubeconfig))
                throw CommandFailure("--all-contexts found no context in the kubeconfig; name the kubeconfig with --kubeconfig, or drop --all-contexts.")
            }
            return known
        }
        guard let value = connection.context, value.contains(","), !known.contains(value) else { return nil }
        var names: [String] = []
        for name in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard known.contains(name) else {
                throw CommandFailure("The kubeconfig has no context named \(DisplayText.line(name)) (of --context \(DisplayText.line(value))); nothing was touched. Its contexts: \(known.map { DisplayText.line($0) }.joined(separator: ", ")).")
            }
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// Refuses the flags that name one cluster when several are asked for.
    func validateFleetFlags() throws {
        guard allContexts || (connection.context?.contains(",") ?? false) else { return }
        if let value = connection.context, value.split(separator: ",", omittingEmptySubsequences: false).contains(where: {
            $0.trimmingCharacters(in: .whitespaces).isEmpty
        }) {
            throw ValidationError("--context \"\(DisplayText.line(value))\" has an empty name; give contexts as --context a,b,c.")
        }
        if allContexts && connection.context != nil {
            throw ValidationError("--all-contexts and --context cannot be used together: name the contexts with --context a,b,c, or take every one with --all-contexts.")
        }
        if connection.server != nil || connection.cluster != nil {
            throw ValidationError("--server and --cluster name one API server, but several contexts were asked for, each with its own; drop them, or collect one context at a time.")
        }
        // One cluster's credentials or trust must not go to every cluster: a token for eu sent to us.
        let oneClusters = [("--token", connection.token), ("--user", connection.user), ("--client-certificate", connection.clientCertificate),
                           ("--client-key", connection.clientKey), ("--certificate-authority", connection.certificateAuthority),
                           ("--tls-server-name", connection.tlsServerName)].filter { $0.1 != nil }.map(\.0)
        if !oneClusters.isEmpty {
            throw ValidationError("\(oneClusters.joined(separator: ", ")) \(oneClusters.count == 1 ? "belongs" : "belong") to one cluster, but several contexts were asked for: they would be sent to every one of them. Put each cluster's credentials in its kubeconfig context, or collect one context at a time.")
        }
    }

    /// One cluster of the fleet as planned: its connection and plan, or why it is out.
    struct PlannedCluster: Sendable {
        var name: String
        var connection: ClusterConnection
        var client: KubeClient?
        var plan: CollectionPlan?
        var delivery: ScriptDeliveryChoice?
        var selection: Manifest.Selection
        var failure: Manifest.ClusterFailure?
    }

    /// The run across `contexts`: plan each, print the plans (dry run) or
    /// preflight, ask once, collect all at once, summarise.
    func runFleet(contexts: [String], console: OutputContext) async throws {
        let profile = try resolvedProfile()
        let connections = try resolveContexts(contexts, console: console)
        // What is left may be one context: a run of one cluster, as --context NAME would be.
        if connections.count == 1, let only = connections.first {
            try await runAlone(only.0, console: console)
            return
        }
        var clusters = await planAll(connections, profile: profile.profile, console: console)
        // Two contexts that select the same pods (one cluster under two names, whatever URL,
        // proxy or credentials reach it) would give each pod the same evidence container
        // twice. Told apart by the pods' UIDs once every context was planned (reading only):
        // named, that is refused; with --all-contexts the later one is left out, so that a
        // twin whose credentials fail does not cost the other its pods.
        var kept: [PlannedCluster] = []
        for cluster in clusters {
            if let (twin, pod) = Self.sharedPod(cluster, among: kept) {
                let why = "The contexts \(DisplayText.line(twin)) and \(DisplayText.line(cluster.name)) select the same pods (\(DisplayText.line(pod)) is in both), each of which would get the same evidence container twice."
                if allContexts {
                    console.printNotice("warning: \(why) \(DisplayText.line(cluster.name)) is left out of --all-contexts.")
                    try? await cluster.client?.shutdown()
                    continue
                }
                await Self.shutDown(clusters)
                throw CommandFailure(why + " Nothing was touched; name one of them.")
            }
            kept.append(cluster)
        }
        clusters = kept
        if clusters.count == 1, let only = clusters.first {
            await Self.shutDown(clusters)
            try await runAlone(only.name, console: console)
            return
        }
        do {
            try await collectFleet(&clusters, contexts: contexts, profile: profile, console: console)
        } catch {
            await Self.shutDown(clusters)
            throw error
        }
        await Self.shutDown(clusters)
    }

    /// Every context's kubeconfig entry, read before anything goes out. A named
    /// context that cannot be used is a mistake to mend, and stops the run; with
    /// --all-contexts it is left out, saying why (kubeconfigs gather stale contexts).
    private func resolveContexts(_ contexts: [String], console: OutputContext) throws -> [(String, ClusterConnection)] {
        var connections: [(String, ClusterConnection)] = []
        for name in contexts {
            var options = connection
            options.context = name
            let resolved: ClusterConnection
            do {
                resolved = try options.resolveConnection(output: console)
            } catch {
                let why = "The kubeconfig's context \(DisplayText.line(name)) cannot be used: \(CommandErrors.describe(error))"
                if allContexts {
                    console.printNotice("warning: \(why) It is left out of --all-contexts.")
                    continue
                }
                throw CommandFailure(why + " Nothing was touched; mend it, or leave it out of --context.")
            }
            connections.append((name, resolved))
        }
        guard !connections.isEmpty else {
            throw CommandFailure("No context of the kubeconfig can be used (each is named above with why); nothing was touched.")
        }
        return connections
    }

    /// A run of one cluster, as `--context NAME` would be.
    private func runAlone(_ context: String, console: OutputContext) async throws {
        var single = self
        single.allContexts = false
        single.connection.context = context
        try await single.run(console: console)
    }

    /// The first of `kept` whose plan targets a pod (by UID) that `cluster`'s also
    /// targets, with that pod's `namespace/name`; nil when they share none.
    static func sharedPod(_ cluster: PlannedCluster, among kept: [PlannedCluster]) -> (String, String)? {
        guard let targets = cluster.plan?.targets else { return nil }
        for other in kept {
            let uids = Set((other.plan?.targets ?? []).compactMap(\.uid))
            if let shared = targets.first(where: { $0.uid.map(uids.contains) ?? false }) {
                return (other.name, "\(shared.namespace)/\(shared.pod)")
            }
        }
        return nil
    }

    private static func shutDown(_ clusters: [PlannedCluster]) async {
        for cluster in clusters { try? await cluster.client?.shutdown() }
    }

    /// The fleet once planned: the plans of a dry run, or preflight, consent, the run and its summary.
    private func collectFleet(_ clusters: inout [PlannedCluster], contexts: [String], profile: (profile: CollectionProfile, yaml: String),
                              console: OutputContext) async throws {
        for cluster in clusters {
            if let notice = cluster.delivery?.notice { console.printNotice("note: [\(DisplayText.line(cluster.name))] " + notice) }
            if let failure = cluster.failure {
                console.printNotice("warning: cluster \(DisplayText.line(cluster.name)) (\(DisplayText.line(cluster.connection.server))) is left out: \(failure.message)")
            }
        }
        if dryRun || serverDryRun {
            let refused = try await printFleetPlans(clusters, profile: profile, console: console)
            // As a run would end: 1 when no cluster could be planned, 3 when some were left out.
            let leftOut = clusters.filter { $0.failure != nil }.count + refused
            if leftOut == clusters.count { throw ExitCode(1) }
            if leftOut > 0 { throw ExitCode(3) }
            return
        }
        let planned = clusters.compactMap(\.plan)
        let targets = planned.reduce(0) { $0 + $1.targets.count }
        if clusters.allSatisfy({ $0.failure != nil }) {
            console.printError(message: "every cluster was left out (each is named above with why), so no pod was touched.")
            throw ExitCode(1)
        }
        guard targets > 0 else {
            for cluster in clusters {
                if let plan = cluster.plan { console.printToStandardError("[\(DisplayText.line(cluster.name))]\n" + plan.renderText(dryRun: false)) }
            }
            console.printError(message: "no pod to collect in any of the \(clusters.count) clusters: every selected pod was skipped, none matched, or the clusters were left out.")
            throw ExitCode(4)
        }
        if targets > BundleCapacity.standard.maxPods {
            console.printError(message: "the selections have \(targets) pods to collect across \(clusters.count) clusters, and one bundle holds at most \(BundleCapacity.standard.maxPods). No pod was touched. Narrow the selector, or collect fewer contexts at a time.")
            throw ExitCode(64)
        }
        let runID = RunID.generate()
        let progress = console.runProgress(quiet: quiet)
        var members: [FleetRun.Member] = []
        var ready: [(PlannedCluster, CollectionRun)] = []
        for cluster in clusters {
            guard let client = cluster.client, let plan = cluster.plan, let delivery = cluster.delivery, cluster.failure == nil else {
                members.append(.out(section(cluster, failure: cluster.failure)))
                continue
            }
            var request = try request(for: plan, profile: profile, delivery: delivery.delivery, runID: runID, clusterName: cluster.name)
            if output == StandardOutputBundle.marker { request.outputPath = StandardOutputBundle.temporaryPath(runID: runID) }
            let run = CollectionRun(client: client, request: request, progress: FleetRun.observer(for: cluster.name, reportingTo: progress))
            ready.append((cluster, run))
        }
        try BundleDestination.check(ready.first?.1.request.outputPath ?? "", overwrite: overwrite)
        // Each cluster's preflight on its own: one that refuses everything is left out.
        let refusals = await withTaskGroup(of: (Int, Manifest.ClusterFailure?).self) { group in
            for (index, (_, run)) in ready.enumerated() {
                group.addTask {
                    do {
                        try await run.preflight()
                        return (index, nil)
                    } catch let refusal as Preflight.Refusal {
                        return (index, Manifest.ClusterFailure(reason: "PreflightRefused", message: refusal.message))
                    } catch {
                        return (index, ClusterFailureReason.failure(for: error))
                    }
                }
            }
            var refusals: [Int: Manifest.ClusterFailure] = [:]
            for await (index, failure) in group { if let failure { refusals[index] = failure } }
            return refusals
        }
        var consents: [InjectionConsent] = []
        for (index, (cluster, run)) in ready.enumerated() {
            if let failure = refusals[index] {
                console.printNotice("warning: cluster \(DisplayText.line(cluster.name)) is left out: \(failure.message)")
                members.append(.out(section(cluster, failure: failure)))
                if let at = clusters.firstIndex(where: { $0.name == cluster.name }) { clusters[at].failure = failure }
                continue
            }
            members.append(.ready(run, selection: cluster.plan.map { $0.selection.manifestSelection } ?? cluster.selection))
            // A cluster with nothing to collect (its pods skipped) gets nothing, and is not asked about.
            if !run.request.plan.targets.isEmpty { consents.append(await InjectionConsent.of(run, connection: cluster.connection)) }
        }
        // The bundle lists the clusters in the order they were named.
        members.sort { clusterOrder(of: $0, in: contexts) < clusterOrder(of: $1, in: contexts) }
        guard let fleet = FleetRun(members: members, progress: progress) else {
            console.printError(message: "every cluster was left out (each is named above with why), so no pod was touched.")
            throw ExitCode(1)
        }
        guard InjectionConsent.confirm(consents, assumeYes: yes, quiet: quiet, output: console) else {
            console.printToStandardError("Nothing was touched.\n")
            throw ExitCode(1)
        }
        let signals = InterruptSignals { fleet.interrupt() }
        defer { signals.cancel() }
        let result = try await fleet.run()
        let planCounts = members.compactMap { member -> CollectionPlan? in
            if case .ready(let run, _) = member { return run.request.plan }
            return nil
        }
        let summary = CollectionSummary(result: result, plans: planCounts)
        let status = try deliver(summary, result: result, signingKey: ready.first?.1.request.signingKey, console: console)
        if status != 0 { throw ExitCode(status) }
    }

    /// Plans every cluster at once; each failure is kept as that cluster's reason.
    private func planAll(_ connections: [(String, ClusterConnection)], profile: CollectionProfile, console: OutputContext) async -> [PlannedCluster] {
        await withTaskGroup(of: (Int, PlannedCluster).self) { group in
            for (index, (name, clusterConnection)) in connections.enumerated() {
                group.addTask {
                    var cluster = PlannedCluster(name: name, connection: clusterConnection,
                                                 selection: fallbackSelection(namespace: connection.listNamespace(in: clusterConnection)))
                    do {
                        var options = try connection.clientOptions(output: console)
                        options.sizeConnectionPool(forPodsInFlight: concurrency)
                        let client = try KubeClient(connection: clusterConnection, options: options)
                        cluster.client = client
                        let selection = try await pods.resolveSelection(client: client, namespace: connection.listNamespace(in: clusterConnection))
                        cluster.selection = selection.manifestSelection
                        let (plan, delivery) = try await plan(selection, profile: profile, client: client)
                        cluster.plan = plan
                        cluster.delivery = delivery
                    } catch {
                        cluster.failure = ClusterFailureReason.failure(for: error)
                    }
                    return (index, cluster)
                }
            }
            var planned: [Int: PlannedCluster] = [:]
            for await (index, cluster) in group { planned[index] = cluster }
            return connections.indices.compactMap { planned[$0] }
        }
    }

    /// The selection as asked for, when the cluster could not resolve it (a TYPE/NAME it never looked up).
    private func fallbackSelection(namespace: String?) -> Manifest.Selection {
        let choice = try? pods.targetChoice()
        var selection = Manifest.Selection(namespace: namespace, labelSelector: pods.selector, fieldSelector: pods.fieldSelector, node: pods.node)
        switch choice {
        case .podNames(let names)?: selection.podNames = names
        case .workload(let workload)?: selection.workload = workload.description
        case nil: break
        }
        return selection
    }

    private func section(_ cluster: PlannedCluster, failure: Manifest.ClusterFailure?) -> Manifest.ClusterSection {
        var record = Manifest.Cluster(server: cluster.connection.server, contextName: cluster.connection.contextName,
                                      caFingerprintSHA256: cluster.connection.caFingerprintSHA256)
        record.proxy = cluster.connection.proxy?.displayURL
        return Manifest.ClusterSection(name: cluster.name, cluster: record, selection: cluster.plan?.selection.manifestSelection ?? cluster.selection,
                                       scriptDelivery: cluster.delivery?.delivery.rawValue, failure: failure)
    }

    private func clusterOrder(of member: FleetRun.Member, in contexts: [String]) -> Int {
        let name: String?
        switch member {
        case .ready(let run, _): name = run.request.clusterName
        case .out(let section): name = section.name
        }
        return name.flatMap { contexts.firstIndex(of: $0) } ?? contexts.count
    }


    /// `--dry-run` across clusters: each cluster's plan under its name, or as JSON one document.
    /// Returns how many clusters the server dry run refused.
    private func printFleetPlans(_ clusters: [PlannedCluster], profile: (profile: CollectionProfile, yaml: String), console: OutputContext) async throws -> Int {
        if !json {
            for cluster in clusters {
                console.print("Cluster \(DisplayText.line(cluster.name)) (\(DisplayText.line(cluster.connection.server))):\n")
                if let plan = cluster.plan {
                    console.print(plan.renderText(dryRun: true))
                } else if let failure = cluster.failure {
                    console.print("  left out (\(failure.reason)): \(DisplayText.line(failure.message))\n")
                }
            }
        }
        var statements: [String] = []
        var refused = 0
        // With --dry-run=server, what each cluster's API server said: in the JSON document too.
        var serverAnswers: [String: FleetPlanDocument.ServerDryRun] = [:]
        for cluster in clusters where cluster.failure == nil {
            guard let client = cluster.client, let plan = cluster.plan, let delivery = cluster.delivery, !plan.targets.isEmpty else { continue }
            let request = try request(for: plan, profile: profile, delivery: delivery.delivery, clusterName: cluster.name)
            let run = CollectionRun(client: client, request: request,
                                    progress: FleetRun.observer(for: cluster.name, reportingTo: console.runProgress(quiet: true)))
            if serverDryRun {
                do {
                    try await run.preflight()
                } catch {
                    statements.append("[\(DisplayText.line(cluster.name))] The server dry run refused: \(CommandErrors.describe(error))")
                    serverAnswers[cluster.name] = .init(allowed: false, refusal: ClusterFailureReason.failure(for: error))
                    refused += 1
                    continue
                }
                let refusedNamespaces = run.refusedPreflight.keys.sorted()
                serverAnswers[cluster.name] = .init(allowed: true, refusal: nil, refusedNamespaces: refusedNamespaces.isEmpty ? nil : refusedNamespaces)
            }
            statements.append(await InjectionConsent.of(run, connection: cluster.connection).dryRunStatement
                + (serverDryRun ? " " + serverVerdict(run, plan: plan) : ""))
        }
        if json {
            let document = FleetPlanDocument(clusters: clusters.map {
                .init(name: $0.name, server: $0.connection.server, failure: $0.failure, plan: $0.plan, serverDryRun: serverAnswers[$0.name])
            })
            console.print(String(decoding: try JSONOutput.encode(document), as: UTF8.self))
        }
        if !statements.isEmpty { console.printNotice(statements.joined(separator: "\n")) }
        return refused
    }

    /// `collect --dry-run --json` across clusters.
    struct FleetPlanDocument: Encodable {
        struct Cluster: Encodable {
            var name: String
            var server: String
            var failure: Manifest.ClusterFailure?
            var plan: CollectionPlan?
            /// With `--dry-run=server`: whether the API server allowed the run, or why not.
            var serverDryRun: ServerDryRun?
        }

        struct ServerDryRun: Encodable {
            var allowed: Bool
            var refusal: Manifest.ClusterFailure?
            /// Namespaces the preflight refused while others were allowed.
            var refusedNamespaces: [String]? = nil
        }

        var kind = "FleetCollectionPlan"
        var clusters: [Cluster]
    }
}

/// A short reason for a cluster that could not be planned, from the error that stopped it.
enum ClusterFailureReason {
    static func failure(for error: any Error) -> Manifest.ClusterFailure {
        Manifest.ClusterFailure(reason: reason(for: error), message: CommandErrors.describe(error))
    }

    static func reason(for error: any Error) -> String {
        guard let api = error as? KubeAPIError else { return "Failed" }
        switch api {
        case .connectionRefused, .hostNotFound, .timedOut, .connectionLost, .transport, .httpToHTTPSPort: return "Unreachable"
        case .tlsVerificationFailed: return "TLSVerificationFailed"
        default:
            switch api.statusCode {
            case 401: return "Unauthorized"
            case 403: return "Forbidden"
            case 404: return "NotFound"
            default: return "Failed"
            }
        }
    }
}
