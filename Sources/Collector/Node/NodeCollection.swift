import Bundle
import Crypto
import Evidence
import Foundation
import KubeAPI

/// One node's collection with `--via node`: create its helper pod, wait for it
/// to start, follow its log and write each target's section as it arrives,
/// then delete the helper. Every target ends with a manifest entry; nothing
/// here throws past the node, so one node's failure costs only its own pods.
struct NodeCollection: Sendable {
    let client: KubeClient
    let request: CollectionRequest
    let board: PodStateBoard
    let sink: BundleSink
    let progress: any RunObserver
    let node: String
    let targets: [PlannedTarget]
    let helperNamespace: String
    let hardStopped: @Sendable () -> Bool

    /// Targets the helper runs at once: enough to hide each script's forks, few
    /// enough that a node's CPU is not taken from the workload under investigation.
    static let parallelism = 4
    /// How long, after its output ended, the helper's termination message is waited for.
    static let messageWaitSeconds: TimeInterval = 10

    private var time: any TimeSource { client.options.time }

    /// With `--all-containers` a pod has a target per container, all on its node:
    /// the first of them writes the pod's `pod.json`, once.
    private func collection(_ target: PlannedTarget) -> PodCollection {
        var collection = PodCollection(client: client, request: request, board: board, sink: sink, progress: progress, target: target,
                                       hardStopped: hardStopped)
        collection.writesPodObject = targets.first { $0.namespace == target.namespace && $0.pod == target.pod } == target
        return collection
    }

