import Foundation
import TestSupport

/// The cluster the end-to-end suite runs against: a real Kubernetes cluster when
/// `KUBECTL_EVIDENCE_E2E_KUBECONFIG` names its kubeconfig (`scripts/test-cluster`), else
/// a fresh lab started from the same `examples/demo.yaml`.
///
/// On a real cluster the suite applies `examples/demo.yaml` and `examples/rbac.yaml` once
/// per run and shares the workloads between tests; a test that changes or deletes a pod
/// makes its own. Where the two must differ, the method says why in one line.
final class ClusterUnderTest: @unchecked Sendable {
    // @unchecked: the lab process is only touched by the creating test, in stop(), and (to set
    // its faults with kubectl, which changes nothing in it) by restartAPIServerInBackground's thread.
    enum Kind: String, Sendable { case lab, real }

    let kind: Kind
    let kubeconfig: String
    let directory: URL
    private let lab: LabProcess?

    /// The evidence image: a local busybox, never pulled (the kit has no registry; the lab
    /// resolves every busybox reference to its own).
    static let image = ProcessInfo.processInfo.environment["KUBECTL_EVIDENCE_E2E_IMAGE"] ?? "localhost/busybox:1.35"

    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let demoManifest = repositoryRoot.appendingPathComponent("examples/demo.yaml").path
    static let rbacManifest = repositoryRoot.appendingPathComponent("examples/rbac.yaml").path

    static func start() throws -> ClusterUnderTest {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if let kubeconfig = ProcessInfo.processInfo.environment["KUBECTL_EVIDENCE_E2E_KUBECONFIG"], !kubeconfig.isEmpty {
            let cluster = ClusterUnderTest(kind: .real, kubeconfig: kubeconfig, directory: directory, lab: nil)
            try RealClusterWorkloads.ensureApplied(cluster)
            return cluster
        }
        let lab = try LabProcess.start(topology: demoManifest)
        return ClusterUnderTest(kind: .lab, kubeconfig: lab.kubeconfig, directory: directory, lab: lab)
    }

    private init(kind: Kind, kubeconfig: String, directory: URL, lab: LabProcess?) {
        self.kind = kind
        self.kubeconfig = kubeconfig
        self.directory = directory
        self.lab = lab
    }

