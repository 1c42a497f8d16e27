import ArgumentParser
import Bundle
import Collector
import Evidence
import Foundation
import KubeAPI
import Presentation

/// `kubectl-evidence collect`: select pods and gather evidence from them.
/// Thin on purpose: it parses, hands the work to Collector, and prints.
struct CollectCommand: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "collect",
            abstract: "Add an evidence container to each chosen pod and pack what its processes are doing into one verifiable bundle.",
            discussion: """
                Chooses pods as kubectl logs and kubectl debug do (-l, TYPE/NAME, names, \
                --node). Ephemeral containers cannot be removed: each chosen pod keeps one, \
                terminated, until it is deleted. Before the first, collect says where and as \
                whom; on a terminal, above 10 pods or across namespaces, it asks. Secrets (env \
                values, last-applied-configuration, --password=… arguments) are masked unless \
                --no-redact.
                """ + HelpText.examples([
                    ("What would be collected, and as whom; touch nothing", "collect -n shop -l app=checkout --dry-run"),
                    ("Every replica of a Deployment, into one bundle", "collect -n shop deploy/checkout -o case-4211.tar.gz"),
                    ("Ask the API server first (RBAC, admission); store nothing", "collect -n shop deploy/checkout --dry-run=server"),
                    ("Two pods by name", "collect -n shop checkout-6c58-d6fch checkout-6c58-s8jlz"),
                    ("Every matching pod on a suspect node, in every namespace", "collect -A --node worker-3 -l app --yes"),
                    ("The same workload in three clusters at once, into one bundle", "collect --context eu,us,ap -n shop -l app=checkout"),
                    ("In a Pod Security \"restricted\" namespace", "collect -n payments -l app=ledger --profile restricted"),
                    ("Signed, and piped to an upload", "collect -l app=web --sign-key ev.key -o - | curl -T - \"$URL\""),
                ]) + """


                Exit status: 0 when every planned pod was collected (or the dry run succeeded); \
                3 when some were not, or a cluster of --context a,b was left out; 4 when none was; 130 when interrupted (the bundle is still \
                written); 1 when nothing could start (kubeconfig, connection, permissions, admission); \
                64 for a usage error.
                """
        )
    }

    @OptionGroup(title: "Choosing pods") var pods: PodChoiceOptions

    @Flag(name: .customLong("dry-run"), help: "Resolve the selection and print the plan; touch no pod. --dry-run=server also asks the API server whether the user may inject and whether admission accepts the evidence container, storing nothing.")
    var dryRun = false

    /// `--dry-run=server`, rewritten by `KubectlArguments.normalize`.
    @Flag(name: .customLong("dry-run-server"), help: .hidden)
    var serverDryRun = false

    @Flag(name: .customLong("json"), help: "Print the plan (with --dry-run) or the run's summary as JSON on stdout.")
    var json = false

    @Option(name: [.customShort("o"), .customLong("output")], help: "Path of the evidence bundle to write (default: evidence-<run id>.tar.gz); - writes it to stdout, to pipe to an upload (the summary then goes to stderr).",
            completion: .file(extensions: ["gz"]))
    var output: String?

    @Flag(name: .customLong("overwrite"), help: "Replace an existing file at the --output path.")
    var overwrite = false

    @Option(name: .customLong("profile"), help: "Collection profile: a built-in name (standard, restricted, network, deep) or a YAML file.",
            completion: .list(CollectionProfile.builtInNames))
    var profile: String = "standard"

    @Option(name: .customLong("image"), help: "The evidence container's image (overrides the profile), e.g. a busybox in an air-gapped registry.")
    var image: String?

    @Option(name: .customLong("image-pull-policy"), help: "Always, IfNotPresent or Never (overrides the profile).",
            completion: .list(CollectionProfile.ImagePullPolicy.allCases.map(\.rawValue)))
    var imagePullPolicy: String?

    @Option(name: .customLong("concurrency"), help: "How many pods to work on at once (with --all-containers, how many evidence containers: fewer pods).")
    var concurrency: Int = 16

    @Option(name: .customLong("timeout"), help: "Per-pod limit from injection to the log being read, e.g. 2m (overrides the profile).")
    var timeout: String?

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print no progress, only the summary and errors.")
    var quiet = false

    @Flag(name: [.customShort("y"), .customLong("yes")], help: "Do not ask before adding containers to more than \(InjectionConsent.podThreshold) pods or to pods in more than one namespace (it asks only on a terminal).")
    var yes = false

    @Flag(name: .customLong("explode"), help: "Also unpack every file the evidence container read (/proc/<pid>/status, /proc/net/tcp, …) as its own file under pods/<ns>/<pod>/containers/<c>/gathered/, to browse the raw /proc files with tar or a file manager. About 70 more files per pod; without it they are all in evidence.raw, which inspect reads.")
    var explode = false

    @Flag(name: .customLong("no-redact"), help: "Keep secrets in the bundle: env values, the last-applied-configuration annotation and secret-looking argument values (--password=…, --token …, user:password@ in URLs) are masked by default, and the manifest lists each mask.")
    var noRedact = false

    @Option(name: .customLong("max-pod-size"), help: "Skip a pod whose object one more evidence container would take past this size, e.g. 1Mi or 512Ki (the kubelet's status updates fail near etcd's 1.5 MiB limit, and ephemeral containers cannot be removed).")
    var maxPodSize: String = "1Mi"

    @Flag(name: .customLong("force"), help: "Add the evidence container even to pods past --max-pod-size.")
    var force = false

    @Option(name: .customLong("script-delivery"), help: "How the in-pod script reaches each evidence container: attach (on its stdin through pods/attach: the container's command is a few hundred bytes), command (packed into the command, about 10 KB that stay in the pod's spec), or auto: attach where RBAC (get and create on pods/attach) and admission allow it in every selected namespace, command otherwise, saying why.",
            completion: .list(ScriptDeliveryChoice.Requested.allCases.map(\.rawValue)))
    var scriptDelivery: String = ScriptDeliveryChoice.Requested.auto.rawValue

    @Option(name: .customLong("via"), help: "How the pods' processes are reached: ephemeral (an evidence container in each pod, the default) or node (one short-lived privileged helper pod per node enters each container's namespaces from the host with nsenter: nothing is added to the pods; needs create and delete on pods in --helper-namespace, whose Pod Security must admit privileged pods).",
            completion: .list(CollectionMethod.allCases.map(\.rawValue)))
    var via: String = CollectionMethod.ephemeral.rawValue

    @Option(name: .customLong("helper-namespace"), help: "With --via node, the namespace of the helper pods (default: the first selected namespace).")
    var helperNamespace: String?

    /// `--via`, checked by `validate()`.
    var method: CollectionMethod { CollectionMethod(rawValue: via) ?? .ephemeral }

    @Option(name: .customLong("sign-key"), help: "Ed25519 private key (PEM, from `kubectl-evidence keygen`) that signs the manifest; the signature goes into the bundle as manifest.json.sig.")
    var signKey: String?

    @Flag(name: .customLong("all-contexts"), help: "Collect from every context of the kubeconfig at once, into one bundle (a section per cluster). --context a,b,c names some of them.")
    var allContexts = false

    @OptionGroup(title: "Connection (kubectl's flags)") var connection: ConnectionOptions

    /// kubectl's output formats, as `-o` takes them: a bundle path never looks like one
    /// (a bundle called `json` or `jsonpath={.x}` is a habit from kubectl, not a choice).
    static func isOutputFormatWord(_ value: String) -> Bool {
        let formats = ["json", "yaml", "wide", "name", "go-template", "go-template-file", "template", "templatefile",
                       "jsonpath", "jsonpath-file", "jsonpath-as-json", "custom-columns", "custom-columns-file"]
        let word = value.split(separator: "=", maxSplits: 1).first.map(String.init) ?? value
        return formats.contains(word) && (value == word || value.contains("="))
    }

    func validate() throws {
        try validateFleetFlags()
        let choice = try pods.targetChoice()
        if choice != nil && connection.allNamespaces {
            throw ValidationError("Pods by name and TYPE/NAME are in one namespace: give it with -n instead of -A (kubectl, too, retrieves nothing by name across all namespaces).")
        }
        // kubectl's -o is an output format; here it names the bundle. `-o json` used to write
        // a bundle called "json" and exit 0.
        if let output, Self.isOutputFormatWord(output) {
            throw ValidationError("-o names the bundle file here, not an output format (kubectl's -o \(output)). Give a file name such as -o incident.tar.gz; for the plan as JSON use --dry-run --json.")
        }
        if output == StandardOutputBundle.marker && !dryRun && !serverDryRun {
            if json {
                throw ValidationError("-o - sends the bundle to stdout, where --json would also go; drop --json, or write the bundle to a file.")
            }
            if OutputContext.standard.outputIsTerminal {
                throw ValidationError("-o - would write a gzip bundle to this terminal; pipe it (… -o - | gzip -t) or redirect it to a file (… -o - > incident.tar.gz).")
            }
        }
        if concurrency < 1 || concurrency > 1000 {
            throw ValidationError("--concurrency must be between 1 and 1000 (got \(concurrency)).")
        }
        if let imagePullPolicy, CollectionProfile.ImagePullPolicy(rawValue: imagePullPolicy) == nil {
            throw ValidationError("--image-pull-policy must be Always, IfNotPresent or Never (got \"\(imagePullPolicy)\").")
        }
        if let timeout, DurationParser.isTooLong(timeout) {
            throw ValidationError("--timeout \"\(timeout)\" is longer than a week, the most this tool waits for one pod; use e.g. 10m or 2h.")
        }
        if ScriptDeliveryChoice.Requested(rawValue: scriptDelivery) == nil {
            throw ValidationError("--script-delivery must be auto, attach or command (got \"\(scriptDelivery)\").")
        }
        if CollectionMethod(rawValue: via) == nil {
            throw ValidationError("--via must be ephemeral or node (got \"\(via)\").")
        }
        if helperNamespace != nil && method != .node {
            throw ValidationError("--helper-namespace names where the node helpers go; it needs --via node.")
        }
        if method == .node && scriptDelivery != ScriptDeliveryChoice.Requested.auto.rawValue {
            throw ValidationError("--script-delivery is how an evidence container gets its script; --via node adds no container (the helper carries the script).")
        }
        if ByteQuantity.bytes(maxPodSize) == nil {
            throw ValidationError("--max-pod-size \"\(maxPodSize)\" is not a size; use e.g. 1Mi, 512Ki or 800000 (bytes).")
        }
        if let timeout, (DurationParser.seconds(timeout) ?? 0) <= 0 {
            throw ValidationError("--timeout \"\(timeout)\" is not a positive duration; use e.g. 90s or 2m.")
        }
    }

    /// The profile with the command line's overrides applied.
    func resolvedProfile() throws -> (profile: CollectionProfile, yaml: String) {
        var (resolved, yaml) = try CollectionProfile.resolve(profile)
        if let image { resolved.image = image }
        if let imagePullPolicy, let policy = CollectionProfile.ImagePullPolicy(rawValue: imagePullPolicy) { resolved.imagePullPolicy = policy }
        if let timeout, let seconds = DurationParser.seconds(timeout) {
            resolved.timeouts.podSeconds = seconds
            resolved.timeouts.startSeconds = min(resolved.timeouts.startSeconds, seconds)
        }
        return (resolved, yaml)
    }

    func run() async throws {
        try await run(console: .standard)
    }

    func run(console: OutputContext) async throws {
        try await CommandErrors.reporting(to: console) {
            let known = KubeconfigLoader.contextNames(KubeconfigSelection(explicitPath: connection.kubeconfig))
            if let contexts = try fleetContexts(known: known) {
                try await runFleet(contexts: contexts, console: console)
                return
            }
            let clusterConnection = try connection.resolveConnection(output: console)
            var options = try connection.clientOptions(output: console)
            options.sizeConnectionPool(forPodsInFlight: concurrency)
            let client = try KubeClient(connection: clusterConnection, options: options)
            do {
                let selection = try await pods.resolveSelection(client: client, namespace: connection.listNamespace(in: clusterConnection))
                // The listed pods (each with its bytes, for thousands of pods tens of MB) are
                // dropped once planned: the run reads each pod again as it collects it.
                let profile = try resolvedProfile()
                let (plan, delivery) = try await plan(selection, profile: profile.profile, client: client)
                if let notice = delivery.notice { console.printNotice("note: " + notice) }
                if dryRun || serverDryRun {
                    let text = json ? try plan.renderJSON() : plan.renderText(dryRun: true)
                    console.print(text)
                    try await sayWhere(plan: plan, profile: profile, delivery: delivery.delivery, client: client, serverSide: serverDryRun, console: console)
                } else {
                    let status = try await collect(plan: plan, profile: profile, delivery: delivery.delivery, client: client, console: console)
                    try await client.shutdown()
                    if status != 0 { throw ExitCode(status) }
                    return
                }
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }

    /// Lists the selection, chooses how the script is delivered (which decides
    /// what each pod gets, so the footprint limit) and plans it; only the plan
    /// outlives this call.
    func plan(_ selection: PodSelection, profile: CollectionProfile, client: KubeClient) async throws
        -> (CollectionPlan, ScriptDeliveryChoice) {
        let selected = try await PodChoiceOptions.selectedPods(selection, client: client)
        // One running pod per namespace, for the admission probe of pods/attach.
        var samples: [String: String] = [:]
        for pod in selected.items where pod.status.phase == "Running" {
            if let namespace = pod.metadata.namespace, samples[namespace] == nil { samples[namespace] = pod.metadata.name }
        }
        if method == .node {
            // Nothing is added to the pods: no script delivery to choose, no size to stay under.
            var plan = CollectionPlanner.plan(pods: selected.items, selection: selection, requestedContainer: pods.container, limit: .none,
                                              allContainers: pods.allContainers)
            plan.method = .node
            return (plan, ScriptDeliveryChoice(delivery: .command, notice: nil))
        }
        let delivery = try await ScriptDeliveryChoice.choose(
            ScriptDeliveryChoice.Requested(rawValue: scriptDelivery) ?? .auto, samples: samples, client: client,
            probeAdmission: !dryRun || serverDryRun)
        let limit = FootprintLimit(profile: profile, delivery: delivery.delivery, maxObjectBytes: force ? nil : ByteQuantity.bytes(maxPodSize))
        let plan = CollectionPlanner.plan(pods: selected.items, selection: selection, requestedContainer: pods.container, limit: limit,
                                          allContainers: pods.allContainers)
        return (plan, delivery)
    }

    /// What a run of `plan` would be: the profile resolved, the signing key read.
    /// With `clusterName`, one cluster's part of a run across several (all share `runID`).
    func request(for plan: CollectionPlan, profile resolved: (profile: CollectionProfile, yaml: String), delivery: ScriptDelivery,
                 runID: RunID = .generate(), clusterName: String? = nil) throws -> CollectionRequest {
        let (profile, yaml) = resolved
        // Read the key before any pod is touched: a run that cannot sign must not start.
        let signingKey = try signKey.map { try SigningKey(contentsOf: $0) }
        var request = CollectionRequest(
            plan: plan, profile: profile, profileYAML: yaml, profileSource: self.profile, concurrency: concurrency,
            runID: runID,
            outputPath: output == StandardOutputBundle.marker ? StandardOutputBundle.temporaryPath(runID: runID) : (output ?? "evidence-\(runID.value).tar.gz"),
            overwrite: overwrite,
            commandLine: CommandLine.arguments, toolVersion: ToolVersion.current, signingKey: signingKey, explode: explode,
            redact: !noRedact, scriptDelivery: delivery)
        request.clusterName = clusterName
        request.method = method
        request.helperNamespace = helperNamespace
        request.toolCommit = ToolVersion.commit
        request.toolBuildDate = ToolVersion.buildDate
        return request
    }

    /// After a dry run's plan: where a real run would go and as whom (on stderr,
    /// so `--json` stays clean). `--dry-run=server` also runs the preflight: RBAC
    /// reviews and the injection PATCH with dryRun=All, which stores nothing.
    /// What a server dry run allowed, in one sentence: the node helper, or the
    /// injection in the namespaces not refused (those were already named by the
    /// preflight's warnings). The run of one cluster and each cluster of a fleet say it alike.
    func serverVerdict(_ run: CollectionRun, plan: CollectionPlan) -> String {
        if method == .node {
            return "Server dry run: the API server allowed and admitted the node helper in namespace \(DisplayText.line(run.helperNamespace)); nothing was stored."
        }
        let admitted = Set(plan.targets.map(\.namespace)).subtracting(run.refusedPreflight.keys).sorted()
        return "Server dry run: the API server allowed the injection and admitted the evidence container in "
            + (admitted.count == 1 ? "namespace " : "namespaces ") + admitted.map { DisplayText.line($0) }.joined(separator: ", ") + "; nothing was stored."
    }

    private func sayWhere(plan: CollectionPlan, profile: (profile: CollectionProfile, yaml: String), delivery: ScriptDelivery, client: KubeClient, serverSide: Bool,
                          console: OutputContext) async throws {
        guard !plan.targets.isEmpty else { return }
        let run = CollectionRun(client: client, request: try request(for: plan, profile: profile, delivery: delivery), progress: console.runProgress(quiet: true))
        if serverSide { try await run.preflight() }
        let consent = await InjectionConsent.of(run, connection: client.connection)
        var lines = [consent.dryRunStatement]
        if serverSide { lines.append(serverVerdict(run, plan: plan)) }
        console.printNotice(lines.joined(separator: "\n"))
    }

    /// The real run: preflight, fan-out, bundle, summary. Returns the exit status.
    private func collect(plan: CollectionPlan, profile: (profile: CollectionProfile, yaml: String), delivery: ScriptDelivery, client: KubeClient,
                         console: OutputContext) async throws -> Int32 {
        let request = try request(for: plan, profile: profile, delivery: delivery)
        let progress = console.runProgress(quiet: quiet)
        if plan.targets.isEmpty {
            console.printToStandardError(plan.renderText(dryRun: false))
            console.printError(message: "no pod to collect: every selected pod was skipped or none matched.")
            return 4
        }
        // Refused before any pod is touched: past the bundle's room, later pods would
        // get a container and then fail to be written.
        if plan.targets.count > BundleCapacity.standard.maxPods {
            console.printError(message: "the selection has \(plan.targets.count) pods to collect, and one bundle holds at most \(BundleCapacity.standard.maxPods). No pod was touched. Narrow the selector, or collect one namespace at a time.")
            return 64
        }
        try BundleDestination.check(request.outputPath, overwrite: overwrite)
        let run = CollectionRun(client: client, request: request, progress: progress)
        try await run.preflight()
        let consent = await InjectionConsent.of(run, connection: client.connection)
        guard consent.confirm(assumeYes: yes, quiet: quiet, output: console) else {
            console.printToStandardError("Nothing was touched.\n")
            return 1
        }
        let signals = InterruptSignals { run.interrupt() }
        defer { signals.cancel() }
        let result = try await run.run()
        return try deliver(CollectionSummary(result: result, plan: plan), result: result, signingKey: request.signingKey, console: console)
    }

    /// After a run: the bundle to stdout with `-o -`, the summary (text or JSON)
    /// where the bundle is not. Returns the exit status.
    func deliver(_ summary: CollectionSummary, result: CollectionRun.Result, signingKey: SigningKey?, console: OutputContext) throws -> Int32 {
        var bundleName = result.bundle.path
        var size = CollectionSummary.size(of: result.bundle.path)
        let toStandardOutput = output == StandardOutputBundle.marker
        if toStandardOutput {
            size = try StandardOutputBundle.deliver(result.bundle.path)
            bundleName = "standard output"
        }
        // The text summary goes where the bundle does not: stdout, or stderr with -o -.
        let summaryOut: @Sendable (String) -> Void = toStandardOutput ? console.printToStandardError : console.print
        if json {
            console.print(try summary.renderJSON(bundlePath: bundleName, sizeBytes: size))
        } else {
            summaryOut(summary.render(bundleName: bundleName, sizeBytes: size))
            if let signingKey, result.bundle.signature != nil {
                summaryOut("Signed: manifest.json.sig, Ed25519 key fingerprint \(signingKey.publicKey.fingerprint).\n")
            }
        }
        return summary.exitStatus
    }
}