    func run() async -> [Manifest.Pod] {
        var entries: [Manifest.Pod] = []
        var steps = [Manifest.StepTime(step: .helper, at: Date())]
        var helperTargets: [NodeHelperPod.Target] = []
        var planned: [Int: PlannedTarget] = [:]
        for (index, target) in targets.enumerated() {
            guard let id = NodeHelperPod.runtimeID(target.containerID), let uid = target.uid, NodeHelperPod.isSafeWord(uid) else {
                let shown = target.containerID.map { "\"\(DisplayText.line($0, cutAfter: 200))\"" } ?? "none"
                let failure = PodFailure(step: .helper, reason: .containerNotFound,
                                         message: "The status of \(target.namespace)/\(target.pod) gives no usable container ID for \(target.targetContainer) (\(shown)), so its processes cannot be found from the node.")
                entries.append(await collection(target).failed(onNode: failure, helper: nil, steps: steps, interrupted: false))
                continue
            }
            helperTargets.append(.init(index: index, podUID: uid, containerID: id))
            planned[index] = target
        }
        guard !helperTargets.isEmpty else { return entries }

        let jobs = min(Self.parallelism, helperTargets.count)
        let rounds = (helperTargets.count + jobs - 1) / jobs
        let outputSeconds = request.profile.timeouts.podSeconds * Double(rounds)
        // Each target is killed after the profile's time for a pod (secondsPerTarget), so
        // a round takes no longer than that and the helper no longer than its rounds.
        let helper = NodeHelperPod.of(request, node: node, namespace: helperNamespace, targets: helperTargets,
                                      activeDeadlineSeconds: Int((request.profile.timeouts.startSeconds + outputSeconds).rounded(.up)) + 30)
        let record = Manifest.NodeHelper(namespace: helperNamespace, pod: helper.name, hostPID: 0, match: "")
        let waiting = helperTargets.compactMap { planned[$0.index] }
        let failAll = { (failure: PodFailure, interrupted: Bool) async -> [Manifest.Pod] in
            var out: [Manifest.Pod] = []
            for target in waiting {
                out.append(await collection(target).failed(onNode: failure, helper: record, steps: steps, interrupted: interrupted))
            }
            return out
        }

        // Whatever happens next, the helper goes, on every path below, a failed create
        // too (its reply may have been lost after the pod was made; a 404 is the usual
        // answer), but never a pod that holds its name without its nonce. The delete
        // is an unstructured task, not cancelled with the run, so that an interrupt
        // still deletes it, and awaited, so that the tool does not exit before it is sent.
        let (namespace, name) = (helperNamespace, helper.name)
        let uid: String?
        switch await create(helper) {
        case .created(let made): uid = made
        case .squatted(let failure):
            return entries + (await failAll(failure, hardStopped() || Task.isCancelled))
        case .failed(let failure):
            _ = await deleteHelper(helper, uid: nil)
            return entries + (await failAll(failure, hardStopped() || Task.isCancelled))
        }
        progress.update({ $0.injected += waiting.count }, event: "helper     \(helper.name) on node \(node) for \(waiting.count) container\(waiting.count == 1 ? "" : "s")")
        if var failure = await waitUntilStarted(helper) {
            if let left = await deleteHelper(helper, uid: uid) { failure.message += " " + left }
            return entries + (await failAll(failure, hardStopped() || Task.isCancelled))
        }
        progress.update({ $0.running += waiting.count }, event: "running    \(helper.name) on node \(node)")
        steps.append(Manifest.StepTime(step: .log, at: Date()))

        let asked = Set(helperTargets.map(\.index))
        let reader = NodeOutputReader(bodyLimit: request.profile.outputCapBytes + (1 << 20), expected: asked)
        let outputStarted = time.now
        let (stepsSoFar, plannedByIndex) = (steps, planned)
        let handle = { @Sendable (section: NodeHelperOutput.Section) async -> Manifest.Pod? in
            guard let target = plannedByIndex[section.index] else { return nil }
            let found = Manifest.NodeHelper(namespace: namespace, pod: name, hostPID: section.hostPID, match: section.match)
            return await collection(target).collect(fromNode: section, helper: found, steps: stepsSoFar)
        }
        var streamFailure: String?
        do {
            try await Deadline.run(seconds: outputSeconds, time: time) { [client] in
                for try await chunk in client.streamLog(namespace: namespace, pod: name, container: NodeHelperPod.containerName, follow: true) {
                    for section in reader.consume(chunk) {
                        if let entry = await handle(section) { reader.add(entry, index: section.index) }
                    }
                }
            }
        } catch let passed as Deadline.Passed {
            streamFailure = "its output did not end within \(Int(passed.seconds)) s (--timeout for each round of \(jobs) containers)"
        } catch {
            streamFailure = "reading its log failed: \(error)"
        }
        // A stream that ended without the helper's last line was cut (a kubelet that
        // stopped following, a proxy's idle timeout), however cleanly it closed.
        if streamFailure == nil, reader.doneTargets == nil, reader.damage == nil {
            streamFailure = "its log ended before the helper's last line"
        }
        let interrupted = hardStopped() || Task.isCancelled
        // A cut stream: the helper's log stays until it is deleted; read it whole once it ended.
        if streamFailure != nil, !interrupted, reader.missing(of: helperTargets.map(\.index)).count > 0 {
            let left = max(Self.messageWaitSeconds, outputSeconds - time.now.timeIntervalSince(outputStarted))
            if let log = await readWholeLogAfterEnd(helper, waitSeconds: left) {
                let fresh = NodeOutputReader(bodyLimit: request.profile.outputCapBytes + (1 << 20), expected: asked)
                for section in fresh.consume(log) where !reader.done(section.index) {
                    if let entry = await handle(section) { reader.add(entry, index: section.index) }
                }
                reader.noteReread(fresh.damage)
            }
        }
        let verdict = await helperVerdict(helper, reader: reader, wholeStream: streamFailure == nil)
        var finished = reader.entries
        if let verdict {
            for index in finished.indices where finished[index].outcome == .collected {
                finished[index].message += " " + verdict
            }
        }
        entries += finished
        let missing = reader.missing(of: helperTargets.map(\.index))
        if !missing.isEmpty {
            var why = streamFailure ?? reader.damage ?? "its output ended before this container's section"
            if let state = await helperState(helper) { why += "; the helper \(state)" }
            let failure = PodFailure(step: .log, reason: .helperFailed,
                                     message: "The node helper \(helper.name) on \(node) gave no evidence for this pod: \(why).")
            for index in missing {
                guard let target = planned[index] else { continue }
                entries.append(await collection(target).failed(onNode: failure, helper: record, steps: steps, interrupted: interrupted))
            }
        }
        if let left = await deleteHelper(helper, uid: uid) {
            for index in entries.indices { entries[index].message += " " + left }
        }
        return entries
    }

    /// Deletes the helper (only the pod of `uid`, when known), asking again while the
    /// server says to for up to 30 s; nil once it is gone, else a sentence for the
    /// pods' messages with the command that deletes it. Not cancelled with the run
    /// (an unstructured task), so that an interrupt still deletes it.
    private func deleteHelper(_ helper: NodeHelperPod, uid: String?) async -> String? {
        let (client, time) = (client, time)
        return await Task { () -> String? in
            let until = time.now.addingTimeInterval(30)
            do {
                try await AskAgain.whileTransient(time: time, while: { time.now < until }) {
                    try await client.deletePod(namespace: helper.namespace, name: helper.name, uid: uid)
                }
                return nil
            } catch {
                return "The node helper \(helper.namespace)/\(helper.name) could not be deleted (\(error)); it ends at its activeDeadlineSeconds, or delete it now: kubectl delete pod -n \(helper.namespace) \(helper.name)."
            }
        }.value
    }

    /// What creating the helper came to.
    enum Creation {
        /// Made: its UID, for a delete that can only take this pod.
        case created(uid: String?)
        /// Not made, as far as is known; a lost reply may still have made it, so it is deleted by name.
        case failed(PodFailure)
        /// Another pod holds the name (not this run's): it is left alone.
        case squatted(PodFailure)
    }

