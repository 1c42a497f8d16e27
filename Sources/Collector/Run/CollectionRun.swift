import Bundle
import Crypto
import Evidence
import Foundation
import KubeAPI

/// A whole collection run: preflight, one shared watch, the fan-out over the
/// planned pods, and the bundle with its manifest.
///
/// `@unchecked Sendable`: the interrupt flags are guarded by `lock`; the rest
/// is immutable after init.
public final class CollectionRun: @unchecked Sendable {
    let client: KubeClient
    public let request: CollectionRequest
    let progress: any RunObserver
    private let lock = NSLock()
    private var interrupted = false
    private var hardStopped = false
    let board: PodStateBoard
    /// The client's time: a test's clock reaches the run's deadlines through it.
    private var time: any TimeSource { client.options.time }
    /// The task running the fan-out's group, cancelled by a hard stop.
    private var fanOutTask: Task<Void, Never>?

    public init(client: KubeClient, request: CollectionRequest, progress: any RunObserver) {
        self.client = client
        self.request = request
        self.progress = progress
        self.board = PodStateBoard(time: client.options.time)
    }

    /// The outcome of a run, for the summary and the exit status.
    public struct Result: Sendable {
        public var bundle: FinishedBundle
        public var manifest: Manifest { bundle.manifest }

        public func count(_ outcome: Manifest.Outcome) -> Int {
            manifest.pods.filter { $0.outcome == outcome }.count
        }
    }

    /// Stops admitting pods; in-flight pods get `interruptGrace` seconds to
    /// finish, then their waits end and they are marked interrupted. A second
    /// call stops at once.
    public func interrupt() {
        lock.lock()
        let second = interrupted
        interrupted = true
        lock.unlock()
        if second {
            stopHard()
            return
        }
        progress.notice("Interrupted: no more pods will be injected; waiting up to \(Int(request.interruptGrace)) s for the pods in flight (interrupt again to stop now).")
        let (time, grace) = (time, request.interruptGrace)
        Task { [weak self] in
            try? await time.sleep(seconds: grace)
            self?.stopHard()
        }
    }