    func stop() {
        lab?.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    // MARK: running the tools

    func kubectl(_ arguments: [String], kubeconfig: String? = nil, timeout: TimeInterval = 120) throws -> ProcessResult {
        try ProcessRunner.run(
            "/usr/bin/env",
            ["kubectl", "--kubeconfig", kubeconfig ?? self.kubeconfig,
             "--cache-dir", directory.appendingPathComponent("kubectl-cache").path] + arguments,
            timeout: timeout)
    }

    /// kubectl that must succeed; its stdout.
    @discardableResult
    func kubectlOK(_ arguments: [String]) throws -> String {
        let result = try kubectl(arguments)
        guard result.status == 0 else {
            throw TestFailure("kubectl \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return result.stdout
    }

    /// `kubectl-evidence collect` against this cluster with the local evidence image.
    func collect(_ arguments: [String], output: String, kubeconfig: String? = nil, timeout: TimeInterval = 240) throws -> ProcessResult {
        try ToolBinary.run(
            ["collect", "--kubeconfig", kubeconfig ?? self.kubeconfig, "--image", Self.image, "-o", output] + arguments,
            timeout: timeout)
    }

    func bundlePath(_ name: String = "bundle") -> String {
        directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).tar.gz").path
    }

    // MARK: pods

    func podNames(namespace: String, selector: String) throws -> [String] {
        try kubectlOK(["get", "pods", "-n", namespace, "-l", selector, "-o", "jsonpath={.items[*].metadata.name}"])
            .split(separator: " ").map(String.init).sorted()
    }

    /// Creates a pod of its own for a test (a name unique to the run, one container `app`) and
    /// waits until it runs. With `hardenedUID`, the pod runs as that uid (pod level,
    /// runAsNonRoot) with every capability dropped, as hardened workloads do.
    /// `env` goes into the container as plain values; `viaApply` creates the pod with
    /// `kubectl apply`, which leaves the last-applied-configuration annotation, as most
    /// workloads carry it.
    func createPod(
        namespace: String, prefix: String, labels: [String: String], command: [String], hardenedUID: Int? = nil,
        env: [String: String] = [:], viaApply: Bool = false
    ) throws -> String {
        let name = "\(prefix)-\(UUID().uuidString.prefix(6).lowercased())"
        // JSON is YAML's flow syntax, so the command's strings keep every byte (newlines too).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let labelText = String(decoding: try encoder.encode(labels), as: UTF8.self)
        let commandText = String(decoding: try encoder.encode(command), as: UTF8.self)
        var yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {name: \(name), namespace: \(namespace), labels: \(labelText)}
            spec:
              terminationGracePeriodSeconds: 1

            """
        if let hardenedUID { yaml += "  securityContext: {runAsUser: \(hardenedUID), runAsNonRoot: true}\n" }
        yaml += "  containers:\n    - {name: app, image: \(Self.image), imagePullPolicy: IfNotPresent, command: \(commandText)"
        if hardenedUID != nil { yaml += ", securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}" }
        if !env.isEmpty {
            let entries = env.keys.sorted().map { ["name": $0, "value": env[$0]!] }
            yaml += ", env: " + String(decoding: try encoder.encode(entries), as: UTF8.self)
        }
        yaml += "}\n"
        let file = directory.appendingPathComponent("\(name).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        try kubectlOK([viaApply ? "apply" : "create", "-f", file.path])
        try waitUntilRunning(namespace: namespace, pod: name)
        return name
    }

    func waitUntilRunning(namespace: String, pod: String, timeout: TimeInterval = 120) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try kubectl(["get", "pod", "-n", namespace, pod, "-o", "jsonpath={.status.phase} {.status.containerStatuses[*].ready}"]).stdout
            if last.hasPrefix("Running") && !last.contains("false") { return }
            Thread.sleep(forTimeInterval: 0.25)
        }
        throw TestFailure("pod \(namespace)/\(pod) is not running and ready after \(Int(timeout)) s: \(last)")
    }

    /// The number of ephemeral containers in a pod's spec.
    func ephemeralContainerCount(namespace: String, pod: String) throws -> Int {
        let names = try kubectlOK(["get", "pod", "-n", namespace, pod, "-o", "jsonpath={.spec.ephemeralContainers[*].name}"])
        return names.split(separator: " ").count
    }

    // MARK: inside a container

    /// Runs a command in a pod's container and returns its stdout, as `kubectl exec` does.
    /// The lab serves no exec: there the command runs in the container's namespaces and
    /// root through nsenter, which is what exec does on a node, as uid 1000 (nsenter keeps
    /// every capability of the host's root, which nothing exec starts has).
    func exec(namespace: String, pod: String, container: String, _ command: [String]) throws -> String {
        switch kind {
        case .real:
            return try kubectlOK(["exec", "-n", namespace, pod, "-c", container, "--"] + command)
        case .lab:
            let uid = try kubectlOK(["get", "pod", "-n", namespace, pod, "-o", "jsonpath={.metadata.uid}"])
            let id = try kubectlOK(["get", "pod", "-n", namespace, pod, "-o", "jsonpath={.status.containerStatuses[?(@.name==\"\(container)\")].containerID}"])
            let pid = try HostProcesses.appContainerInit(podUID: uid, containerID: id)
            let result = try DirectSpawn.run(
                ["/usr/bin/nsenter", "-t", String(pid), "-p", "-n", "-m", "-i", "-u", "-r", "-w", "-S", "1000", "-G", "1000"] + command)
            guard result.status == 0 else { throw TestFailure("nsenter \(command) in \(pod)/\(container) failed: \(result.stderr)") }
            return result.stdout
        }
    }

    /// Starts a long-running process inside a container (detached, as an intruder would),
    /// and waits until it listens on `port` when one is given.
    func startDetached(namespace: String, pod: String, container: String, _ shellCommand: String, listensOn port: Int? = nil) throws {
        _ = try exec(namespace: namespace, pod: pod, container: container,
                     ["sh", "-c", "setsid \(shellCommand) </dev/null >/dev/null 2>&1 &"])
        guard let port else { return }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let listeners = try exec(namespace: namespace, pod: pod, container: container, ["netstat", "-ltn"])
            if listeners.contains(":\(port) ") { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw TestFailure("nothing listens on \(port) in \(pod)/\(container) 20 s after starting: \(shellCommand)")
    }

    /// Ends every `nc` in the pods' app containers: the listeners tests start
    /// (`startDetached`) in a real cluster's long-lived replicas. The image has no pkill.
    /// Returns what each kill said, for a test's message.
    @discardableResult
    func stopStrayListeners(namespace: String, pods: [String], container: String = "app") -> [String] {
        pods.map { pod in
            do {
                return try exec(namespace: namespace, pod: pod, container: container,
                                ["sh", "-c", "PATH=/bin:/usr/bin:/sbin:/usr/sbin; for p in $(pidof nc); do kill $p && echo killed $p; done; true"])
            } catch {
                return "\(pod): \(error)"
            }
        }
    }

    // MARK: restarting the API server

    /// The shell command that restarts a real cluster's API server (scripts/test-cluster sets it
    /// for the kit's cluster; a user may give one with --kubeconfig).
    static let restartCommandVariable = "KUBECTL_EVIDENCE_E2E_RESTART_APISERVER"

    private static var restartCommand: String? {
        let command = ProcessInfo.processInfo.environment[restartCommandVariable] ?? ""
        return command.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : command
    }

    private static var runsOnRealCluster: Bool {
        !(ProcessInfo.processInfo.environment["KUBECTL_EVIDENCE_E2E_KUBECONFIG"] ?? "").isEmpty
    }

    /// Whether the cluster the suite runs against can have its API server restarted, for a
    /// test's trait before it starts one: `.enabled(if: ClusterUnderTest.canRestartAPIServer)`.
    static var canRestartAPIServer: Bool { !runsOnRealCluster || restartCommand != nil }

    /// Always on the lab; on a real cluster when scripts/test-cluster gave a restart command.
    var canRestartAPIServer: Bool { kind == .lab || Self.restartCommand != nil }

    /// Restarts the API server as if it were killed, and returns once it serves again: every
    /// watch and log stream it serves ends at once (no terminating chunk), new connections are
    /// refused meanwhile; afterwards a watch resumes from the resourceVersion it had (no 410:
    /// etcd keeps the history). The pods and their containers go on.
    ///
    /// The lab goes down for `outage` (its `apiServerOutage` fault, set through its admin
    /// endpoint; the call takes about that long). A real cluster's outage is what its restart
    /// takes, not `outage`: the command in `KUBECTL_EVIDENCE_E2E_RESTART_APISERVER` runs with
    /// /bin/sh -c (with the kit: SIGKILL, then `up` starts it again and waits until it is ready,
    /// a few seconds; allow 20). Throws when there is no such command (see ``canRestartAPIServer``)
    /// or it fails.
    @discardableResult
    func restartAPIServer(outage: TimeInterval = 3) throws -> APIServerRestart.Times {
        let began = Date()
        switch kind {
        case .lab:
            guard let lab else { throw TestFailure("the lab is gone") }
            try lab.setFaults(#"{"apiServerOutageMilliseconds": \#(max(1, Int((outage * 1000).rounded())))}"#)
            // Not before the outage is over: until then the lab still refuses.
            Thread.sleep(until: began.addingTimeInterval(outage))
        case .real:
            guard let command = Self.restartCommand else {
                throw TestFailure(
                    "this real cluster's API server cannot be restarted: \(Self.restartCommandVariable) is not set "
                        + "(scripts/test-cluster sets it with K8S_E2E_KIT; with --kubeconfig, export a command that restarts it)")
            }
            // posix_spawn and waitpid, not Process: the command leaves a new API server behind.
            let result = try DirectSpawn.run(["/bin/sh", "-c", command], timeout: 300)
            guard result.status == 0 else {
                throw TestFailure("restarting the API server failed (\(result.status)): \(command)\n\(result.stderr)\(result.stdout)")
            }
        }
        try waitUntilServing(timeout: 120)
        return APIServerRestart.Times(began: began, serving: Date())
    }

    /// Starts ``restartAPIServer(outage:)`` on a thread of its own, after `delay` and then once
    /// `condition` holds (polled every 0.2 s, for at most 300 s), so that a test can restart the
    /// API server while `collect` runs on its own thread; `wait()` joins it.
    ///
    ///     let restart = cluster.restartAPIServerInBackground(when: { try cluster.ephemeralContainerCount(namespace: "shop", pod: name) > 0 })
    ///     let result = try cluster.collect([...], output: output)
    ///     let times = try restart.wait()
    func restartAPIServerInBackground(
        after delay: TimeInterval = 0, when condition: (@Sendable () throws -> Bool)? = nil, outage: TimeInterval = 3
    ) -> APIServerRestart {
        let restart = APIServerRestart()
        let thread = Thread { [self] in
            restart.finish(
                Result {
                    Thread.sleep(forTimeInterval: delay)
                    if let condition {
                        let deadline = Date().addingTimeInterval(300)
                        while try !condition() {
                            guard Date() < deadline else { throw TestFailure("the condition to restart the API server did not hold within 300 s") }
                            Thread.sleep(forTimeInterval: 0.2)
                        }
                    }
                    return try self.restartAPIServer(outage: outage)
                })
        }
        thread.name = "restart-apiserver"
        thread.start()
        return restart
    }

    /// Waits until the API server answers /readyz.
    func waitUntilServing(timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ProcessResult(status: 0, stdout: "", stderr: "")
        while Date() < deadline {
            last = try kubectl(["get", "--raw", "/readyz"], timeout: 30)
            if last.status == 0 { return }
            Thread.sleep(forTimeInterval: 0.25)
        }
        throw TestFailure("the API server does not serve \(Int(timeout)) s after its restart: \(last.stderr)")
    }

    // MARK: other users

    enum Identity: String { case collector, viewer, nobody }

    /// The kubeconfig of a user with only the RBAC a collection needs (`collector`), one who
    /// may read pods but not add ephemeral containers (`viewer`), or one who may do nothing
    /// (`nobody`). The lab has such users built in; on a real cluster they are the
    /// ServiceAccounts of examples/rbac.yaml, with fresh tokens.
    func kubeconfig(for identity: Identity) throws -> (path: String, context: [String]) {
        switch kind {
        case .lab:
            return (kubeconfig, ["--context", "kubelab-\(identity.rawValue)"])
        case .real:
            return (try serviceAccountKubeconfig("evidence-\(identity.rawValue)"), [])
        }
    }

    /// A user who may do all a collection needs except attach (`create pods/attach`, a
    /// permission of its own): on the lab the collector with that rule taken away, on a real
    /// cluster a ServiceAccount of the test's own with examples/rbac.yaml's rules less that one.
    func kubeconfigWithoutAttach() throws -> (path: String, context: [String]) {
        let rules = [("get,list,watch", "pods"), ("patch", "pods/ephemeralcontainers"), ("get", "pods/log")]
        switch kind {
        case .lab:
            let json = rules.map { #"{"verbs":[\#($0.0.split(separator: ",").map { "\"\($0)\"" }.joined(separator: ","))],"resources":["\#($0.1)"]}"# }
            try lab?.setFaults(#"{"userRules":{"collector":[\#(json.joined(separator: ","))]}}"#)
            return try kubeconfig(for: .collector)
        case .real:
            let account = "evidence-noattach"
            let yaml = """
                apiVersion: v1
                kind: ServiceAccount
                metadata: {name: \(account), namespace: shop}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: kubectl-evidence-e2e-noattach}
                rules:
                \(rules.map { "  - {apiGroups: [\"\"], resources: [\($0.1)], verbs: [\($0.0)]}" }.joined(separator: "\n"))
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata: {name: kubectl-evidence-e2e-noattach}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubectl-evidence-e2e-noattach}
                subjects: [{kind: ServiceAccount, name: \(account), namespace: shop}]
                """
            let file = directory.appendingPathComponent("noattach.yaml")
            try yaml.write(to: file, atomically: true, encoding: .utf8)
            try kubectlOK(["apply", "-f", file.path])
            return (try serviceAccountKubeconfig(account), [])
        }
    }

    /// The least RBAC of `collect --via node` (examples/rbac.yaml's evidence-node-collector):
    /// read pods everywhere, and create, get and delete pods and read their logs in shop only.
    /// On the lab, the collector's rules become those (the lab's rules have no namespaces).
    func kubeconfigForNodeMethod() throws -> (path: String, context: [String]) {
        switch kind {
        case .lab:
            try lab?.setFaults(#"{"userRules":{"collector":[{"verbs":["get","list","watch"],"resources":["pods"]},"#
                + #"{"verbs":["get"],"resources":["pods/log"]},{"verbs":["create","delete"],"resources":["pods"]}]}}"#)
            return try kubeconfig(for: .collector)
        case .real:
            return (try serviceAccountKubeconfig("evidence-node-collector"), [])
        }
    }

    /// Admission refuses every attach to a pod whose name starts with `prefix`: on the lab its
    /// `denyAttach` fault, on a real cluster a ValidatingAdmissionPolicy on CONNECT pods/attach
    /// (harmless to the other tests: only pods of that name are refused).
    func denyAttach(toPodsStartingWith prefix: String, message: String) throws {
        switch kind {
        case .lab:
            try lab?.setFaults(#"{"denyAttach":{"podPrefix":"\#(prefix)","message":"\#(message)"}}"#)
        case .real:
            let yaml = """
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingAdmissionPolicy
                metadata: {name: kubectl-evidence-e2e-deny-attach}
                spec:
                  failurePolicy: Fail
                  matchConstraints:
                    resourceRules:
                      - {apiGroups: [""], apiVersions: [v1], operations: [CONNECT], resources: [pods/attach]}
                  validations:
                    - expression: "!request.name.startsWith('\(prefix)')"
                      message: "\(message)"
                ---
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingAdmissionPolicyBinding
                metadata: {name: kubectl-evidence-e2e-deny-attach}
                spec: {policyName: kubectl-evidence-e2e-deny-attach, validationActions: [Deny]}
                """
            let file = directory.appendingPathComponent("deny-attach.yaml")
            try yaml.write(to: file, atomically: true, encoding: .utf8)
            try kubectlOK(["apply", "-f", file.path])
            // A new policy takes a moment to reach the API server's admission.
            Thread.sleep(forTimeInterval: 2)
        }
    }

    /// A kubeconfig with a fresh token of ServiceAccount `account` in shop.
    private func serviceAccountKubeconfig(_ account: String) throws -> String {
        let token = try kubectlOK(["create", "token", account, "-n", "shop", "--duration", "1h"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try kubectlOK(["config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"])
        let ca = try kubectlOK(["config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}"])
        let path = directory.appendingPathComponent("\(account).kubeconfig").path
        let text = """
            apiVersion: v1
            kind: Config
            clusters: [{name: e2e, cluster: {server: "\(server)", certificate-authority-data: "\(ca)"}}]
            users: [{name: \(account), user: {token: "\(token)"}}]
            contexts: [{name: \(account), context: {cluster: e2e, user: \(account)}}]
            current-context: \(account)
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// An API server restart running in the background (``ClusterUnderTest/restartAPIServerInBackground(after:when:outage:)``).
final class APIServerRestart: @unchecked Sendable {
    // @unchecked: `outcome` is only touched under `done`.
    struct Times: Sendable {
        /// When the restart began: the API server went down at once (the lab) or as its command started (a real cluster).
        var began: Date
        /// When it was seen serving again.
        var serving: Date
    }

    private let done = NSCondition()
    private var outcome: Result<Times, any Error>?

    fileprivate func finish(_ result: Result<Times, any Error>) {
        done.lock()
        outcome = result
        done.broadcast()
        done.unlock()
    }

    /// True once the restart is over (or failed).
    var isFinished: Bool {
        done.lock()
        defer { done.unlock() }
        return outcome != nil
    }

    /// Waits until the restart is over and the API server serves again; rethrows its failure.
    @discardableResult
    func wait(timeout: TimeInterval = 600) throws -> Times {
        let deadline = Date().addingTimeInterval(timeout)
        done.lock()
        defer { done.unlock() }
        while outcome == nil {
            guard done.wait(until: deadline) else { throw TestFailure("the API server restart did not finish within \(Int(timeout)) s") }
        }
        return try outcome!.get()
    }
}

/// Applies the demo workloads and the RBAC users to a real cluster once per test run,
/// and waits until every demo pod runs.
enum RealClusterWorkloads {
    private static let applied = NSLock()
    nonisolated(unsafe) private static var done = false

    static func ensureApplied(_ cluster: ClusterUnderTest) throws {
        applied.lock()
        defer { applied.unlock() }
        if done { return }
        // On a brand-new cluster a namespace's `default` ServiceAccount comes a moment after
        // the namespace, and until then the API server refuses its pods: apply again.
        for manifest in [ClusterUnderTest.demoManifest, ClusterUnderTest.rbacManifest] {
            var last = ProcessResult(status: 0, stdout: "", stderr: "")
            for attempt in 1...15 {
                last = try cluster.kubectl(["apply", "-f", manifest])
                if last.status == 0 { break }
                if attempt < 15 { Thread.sleep(forTimeInterval: 2) }
            }
            guard last.status == 0 else { throw TestFailure("kubectl apply -f \(manifest) failed for 30 s: \(last.stderr)") }
        }
        for (kind, namespace, name) in [
            ("deployment", "shop", "checkout"), ("statefulset", "shop", "db"), ("deployment", "payments", "ledger"),
            ("deployment", "hardened", "vault"),
        ] {
            let status = try cluster.kubectl(["rollout", "status", "\(kind)/\(name)", "-n", namespace, "--timeout=180s"], timeout: 200)
            guard status.status == 0 else { throw TestFailure("\(kind) \(namespace)/\(name) did not roll out: \(status.stderr)") }
        }
        try cluster.waitUntilRunning(namespace: "shop", pod: "busy")
        done = true
    }
}

/// Runs a short command with posix_spawn and waitpid, its stdout and stderr in files.
/// Used for nsenter into a lab container: Foundation's Process (on Linux) was seen
/// never to notice the exit of an nsenter whose child left a daemon behind.
enum DirectSpawn {
    static func run(_ argv: [String], timeout: TimeInterval = 60) throws -> ProcessResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outPath = directory.appendingPathComponent("stdout").path
        let errPath = directory.appendingPathComponent("stderr").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ)
        guard spawned == 0 else { throw TestFailure("cannot start \(argv[0]): error \(spawned)") }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if Date() >= deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw TestFailure("\(argv.joined(separator: " ")) did not finish within \(Int(timeout)) s")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ProcessResult(
            status: exitCode, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
