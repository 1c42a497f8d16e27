import ArgumentParser
import Bundle
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
            Exit status: 0 when every planned pod was collected (or the dry run succeeded); \
            3 when some were not; 4 when none was; 130 when interrupted (the bundle is still \
            written); 1 when nothing could start (kubeconfig, connection, permissions, admission); \
            64 for a usage error.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("Pods by name, or one workload as TYPE/NAME (deployment/checkout, sts/db, ds/agent, rs/…, job/…), whose selector picks the pods.", valueName: "POD|TYPE/NAME"))
    var targets: [String] = []

    @Option(name: .customLong("node"), help: "Only pods scheduled on this node (spec.nodeName); alone or with -l.")
    var node: String?

    @Option(name: [.customShort("l"), .customLong("selector")], help: "Label selector, as kubectl takes it (e.g. app=checkout, 'tier in (web,api)', '!canary').")
    var selector: String?

    @Option(name: .customLong("field-selector"), help: "Field selector (metadata.name, metadata.namespace, spec.nodeName, status.phase).")
    var fieldSelector: String?

    @Option(name: [.customShort("c"), .customLong("container")], help: "The container whose processes to examine (default: the pod's default-container annotation, else its first container).")
    var container: String?

    @Flag(name: .customLong("dry-run"), help: "Resolve the selection and print the plan; touch no pod. --dry-run=server also asks the API server whether the user may inject and whether admission accepts the evidence container, storing nothing.")
    var dryRun = false

    /// `--dry-run=server`, rewritten by `KubectlArguments.normalize`.
    @Flag(name: .customLong("dry-run-server"), help: .hidden)
    var serverDryRun = false

    @Flag(name: .customLong("json"), help: "Print the plan (with --dry-run) or the run's summary as JSON on stdout.")
    var json = false

    @Option(name: [.customShort("o"), .customLong("output")], help: "Path of the evidence bundle to write (default: evidence-<run id>.tar.gz); - writes it to stdout, to pipe to an upload (the summary then goes to stderr).")
    var output: String?

    @Flag(name: .customLong("overwrite"), help: "Replace an existing file at the --output path.")
    var overwrite = false

    @Option(name: .customLong("profile"), help: "Collection profile: a built-in name (standard, restricted, network, deep) or a YAML file.")
    var profile: String = "standard"

    @Option(name: .customLong("image"), help: "The evidence container's image (overrides the profile), e.g. a busybox in an air-gapped registry.")
    var image: String?

    @Option(name: .customLong("image-pull-policy"), help: "Always, IfNotPresent or Never (overrides the profile).")
    var imagePullPolicy: String?

    @Option(name: .customLong("concurrency"), help: "How many pods to work on at once.")
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

    @Option(name: .customLong("sign-key"), help: "Ed25519 private key (PEM, from `kubectl-evidence keygen`) that signs the manifest; the signature goes into the bundle as manifest.json.sig.")
    var signKey: String?

    /// kubectl's output formats, as `-o` takes them: a bundle path never looks like one
    /// (a bundle called `json` or `jsonpath={.x}` is a habit from kubectl, not a choice).
    static func isOutputFormatWord(_ value: String) -> Bool {
        let formats = ["json", "yaml", "wide", "name", "go-template", "go-template-file", "template", "templatefile",
                       "jsonpath", "jsonpath-file", "jsonpath-as-json", "custom-columns", "custom-columns-file"]
        let word = value.split(separator: "=", maxSplits: 1).first.map(String.init) ?? value
        return formats.contains(word) && (value == word || value.contains("="))
    }

    func validate() throws {
        // An empty selector selects every pod; `-l "$APP"` with APP unset is how that
        // happens at 3 a.m., and every pod would keep a container it cannot lose.
        for (flag, value) in [("-l", selector), ("--field-selector", fieldSelector)] {
            if let value, value.allSatisfy(\.isWhitespace) {
                throw ValidationError("\(flag) was given an empty selector (an unset shell variable?), which selects every pod; each would keep an evidence container it cannot lose. Give the selector itself, for example -l app=checkout.")
            }
        }
        if let node, node.allSatisfy(\.isWhitespace) {
            throw ValidationError("--node was given an empty name (an unset shell variable?); give the node's name, as `kubectl get nodes` lists it.")
        }
        let choice = try targetChoice()
        if selector == nil && fieldSelector == nil && node == nil && choice == nil {
            throw ValidationError("Give a label selector with -l (for example -l app=checkout), pod names, a workload (deployment/checkout), --node or a --field-selector: collecting from every pod by accident is not something an incident needs.")
        }
        if choice != nil && connection.allNamespaces {
            throw ValidationError("Pods by name and TYPE/NAME are in one namespace: give it with -n instead of -A (kubectl, too, retrieves nothing by name across all namespaces).")
        }
        if case .podNames = choice, selector != nil || fieldSelector != nil || node != nil {
            throw ValidationError("Pod names pick exactly those pods: give either names, or -l / --field-selector / --node, not both (kubectl: a name cannot be given with a selector).")
        }
        if case .workload(let workload) = choice, selector != nil {
            throw ValidationError("\(workload) brings its own label selector; drop -l, or drop \(workload) and select with -l alone.")
        }
        if let container, container.isEmpty {
            throw ValidationError("--container needs a container name.")
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
            if isatty(STDOUT_FILENO) == 1 {
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
        if let timeout, (DurationParser.seconds(timeout) ?? 0) <= 0 {
            throw ValidationError("--timeout \"\(timeout)\" is not a positive duration; use e.g. 90s or 2m.")
        }
    }

    /// What the positional arguments pick.
    enum TargetChoice: Equatable {
        case podNames([String])
        case workload(WorkloadReference)
    }

    /// Pod names (`pod/NAME` included), or exactly one TYPE/NAME; nil without arguments.
    func targetChoice() throws -> TargetChoice? {
        guard !targets.isEmpty else { return nil }
        var names: [String] = []
        var workloads: [WorkloadReference] = []
        for target in targets {
            if target.allSatisfy(\.isWhitespace) {
                throw ValidationError("An empty pod name was given (an unset shell variable?); give the pod's name as `kubectl get pods` lists it.")
            }
            let lower = target.lowercased()
            if let slash = lower.firstIndex(of: "/"), ["pod", "pods", "po"].contains(String(lower[..<slash])) {
                names.append(String(target[target.index(after: slash)...]))
                continue
            }
            do {
                if let workload = try WorkloadReference.parse(target) {
                    workloads.append(workload)
                } else {
                    names.append(target)
                }
            } catch let error as WorkloadReferenceError {
                throw ValidationError(error.description)
            }
        }
        switch (names.isEmpty, workloads.count) {
        case (true, 1): return .workload(workloads[0])
        case (false, 0): return .podNames(names)
        default:
            throw ValidationError("Give either pod names or one TYPE/NAME (for example deployment/checkout), not several workloads or both; run once per workload.")
        }
    }

    /// The selection, the workload's selector resolved from the API.
    func resolveSelection(client: KubeClient, namespace: String?) async throws -> PodSelection {
        switch try targetChoice() {
        case nil:
            return PodSelection(namespace: namespace, labelSelector: selector, fieldSelector: fieldSelector, node: node)
        case .podNames(let names):
            return PodSelection(namespace: namespace, labelSelector: nil, podNames: names)
        case .workload(let workload):
            let namespaceName = namespace ?? "default"
            do {
                guard let labels = try await client.podSelector(of: workload, namespace: namespaceName) else {
                    throw CommandFailure("The \(workload) in namespace \(namespaceName) has an empty selector, which would select every pod in the namespace; nothing was touched. Select its pods with -l instead.")
                }
                return PodSelection(namespace: namespace, labelSelector: labels, fieldSelector: fieldSelector, workload: workload.description, node: node)
            } catch let error as KubeAPIError where error.isNotFound {
                throw CommandFailure("There is no \(workload) in namespace \(namespaceName) (the API server answered 404 Not Found); nothing was touched. Check the name with `kubectl get \(workload.kind.rawValue) -n \(namespaceName)`.")
            }
        }
    }

    /// The selected pods: listed by the server with the selectors, or read one by one by name.
    static func selectedPods(_ selection: PodSelection, client: KubeClient) async throws -> PodList {
        guard let names = selection.podNames else {
            return try await client.listAllPods(
                namespace: selection.namespace, labelSelector: selection.labelSelector, fieldSelector: selection.serverFieldSelector)
        }
        let namespace = selection.namespace ?? "default"
        var list = PodList()
        for name in names {
            do {
                list.items.append(try await client.getPod(namespace: namespace, name: name))
            } catch let error as KubeAPIError where error.isNotFound {
                throw CommandFailure("There is no pod \(name) in namespace \(namespace) (the API server answered 404 Not Found); nothing was touched. Check the name with `kubectl get pods -n \(namespace)`.")
            }
        }
        return list
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
        try await CommandErrors.reporting {
            let clusterConnection = try connection.resolveConnection()
            var options = try connection.clientOptions()
            options.sizeConnectionPool(forPodsInFlight: concurrency)
            let client = try KubeClient(connection: clusterConnection, options: options)
            do {
                let selection = try await resolveSelection(client: client, namespace: connection.listNamespace(in: clusterConnection))
                let pods = try await Self.selectedPods(selection, client: client)
                let plan = CollectionPlanner.plan(pods: pods.items, selection: selection, requestedContainer: container)
                if dryRun || serverDryRun {
                    let text = json ? try plan.renderJSON() : plan.renderText(dryRun: true)
                    FileHandle.standardOutput.write(Data(text.utf8))
                    try await sayWhere(plan: plan, client: client, serverSide: serverDryRun)
                } else {
                    let status = try await collect(plan: plan, client: client)
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

    /// What a run of `plan` would be: the profile resolved, the signing key read.
    private func request(for plan: CollectionPlan) throws -> CollectionRequest {
        let (profile, yaml) = try resolvedProfile()
        // Read the key before any pod is touched: a run that cannot sign must not start.
        let signingKey = try signKey.map { try SigningKey(contentsOf: $0) }
        let runID = RunID.generate()
        return CollectionRequest(
            plan: plan, profile: profile, profileYAML: yaml, profileSource: self.profile, concurrency: concurrency,
            runID: runID,
            outputPath: output == StandardOutputBundle.marker ? StandardOutputBundle.temporaryPath(runID: runID) : (output ?? "evidence-\(runID.value).tar.gz"),
            overwrite: overwrite,
            commandLine: CommandLine.arguments, toolVersion: ToolVersion.current, signingKey: signingKey, explode: explode,
            redact: !noRedact)
    }

    /// After a dry run's plan: where a real run would go and as whom (on stderr,
    /// so `--json` stays clean). `--dry-run=server` also runs the preflight: RBAC
    /// reviews and the injection PATCH with dryRun=All, which stores nothing.
    private func sayWhere(plan: CollectionPlan, client: KubeClient, serverSide: Bool) async throws {
        guard !plan.targets.isEmpty else { return }
        let run = CollectionRun(client: client, request: try request(for: plan), progress: RunProgress(mode: .quiet))
        if serverSide { try await run.preflight() }
        let consent = InjectionConsent(
            contextName: client.connection.contextName, server: client.connection.server,
            user: await run.clusterRecord().user.flatMap { $0.username.isEmpty ? nil : $0.username },
            impersonation: client.connection.impersonation?.origin,
            pods: plan.targets.count, namespaces: Set(plan.targets.map(\.namespace)).count)
        var lines = [consent.dryRunStatement]
        if serverSide {
            // Refused namespaces were already named by the preflight's warnings.
            let refused = run.refusedPreflight
            let admitted = Set(plan.targets.map(\.namespace)).subtracting(refused.keys).sorted()
            lines.append("Server dry run: the API server allowed the injection and admitted the evidence container in "
                + (admitted.count == 1 ? "namespace " : "namespaces ") + admitted.joined(separator: ", ") + "; nothing was stored.")
        }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// The real run: preflight, fan-out, bundle, summary. Returns the exit status.
    private func collect(plan: CollectionPlan, client: KubeClient) async throws -> Int32 {
        let request = try request(for: plan)
        let signingKey = request.signingKey
        let progress = RunProgress(mode: RunProgress.automaticMode(quiet: quiet))
        if plan.targets.isEmpty {
            FileHandle.standardError.write(Data(plan.renderText(dryRun: false).utf8))
            FileHandle.standardError.write(Data("error: no pod to collect: every selected pod was skipped or none matched.\n".utf8))
            return 4
        }
        // Refused before any pod is touched: past the bundle's room, later pods would
        // get a container and then fail to be written.
        if plan.targets.count > BundleCapacity.standard.maxPods {
            FileHandle.standardError.write(Data("error: the selection has \(plan.targets.count) pods to collect, and one bundle holds at most \(BundleCapacity.standard.maxPods). No pod was touched. Narrow the selector, or collect one namespace at a time.\n".utf8))
            return 64
        }
        try BundleDestination.check(request.outputPath, overwrite: overwrite)
        let run = CollectionRun(client: client, request: request, progress: progress)
        try await run.preflight()
        let consent = InjectionConsent(
            contextName: client.connection.contextName, server: client.connection.server,
            user: await run.clusterRecord().user.flatMap { $0.username.isEmpty ? nil : $0.username },
            impersonation: client.connection.impersonation?.origin,
            pods: plan.targets.count, namespaces: Set(plan.targets.map(\.namespace)).count)
        guard consent.confirm(assumeYes: yes, interactive: InjectionConsent.isInteractive, quiet: quiet) else {
            FileHandle.standardError.write(Data("Nothing was touched.\n".utf8))
            return 1
        }
        let signals = InterruptSignals { run.interrupt() }
        defer { signals.cancel() }
        let result = try await run.run()
        let summary = CollectionSummary(result: result, plan: plan)
        var bundleName = result.bundle.path
        var size = CollectionSummary.size(of: result.bundle.path)
        let toStandardOutput = output == StandardOutputBundle.marker
        if toStandardOutput {
            size = try StandardOutputBundle.deliver(result.bundle.path)
            bundleName = "standard output"
        }
        // The text summary goes where the bundle does not: stdout, or stderr with -o -.
        let summaryOut = toStandardOutput ? FileHandle.standardError : FileHandle.standardOutput
        if json {
            FileHandle.standardOutput.write(Data(try summary.renderJSON(bundlePath: bundleName, sizeBytes: size).utf8))
        } else {
            summaryOut.write(Data(summary.render(bundleName: bundleName, sizeBytes: size).utf8))
            if let signingKey, result.bundle.signature != nil {
                summaryOut.write(Data("Signed: manifest.json.sig, Ed25519 key fingerprint \(signingKey.publicKey.fingerprint).\n".utf8))
            }
        }
        return summary.exitStatus
    }
}