    /// A pod under the helper's name that is not the helper.
    struct NameTaken: Error {}

    /// Creates the helper. A 409 after a lost reply is this run's own pod only if it
    /// carries the helper's nonce; anything else under the name is not touched.
    private func create(_ helper: NodeHelperPod) async -> Creation {
        do {
            let body = try helper.json()
            let until = time.now.addingTimeInterval(request.profile.timeouts.startSeconds)
            let pod = try await AskAgain.whileTransient(time: time, while: { time.now < until && !hardStopped() }) {
                do {
                    return try await client.createPod(namespace: helper.namespace, body: body)
                } catch let error as KubeAPIError where error.statusCode == 409 {
                    let found = try await client.getPod(namespace: helper.namespace, name: helper.name)
                    guard helper.isThis(found) else { throw NameTaken() }
                    return found
                }
            }
            return .created(uid: pod.metadata.uid)
        } catch is NameTaken {
            return .squatted(PodFailure(step: .helper, reason: .helperFailed,
                                        message: "A pod named \(helper.namespace)/\(helper.name) was already there and is not this run's node helper (it lacks the helper's nonce); it was left as it is, and the pods of node \(helper.node) were not collected. Someone who can create pods in \(helper.namespace) made it: look at it, and use a --helper-namespace only the responders can write to."))
        } catch {
            return .failed(Self.creationFailure(error, helper: helper))
        }
    }

    static func creationFailure(_ error: any Error, helper: NodeHelperPod) -> PodFailure {
        let what = "the node helper \(helper.namespace)/\(helper.name) for node \(helper.node)"
        guard let api = error as? KubeAPIError else {
            return PodFailure(step: .helper, reason: .helperFailed, message: "Creating \(what) failed: \(error).")
        }
        let server = api.serverStatus?.message ?? api.description
        switch api.statusCode {
        case 403 where PodFailure.isAdmission(server):
            return PodFailure(step: .helper, reason: .admission,
                              message: "Admission refused \(what): \(server). The node method needs a namespace whose Pod Security admits privileged pods (--helper-namespace names one).")
        case 403:
            return PodFailure(step: .helper, reason: .rbac,
                              message: "Not allowed to create \(what): \(server). The node method needs create, get and delete on pods and get on pods/log in the helper's namespace.")
        default:
            return PodFailure(step: .helper, reason: .helperFailed, message: "Creating \(what) failed: \(server).")
        }
    }

    /// Waits until the helper's container runs or has ended; a failure when it
    /// cannot start (image, admission by the kubelet, deadline) or is not seen
    /// starting within the profile's start timeout.
    private func waitUntilStarted(_ helper: NodeHelperPod) async -> PodFailure? {
        let limit = request.profile.timeouts.startSeconds
        let until = time.now.addingTimeInterval(limit)
        var last = "not reported"
        while time.now < until {
            if hardStopped() || Task.isCancelled {
                return PodFailure(step: .helper, reason: .helperFailed, message: "The run was interrupted while the node helper \(helper.name) was starting; it was deleted.")
            }
            if let pod = try? await client.getPod(namespace: helper.namespace, name: helper.name) {
                if pod.status.phase == "Failed" {
                    return PodFailure(step: .helper, reason: .helperFailed,
                                      message: "The node helper \(helper.name) failed before it ran: \(pod.status.reason ?? "Failed")\(pod.status.message.map { ": \($0)" } ?? "").")
                }
                if let state = pod.status.containerStatuses.first?.state {
                    if state.running != nil || state.terminated != nil { return nil }
                    if let waiting = state.waiting {
                        last = "waiting" + (waiting.reason.map { " (\($0))" } ?? "") + (waiting.message.map { ": \($0)" } ?? "")
                        let hopeless = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError"]
                        if let reason = waiting.reason, hopeless.contains(reason) {
                            let isPull = reason.contains("Image")
                            return PodFailure(step: .helper, reason: isPull ? .imagePull : .helperFailed,
                                              message: "The node helper \(helper.name) on \(helper.node) could not start: \(last)."
                                                + (isPull ? " Is the image \(helper.image) reachable from the node? --image names another." : ""))
                        }
                    }
                }
            }
            try? await time.sleep(seconds: 0.25)
        }
        return PodFailure(step: .helper, reason: .timeout,
                          message: "The node helper \(helper.name) on \(helper.node) did not start within \(Int(limit)) s (it was \(last)).")
    }