    /// Remembers the fan-out's task for a hard stop; true when the run was
    /// already stopped hard (the caller cancels it then).
    func registerFanOut(_ task: Task<Void, Never>) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        fanOutTask = task
        return hardStopped
    }

    /// Ends every wait and cancels every pod's task, and with them their HTTP
    /// requests (a log read included): the pods in flight end interrupted.
    private func stopHard() {
        lock.lock()
        hardStopped = true
        let fanOut = fanOutTask
        lock.unlock()
        board.cancelAll()
        fanOut?.cancel()
    }

    var isInterrupted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return interrupted
    }

    var isHardStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return hardStopped
    }

    /// Checks that the run can work at all, before any pod is touched, and
    /// remembers the namespaces that refused. Throws when every one did.
    public func preflight() async throws {
        if request.method == .node {
            // One helper namespace for every node: its refusal is the whole run's.
            if let helper = sampleNodeHelper { try await Preflight(client: client).checkNodeHelper(helper) }
            return
        }
        // The dry run sends what the run will send: with --all-containers, every evidence container of the pod.
        let groups = request.plan.targetsByPod
        let refused = try await Preflight(client: client).check(plan: request.plan) { target in
            let group = groups.first { $0.first?.namespace == target.namespace && $0.first?.pod == target.pod } ?? [target]
            return try EphemeralContainer.strategicMergePatch(group.map { request.evidenceContainer(for: $0) })
        }
        record(refused: refused)
        for namespace in refused.keys.sorted() {
            progress.notice("warning: namespace \(namespace) refused the preflight; its pods will not be touched: \(refused[namespace]!.message)")
        }
    }

    private var refusedNamespaces: [String: PodFailure] = [:]

    private func record(refused: [String: PodFailure]) {
        lock.lock()
        refusedNamespaces = refused
        lock.unlock()
    }

    /// The namespaces the preflight refused, with why (for `--dry-run=server`).
    public var refusedPreflight: [String: PodFailure] {
        lock.lock()
        defer { lock.unlock() }
        return refusedNamespaces
    }

    func refusal(for namespace: String) -> PodFailure? {
        lock.lock()
        defer { lock.unlock() }
        return refusedNamespaces[namespace]
    }

    /// Runs the collection and writes the bundle. Throws only when no bundle
    /// can be written at all; every pod's failure is in the manifest.
    public func run() async throws -> Result {
        let startedAt = Date()
        let writer = try BundleWriter(path: request.outputPath, overwrite: request.overwrite)
        let sink = BundleSink(writer: writer)
        progress.start()
        let part = await collect(into: sink)
        progress.finish()
        var manifest = Manifest(
            tool: request.manifestTool, run: request.manifestRun(startedAt: startedAt, interrupted: part.interrupted), cluster: part.cluster,
            selection: request.plan.selection.manifestSelection)
        if request.method == .ephemeral { manifest.run.scriptDelivery = request.scriptDelivery.rawValue }
        manifest.run.method = request.method.rawValue
        manifest.pods = part.entries
        return Result(bundle: try await sink.finish(manifest, signer: request.signingKey?.signer))
    }

    /// What one cluster's collection leaves for the manifest.
    struct ClusterPart: Sendable {
        var cluster: Manifest.Cluster
        /// Every planned and skipped pod's entry, sorted, naming the cluster in a bundle of several.
        var entries: [Manifest.Pod]
        var interrupted: Bool
    }

    /// The collection itself, into a writer that may be shared with other
    /// clusters' runs (``FleetRun``): the watch, the fan-out, every pod's entry.
    /// Starting and finishing the observer is the caller's.
    /// `slots`, when given, bound the pods in flight together with other clusters' runs.
    func collect(into sink: BundleSink, sharing slots: DispatchFanOut.Slots? = nil) async -> ClusterPart {
        let cluster = await clusterRecord()
        if request.method == .node {
            return ClusterPart(cluster: cluster, entries: await collectThroughNodes(into: sink, sharing: slots), interrupted: isInterrupted)
        }
        if request.plan.allContainers == true {
            progress.notice("Each collected pod gets one ephemeral container per running container (--all-containers), named \(request.runID.containerName)-<container>. Kubernetes cannot remove ephemeral containers: they stay in the pod's spec, terminated, until the pod is deleted.")
        } else {
            progress.notice("Each collected pod gets an ephemeral container named \(request.runID.containerName). Kubernetes cannot remove ephemeral containers: it stays in the pod's spec, terminated, until the pod is deleted.")
        }
        let containers = request.plan.allContainers == true ? request.plan.targets.count : 0
        progress.update({ $0.selected = request.plan.selectedCount; $0.containers = containers })
        if let warning = request.plan.crowdedWarning { progress.notice(warning) }

        // One watch for the whole selection feeds every pod's wait.
        let tracked = Set(request.plan.targets.map { PodKey(namespace: $0.namespace, name: $0.pod) })
        board.track(tracked)
        let selection = request.plan.selection
        // It retries for as long as the run lasts (see PodWatchRelisting); while it is
        // down no pod is injected, and pods in flight are read by name.
        let watch = Task { [board, client, progress] in
            var interrupted = false
            do {
                for try await update in client.watchPodsRelisting(
                    namespace: selection.namespace, labelSelector: selection.labelSelector, fieldSelector: selection.serverFieldSelector) {
                    board.apply(update)
                    switch update {
                    case .interrupted(let reason, _) where !interrupted:
                        interrupted = true
                        progress.notice("warning: the watch of the selection was interrupted (\(reason)); it is tried again until it is back. No pod is injected meanwhile, and pods in flight are read by name after \(Int(PodStateBoard.fallbackAfter)) s.")
                    case .relisted where interrupted, .resumed where interrupted:
                        interrupted = false
                        progress.notice("The watch of the selection is back.")
                    default:
                        break
                    }
                }
                if !Task.isCancelled { board.fail("the API server ended the watch of the selection") }
            } catch {
                if !Task.isCancelled { board.fail("the watch of the selection failed: \(error)") }
            }
        }
        defer { watch.cancel() }

        let entries = PodEntries()
        // One item per pod: with --all-containers a pod has several targets, added in one PATCH.
        let pods = request.plan.targetsByPod
        // --concurrency bounds the evidence containers in flight (each holds one request at a
        // time, which the connection pool was sized for): with --all-containers, fewer pods.
        let fanOut = slots.map { DispatchFanOut(sharing: $0) } ?? DispatchFanOut(limit: request.plan.podsInFlight(concurrency: request.concurrency))
        let group = Task { [self] in
            await fanOut.run(
            pods,
            shouldAdmit: { [weak self] in !(self?.isInterrupted ?? true) },
            notStarted: { [progress] targets in
                for target in targets {
                    entries.append(target.entry(outcome: .interrupted, reason: "Interrupted",
                                                message: "The run was interrupted before this pod was touched; it has no evidence container."))
                    progress.update({ $0.interrupted += 1 })
                }
            },
            work: { [self, sink] targets in
                guard let target = targets.first else { return }
                if let notInjected = await admit(target, targets: targets.count, outageBoundsTheCluster: slots != nil) {
                    for other in targets {
                        var entry = notInjected
                        entry.targetContainer = other.targetContainer
                        entries.append(entry)
                    }
                    return
                }
                if let failure = refusal(for: target.namespace) {
                    for other in targets {
                        entries.append(Manifest.Pod(
                            namespace: other.namespace, name: other.pod, uid: other.uid ?? "", node: other.node, phase: other.phase,
                            targetContainer: other.targetContainer, outcome: .failed, reason: failure.reason.rawValue,
                            failedStep: .preflight, message: failure.message))
                        progress.update({ $0.failed += 1 }, event: "failed     \(other.namespace)/\(other.pod): \(failure.message)")
                    }
                    return
                }
                let collections = targets.map { target in
                    PodCollection(
                        client: client, request: request, board: board, sink: sink, progress: progress, target: target,
                        hardStopped: { [weak self] in self?.isHardStopped ?? true })
                }
                for entry in await PodGroupCollection(collections: collections).run() { entries.append(entry) }
                board.forget(collections[0].key)
            })
        }
        if registerFanOut(group) { group.cancel() }
        await withTaskCancellationHandler {
            await group.value
        } onCancel: {
            group.cancel()
        }
        watch.cancel()

        return ClusterPart(cluster: cluster, entries: finalEntries(entries), interrupted: isInterrupted)
    }

    /// The run's entries with the skipped pods added, sorted, naming the cluster in a bundle of several.
    func finalEntries(_ entries: PodEntries) -> [Manifest.Pod] {
        for skip in request.plan.skipped {
            entries.append(Manifest.Pod(
                namespace: skip.namespace, name: skip.pod, uid: "", node: skip.node, phase: skip.phase,
                targetContainer: "", outcome: .skipped, reason: skip.reason.rawValue, message: skip.explanation))
        }
        var all = entries.all.sorted { ($0.namespace, $0.name, $0.targetContainer) < ($1.namespace, $1.name, $1.targetContainer) }
        if let name = request.clusterName {
            for index in all.indices { all[index].cluster = name }
        }
        return all
    }

    /// Waits until the shared watch reports the selection before a pod is
    /// injected: a container added while nothing can see it settle would stay
    /// in the pod for nothing. Returns the pod's entry when it is not to be
    /// injected (the run was stopped, the watch failed for good, or it stayed
    /// down for the pod's whole timeout); nil to go on.
    ///
    /// `outageBoundsTheCluster`: in a run across clusters, whose fan-outs share
    /// their slots, each pod waiting here holds a slot the other clusters could
    /// use; once this cluster's watch has been down for a whole pod timeout, its
    /// pods not yet injected fail at once instead of each waiting a timeout more
    /// (which would let a dead cluster end up holding every slot).
    private func admit(_ target: PlannedTarget, targets count: Int = 1, outageBoundsTheCluster: Bool = false) async -> Manifest.Pod? {
        let limit = request.profile.timeouts.podSeconds
        let ownDeadline = time.now.addingTimeInterval(limit)
        while !board.isWatching {
            var deadline = ownDeadline
            if outageBoundsTheCluster, let since = board.downSince { deadline = min(deadline, since.addingTimeInterval(limit)) }
            let entry = { (outcome: Manifest.Outcome, reason: String, message: String) -> Manifest.Pod in
                target.entry(outcome: outcome, reason: reason, failedStep: .inject, message: message)
            }
            if isInterrupted || isHardStopped {
                progress.update({ $0.interrupted += count })
                return entry(.interrupted, "Interrupted", "The run was interrupted before this pod was touched; it has no evidence container.")
            }
            if case .watchFailed(let why)? = board.ended {
                progress.update({ $0.failed += count })
                return entry(.failed, PodFailure.Reason.watchFailed.rawValue,
                             "The watch of the selection failed (\(why)), so \(target.namespace)/\(target.pod) was not injected; it has no evidence container.")
            }
            if time.now >= deadline {
                progress.update({ $0.failed += count })
                return entry(.failed, PodFailure.Reason.watchFailed.rawValue,
                             "The watch of the selection was down for \(Int(limit)) s, so \(target.namespace)/\(target.pod) was not injected; it has no evidence container.")
            }
            // Woken by the watch's next list; at least once a second, to see an interrupt.
            _ = await board.waitUntilWatching(timeout: min(1, max(0.01, time.seconds(until: deadline))))
        }
        return nil
    }

    /// Who runs it, against what: for the manifest, and for the line that says
    /// where before the first injection. Asked of the server once per run.
    /// Failures here cost only those fields (older servers lack SelfSubjectReview).
    public func clusterRecord() async -> Manifest.Cluster {
        if let known = knownCluster() { return known }
        let connection = client.connection
        var cluster = Manifest.Cluster(server: connection.server, contextName: connection.contextName,
                                       caFingerprintSHA256: connection.caFingerprintSHA256)
        if let impersonation = connection.impersonation {
            cluster.impersonation = .init(
                user: impersonation.user, uid: impersonation.uid, groups: impersonation.groups, origin: impersonation.origin)
        }
        cluster.proxy = connection.proxy?.displayURL
        if let version = try? await client.serverVersion() { cluster.serverVersion = version.gitVersion }
        if let review = try? await client.selfSubjectReview(), let info = review.status?.userInfo {
            cluster.user = .init(username: info.username ?? "", groups: info.groups)
        }
        lock.withLock { identified = cluster }
        return cluster
    }

    private var identified: Manifest.Cluster?

    private func knownCluster() -> Manifest.Cluster? {
        lock.withLock { identified }
    }
}

/// The manifest entries as pods finish, from many tasks.
/// `@unchecked Sendable`: `entries` is guarded by `lock`.
final class PodEntries: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Manifest.Pod] = []

    func append(_ entry: Manifest.Pod) {
        lock.lock()
        entries.append(entry)
        lock.unlock()
    }

    var all: [Manifest.Pod] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }
}