    /// The helper's log read whole once its container has ended (after a cut
    /// stream), waiting for that up to `waitSeconds`: what is left of its deadline.
    private func readWholeLogAfterEnd(_ helper: NodeHelperPod, waitSeconds: TimeInterval) async -> [UInt8]? {
        _ = await terminationMessage(helper, waitSeconds: waitSeconds)
        let limit = 64 << 20
        return try? await Deadline.run(seconds: request.profile.timeouts.podSeconds, time: time) { [client] in
            try await AskAgain.whileTransient(time: client.options.time) {
                try await client.readLog(namespace: helper.namespace, pod: helper.name, container: NodeHelperPod.containerName, limit: limit)
            }
        }
    }

    /// The helper's termination message once its container has ended (nil if not within `waitSeconds`).
    private func terminationMessage(_ helper: NodeHelperPod, waitSeconds: TimeInterval = messageWaitSeconds) async -> String? {
        let until = time.now.addingTimeInterval(waitSeconds)
        while time.now < until, !hardStopped(), !Task.isCancelled {
            if let pod = try? await client.getPod(namespace: helper.namespace, name: helper.name),
               let terminated = pod.status.containerStatuses.first?.state.terminated {
                return terminated.message ?? ""
            }
            try? await time.sleep(seconds: 0.25)
        }
        return nil
    }

    /// A sentence for the collected pods when the helper's whole output cannot
    /// be checked against the helper's own digest; nil when it matches. Each
    /// pod's evidence is checked against its script's digest either way; this
    /// covers the helper's lines around it (the host pid, how it matched).
    private func helperVerdict(_ helper: NodeHelperPod, reader: NodeOutputReader, wholeStream: Bool) async -> String? {
        guard wholeStream else {
            return "The node helper's stream broke off and its log was read again; its own lines (host pid, match) could not be checked against its digest."
        }
        guard let message = await terminationMessage(helper) else {
            return "The node helper left no termination message, so its own lines (host pid, match) could not be checked against its digest."
        }
        let actual = reader.digest
        switch TerminationMessage.parse(message) {
        case .digest(let expected) where expected == actual:
            return nil
        case .digest(let expected):
            return "The node helper's own output does not match its digest: it reported \(expected.byteCount) bytes with SHA-256 \(expected.sha256), the stream had \(actual.byteCount) bytes with SHA-256 \(actual.sha256)."
        case .scriptError(let text):
            return "The node helper ended with an error: \(text)"
        case .unrecognised(let text):
            return "The node helper's termination message \"\(DisplayText.line(text, cutAfter: 200))\" is not its digest, so its own lines could not be checked."
        }
    }

    /// The helper's state in a few words, for a target it gave nothing for.
    private func helperState(_ helper: NodeHelperPod) async -> String? {
        guard let pod = try? await client.getPod(namespace: helper.namespace, name: helper.name) else { return nil }
        if let terminated = pod.status.containerStatuses.first?.state.terminated {
            return "ended with exit code \(terminated.exitCode)\(terminated.reason.map { " (\($0))" } ?? "")\(terminated.message.map { ": \($0)" } ?? "")"
        }
        if pod.status.phase == "Failed" { return "failed: \(pod.status.reason ?? "")\(pod.status.message.map { " \($0)" } ?? "")" }
        return nil
    }
}

/// The helper's output as it streams in, shared by the stream's task and the
/// node's: the splitter, the entries made so far, and the bytes' digest.
/// `@unchecked Sendable`: all state is guarded by `lock`.
final class NodeOutputReader: @unchecked Sendable {
    private let lock = NSLock()
    private var splitter: NodeHelperOutput
    private var made: [Manifest.Pod] = []
    private var indices: Set<Int> = []
    private var hasher = SHA256()
    private var count = 0
    private var rereadDamage: String?

    init(bodyLimit: Int, expected: Set<Int>? = nil) {
        splitter = NodeHelperOutput(bodyLimit: bodyLimit, expected: expected)
    }

    func consume(_ chunk: [UInt8]) -> [NodeHelperOutput.Section] {
        lock.withLock {
            hasher.update(data: chunk)
            count += chunk.count
            return splitter.consume(chunk)
        }
    }

    func add(_ entry: Manifest.Pod, index: Int) {
        lock.withLock {
            made.append(entry)
            indices.insert(index)
        }
    }

    func done(_ index: Int) -> Bool { lock.withLock { indices.contains(index) } }
    func missing(of all: [Int]) -> [Int] { lock.withLock { all.filter { !indices.contains($0) } } }
    var entries: [Manifest.Pod] { lock.withLock { made } }
    var damage: String? { lock.withLock { splitter.damage?.description ?? rereadDamage } }
    /// The helper's count of targets from its last line, once read.
    var doneTargets: Int? { lock.withLock { splitter.doneTargets } }
    func noteReread(_ damage: String?) { lock.withLock { rereadDamage = damage } }
    /// The SHA-256 and size of every byte of the stream so far, for the helper's own digest.
    var digest: OutputDigest {
        lock.withLock {
            OutputDigest(sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined(), byteCount: count)
        }
    }
}
