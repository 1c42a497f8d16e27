import Bundle
import Evidence
import Foundation
import KubeAPI

/// One pod's collection: inject, wait, read, check, unpack, write. Every way
/// it can end becomes a manifest entry; nothing here throws past the pod, so
/// one pod's failure never stops another, and whatever was read before a
/// failure is still written to the bundle.
struct PodCollection: Sendable {
    let client: KubeClient
    let request: CollectionRequest
    let board: PodStateBoard
    let sink: BundleSink
    let progress: any RunObserver
    let target: PlannedTarget
    /// True once the run has been interrupted for good: stop waiting.
    let hardStopped: @Sendable () -> Bool
    /// With `--all-containers`, the PATCH that added this pod's evidence containers
    /// together (`PodGroupCollection`); nil: this collection adds its own.
    var sharedInjection: SharedInjection? = nil
    /// Whether this collection writes the pod's `pod.json`: false in a `PodGroupCollection`,
    /// which writes it once for the pod after all its containers.
    var writesPodObject = true

    /// One PATCH's result, shared by the collections of a pod's evidence containers.
    struct SharedInjection: Sendable {
        var at: Date
        var result: InjectionResult
    }

    enum InjectionResult: Sendable {
        case added(Pod)
        case failed(Ending)
    }

    var key: PodKey { PodKey(namespace: target.namespace, name: target.pod) }
    /// The pod as the run's events name it: with `--all-containers`, with its container.
    var shown: String { target.targetChosenBy == .allContainers ? "\(key) [\(target.targetContainer)]" : key.description }
    /// What ran the script, as messages name it.
    var runner: String {
        request.method == .node ? "The in-pod script, run for \(key) by its node's helper," : "The evidence container in \(key)"
    }
    /// The client's time, on which every deadline of the pod is measured.
    var time: any TimeSource { client.options.time }

    /// Mutable record of the pod's run, turned into the manifest entry.
    struct Record: Sendable {
        var steps: [Manifest.StepTime] = []
        var files: [String] = []
        var evidenceContainer: Manifest.EvidenceContainer?
        var pod: Pod?
        var summary: Manifest.EvidenceCounts?
        /// The pod's labels stopped matching the selector during the run: the shared
        /// watch lost it, and it was followed by name.
        var leftSelection = false
        /// True once the pod was read by name because the shared watch was down.
        var readWhileWatchDown = false
        /// What was masked before writing.
        var redactions: [Manifest.Redaction] = []

        mutating func begin(_ step: Manifest.Step) {
            steps.append(Manifest.StepTime(step: step, at: Date()))
        }
    }

    func run() async -> Manifest.Pod {
        var record = Record()
        let container = request.evidenceContainer(for: target)
        var outcome = await collect(container: container, record: &record)
        // A pod that failed after the injection still leaves its pod JSON
        // (with the evidence container's last status) in the bundle.
        if case .collected = outcome {} else if writesPodObject, record.pod != nil, !record.files.contains(where: { $0.hasSuffix("/pod.json") }) {
            if let failure = await write([], record: &record), case .collected = outcome { outcome = .failed(failure) }
        }
        return entry(record: record, outcome: outcome)
    }

    /// The least time a log read gets, even when the waits used up --timeout.
    static let minimumLogSeconds: TimeInterval = 5

    enum Ending: Sendable {
        case collected(message: String)
        case failed(PodFailure)
        case interrupted(String)
    }

    /// Adds `containers` to the pod in one PATCH (sent again while the API server
    /// is unreachable, for up to the start timeout).
    func inject(_ containers: [EvidenceContainer]) async -> InjectionResult {
        let names = containers.map(\.name).joined(separator: ", ")
        do {
            let patch = try EphemeralContainer.strategicMergePatch(containers)
            // Sent again while the API server is unreachable, for up to the start timeout.
            let retryUntil = time.now.addingTimeInterval(request.profile.timeouts.startSeconds)
            let pod = try await AskAgain.whileTransient(time: time, while: { time.now < retryUntil && !hardStopped() }) {
                try await client.patchPod(namespace: key.namespace, name: key.name, subresource: "ephemeralcontainers",
                                          patch: patch, type: .strategicMerge)
            }
            if let uid = target.uid, let now = pod.metadata.uid, uid != now {
                return .failed(.failed(PodFailure(step: .inject, reason: .podReplaced,
                                                  message: "The pod \(key) was replaced by a new pod with the same name (UID \(now), planned \(uid)); the new pod got the evidence container and is not the pod that was selected.")))
            }
            board.observe(pod, fromWatch: false)
            return .added(pod)
        } catch {
            if hardStopped() || Task.isCancelled {
                return .failed(.interrupted("The run was interrupted while the evidence container was being added to \(key); it may have been added (\(names))."))
            }
            var exists: Bool?
            if (error as? KubeAPIError)?.statusCode == 404 { exists = await client.podExists(key, plannedUID: target.uid) }
            return .failed(.failed(PodFailure.fromInjection(error, pod: key, podExists: exists)))
        }
    }

    private func collect(container: EvidenceContainer, record: inout Record) async -> Ending {
        // Inject (or take this pod's shared PATCH).
        let injection: InjectionResult
        if let sharedInjection {
            record.steps.append(Manifest.StepTime(step: .inject, at: sharedInjection.at))
            injection = sharedInjection.result
        } else {
            record.begin(.inject)
            injection = await inject([container])
        }
        switch injection {
        case .failed(let ending):
            return ending
        case .added(let pod):
            record.pod = pod
            record.evidenceContainer = Manifest.EvidenceContainer(name: container.name, image: container.image ?? "",
                                                                  runAsUser: container.securityContext?.runAsUser.map { Int($0) })
        }
        progress.waiting(key.description, reason: "NotReported")
        progress.update({ $0.injected += 1 }, event: "injected   \(key) (\(container.name) → \(target.targetContainer))")
        // --timeout runs from here to the log being read.
        let deadline = time.now.addingTimeInterval(request.profile.timeouts.podSeconds)

        // Wait until it runs (or cannot), then until it has finished.
        record.begin(.wait)
        let name = container.name
        let uid = target.uid
        let started = await waitUntilSettled(
            container: name, timeout: request.profile.timeouts.startSeconds, runningCounts: true, record: &record)
        var observed: PodStateBoard.Observation
        switch started {
        case .success(let observation):
            observed = observation
        case .failure(let end):
            return waitEnded(end, phase: "start", limit: request.profile.timeouts.startSeconds, record: record)
        }
        if case .present(let pod) = observed, case .running = EvidenceContainerState(pod: pod, containerName: name) {
            progress.update({ $0.running += 1 }, event: "running    \(shown)")
        }
        // With attach delivery the container is waiting for its script on stdin.
        var attached: DeliveredOutput?
        if request.scriptDelivery == .attach, case .present(let pod) = observed,
           case .running = EvidenceContainerState(pod: pod, containerName: name) {
            record.begin(.attach)
            switch await deliverScript(container: name, deadline: deadline) {
            case .success(let output): attached = output
            case .failure(let failure): return hardStopped() || Task.isCancelled ? .interrupted(failure.message) : .failed(failure)
            }
        }
        // What is left of --timeout: the attach session may have used much of it.
        let remaining = max(1, min(request.profile.timeouts.podSeconds - request.profile.timeouts.startSeconds, time.seconds(until: deadline)))
        let finished = await waitUntilSettled(container: name, timeout: remaining, runningCounts: false, record: &record)
        switch finished {
        case .success(let observation):
            observed = observation
        case .failure(let end):
            return waitEnded(end, phase: "finish", limit: request.profile.timeouts.podSeconds, record: record)
        }

        let pod: Pod
        switch observed {
        case .deleted:
            return .failed(PodFailure(step: .wait, reason: .podDeleted,
                                      message: "The pod \(key) was deleted while its evidence was being gathered."))
        case .present(let current):
            pod = current
        }
        if let uid, let now = pod.metadata.uid, uid != now {
            return .failed(PodFailure(step: .wait, reason: .podReplaced,
                                      message: "The pod \(key) was deleted and recreated (new UID \(now)) while its evidence was being gathered."))
        }
        record.pod = pod
        record.evidenceContainer?.imageID = pod.status.ephemeralContainerStatuses.first { $0.name == name }?.imageID
        let state = EvidenceContainerState(pod: pod, containerName: name)
        guard case .terminated(let exitCode, let reason, let message, _, _) = state else {
            if case .waiting(let reason, let message) = state {
                return .failed(Self.waitingFailure(key: key, image: request.profile.image, reason: reason, message: message))
            }
            return .failed(PodFailure(step: .wait, reason: .apiError, message: "The evidence container in \(key) ended in an unexpected state."))
        }

        // Read what it gathered — also after a failed exit: partial evidence is still evidence.
        // The attach stream's copy is used when it is whole (the script's own digest
        // says so); otherwise the log, which holds the same bytes, is read.
        var attachNote: String?
        if let attached {
            if case .matches = OutputIntegrity.verify(log: attached.stdout, terminationMessage: message) {
                record.evidenceContainer?.outputSource = "attach"
            } else {
                attachNote = attached.whyNotUsed(terminationMessage: message)
            }
        }
        if record.evidenceContainer?.outputSource == "attach", let attached {
            return await finish(log: attached.stdout, exitCode: exitCode, reason: reason, message: message, note: nil, record: &record)
        }
        if hardStopped() {
            return .interrupted("The run was interrupted before the evidence of \(key) was read; the container \(name) finished and its log stays on the node until the pod goes.")
        }
        record.begin(.log)
        let log: [UInt8]
        // What is left of the pod's time, and never less than a few seconds: a log
        // the kubelet has is read in well under a second.
        let logSeconds = max(Self.minimumLogSeconds, time.seconds(until: deadline))
        do {
            let (client, key, limit, time) = (client, key, request.profile.outputCapBytes + 1024 * 1024, time)
            // Asked again while the API server is unreachable, until the deadline.
            log = try await Deadline.run(seconds: logSeconds, time: time) {
                try await AskAgain.whileTransient(time: time) {
                    try await client.readLog(namespace: key.namespace, pod: key.name, container: name, limit: limit)
                }
            }
        } catch let passed as Deadline.Passed {
            return .failed(PodFailure(step: .log, reason: .timeout,
                                      message: "Reading the log of \(name) in \(key) did not finish within \(Int(passed.seconds.rounded(.up))) s (the rest of --timeout); the read was stopped. The container finished and its log stays on the node until the pod goes."))
        } catch {
            if hardStopped() || Task.isCancelled {
                return .interrupted("The run was interrupted while the log of \(name) in \(key) was being read; its log stays on the node until the pod goes.")
            }
            return .failed(PodFailure.fromTransport(error, step: .log, pod: key))
        }
        record.evidenceContainer?.outputSource = "log"
        return await finish(log: log, exitCode: exitCode, reason: reason, message: message, note: attachNote, record: &record)
    }

    /// Checks the output against the digest the script reported, unpacks it and
    /// writes it; `note` says why the log was read although the script came by attach.
    func finish(log: [UInt8], exitCode: Int32, reason: String?, message: String?, note: String?,
                        record: inout Record) async -> Ending {
        // Check it against the digest the script reported, unpack it, write it.
        record.begin(.decode)
        let verdict = OutputIntegrity.verify(log: log, terminationMessage: message)
        // Secrets in command lines are masked after the digest was checked on the log as read.
        var stored = log
        let frames: DecodedFrames
        if request.redact {
            let (masked, findings, maskedFrames) = EvidenceLogRedaction.redact(log)
            stored = masked
            frames = maskedFrames
            let path = BundlePath.container(namespace: key.namespace, pod: key.name, container: target.targetContainer, file: "evidence.raw", cluster: request.clusterName)
            record.redactions += findings.map { Manifest.Redaction(path: path.string, location: $0.location, rule: $0.rule) }
        } else {
            frames = FrameDecoder().decode(log)
        }
        record.begin(.write)
        // The pod's evidence: the log exactly as read (what the digest covers,
        // and from which every record can be rebuilt), then the files parsed
        // from it, each beside it.
        let containerFile = { (file: String) in
            BundlePath.container(namespace: key.namespace, pod: key.name, container: target.targetContainer, file: file, cluster: request.clusterName)
        }
        var items = [BundleSink.Item(path: containerFile("evidence.raw"), bytes: stored)]
        let report = EvidenceReport.build(from: frames.gatheredEvidence)
        for (file, value) in [(EvidenceFormat.processesFile, try? EvidenceJSON.encode(report.processes)),
                              (EvidenceFormat.socketsFile, try? EvidenceJSON.encode(report.sockets)),
                              (EvidenceFormat.namespacesFile, try? EvidenceJSON.encode(report.namespaces))] {
            guard let value else { continue }
            items.append(BundleSink.Item(path: containerFile(file), bytes: value))
        }
        record.summary = Self.counts(report.summary)
        record.evidenceContainer?.credentials = report.evidenceShell
        if !frames.errors.isEmpty {
            let text = frames.errors.prefix(200).map { "\($0)" }.joined(separator: "\n") + "\n"
            items.append(BundleSink.Item(path: containerFile("decode-errors.txt"), bytes: Array(text.utf8)))
        }
        // With --explode, every record also as a file of its own, last: they
        // have their own room in the bundle, reserved before they are
        // written, so they never cost the pod its evidence. Those that find
        // no room stay in evidence.raw only, and a file says so.
        if request.explode {
            let records = frames.records.filter { $0.kind != .end }
            let exploded = records.map { frame in
                BundleSink.Item(path: .gathered(namespace: key.namespace, pod: key.name, container: target.targetContainer,
                                                tree: "gathered", key: Self.gatheredKey(frame), cluster: request.clusterName),
                                bytes: frame.payload)
            }
            let room = sink.writer.reserveExplodedRecords(exploded.map { ($0.path, $0.bytes.count) })
            if room < exploded.count {
                let text = "\(exploded.count - room) of the \(exploded.count) records of this pod's output are not unpacked under gathered/ (from \(records[room].kind.rawValue) \(records[room].key) on): the bundle's room for exploded records (\(sink.writer.capacity.explodedFiles) files, \(sink.writer.capacity.explodedBytes >> 20) MiB) was used up. Every record is in evidence.raw; `kubectl-evidence inspect` reads it.\n"
                items.append(BundleSink.Item(path: containerFile("gathered-left-out.txt"), bytes: Array(text.utf8)))
            }
            items += exploded.prefix(room)
        }
        if let failure = await write(items, record: &record) { return .failed(failure) }

        if exitCode != 0 {
            return .failed(PodFailure(step: .wait, reason: .containerFailed,
                                      message: "\(runner) exited with code \(exitCode)\(reason.map { " (\($0))" } ?? ""): \(message ?? "no message"). What it wrote is in the bundle."))
        }
        switch verdict {
        case .matches:
            if !frames.isIntact {
                return .failed(PodFailure(step: .decode, reason: .truncated,
                                          message: "The evidence of \(key) matches its digest but its framing is damaged (\(frames.errors.first.map { "\($0)" } ?? "no trailer")); what could be read is in the bundle."))
            }
            var text = verdict.summary
            let maskedInLog = record.redactions.filter { $0.path.hasSuffix("/evidence.raw") }.count
            if maskedInLog > 0 {
                text += " \(maskedInLog) secret \(maskedInLog == 1 ? "value" : "values") in command lines \(maskedInLog == 1 ? "was" : "were") masked in evidence.raw after that check (see redactions)."
            }
            if let cut = frames.cut { text += " The output reached the profile's cap and was cut before \(cut.key)." }
            if let altered = report.evidenceMayBeAltered {
                text += " The evidence may be altered: \(altered.message)"
            }
            if record.leftSelection {
                text += " Its labels stopped matching the selector during the run; it was followed by name."
            }
            if record.readWhileWatchDown {
                text += " The watch of the selection was down during its wait; it was read by name meanwhile."
            }
            if let note { text += " " + note }
            return .collected(message: text)
        case .truncated:
            return .failed(PodFailure(step: .log, reason: .truncated, message: verdict.summary))
        case .mismatch, .unrecognisedMessage, .noMessage:
            return .failed(PodFailure(step: .log, reason: .hashMismatch, message: verdict.summary))
        case .scriptFailed:
            return .failed(PodFailure(step: .wait, reason: .containerFailed, message: verdict.summary))
        }
    }

    /// Writes the pod's files; also called for failures, to keep what was read.
    func write(_ items: [BundleSink.Item], record: inout Record) async -> PodFailure? {
        var all = items
        if writesPodObject, let pod = record.pod {
            let path = BundlePath.pod(namespace: key.namespace, pod: key.name, file: "pod.json", cluster: request.clusterName)
            var json = pod.rawJSON
            if request.redact {
                let (masked, findings) = PodJSONRedaction.redact(json)
                json = masked
                record.redactions += findings.map { Manifest.Redaction(path: path.string, location: $0.location, rule: $0.rule) }
            }
            all.insert(BundleSink.Item(path: path, bytes: json), at: 0)
        }
        do {
            record.files += try await sink.write(all, modified: Date())
            return nil
        } catch let failure as BundleSink.WriteFailure {
            record.files += failure.written
            return PodFailure(step: .write, reason: .bundleWrite, message: "Writing the evidence of \(key) into the bundle failed: \(failure.underlying)")
        } catch {
            return PodFailure(step: .write, reason: .bundleWrite, message: "Writing the evidence of \(key) into the bundle failed: \(error)")
        }
    }

    private func waitEnded(_ end: PodStateBoard.WaitEnd, phase: String, limit: TimeInterval, record: Record) -> Ending {
        switch end {
        case .cancelled:
            return .interrupted("The run was interrupted while waiting for the evidence container in \(key); it was added and may still be running.")
        case .watchFailed(let message):
            return .failed(PodFailure(step: .wait, reason: .watchFailed, message: "Lost track of \(key): \(message)"))
        case .watchDown:
            // waitUntilSettled reads the pod by name instead; this is not reached.
            return .failed(PodFailure(step: .wait, reason: .watchFailed, message: "Lost track of \(key): the watch of the selection is down."))
        case .timedOut:
            var detail = ""
            if case .present(let pod)? = board.latest(key) {
                switch EvidenceContainerState(pod: pod, containerName: request.evidenceContainerName(for: target)) {
                case .waiting(let reason, let message):
                    if reason == "ErrImagePull" || reason == "ImagePullBackOff" {
                        return .failed(Self.waitingFailure(key: key, image: request.profile.image, reason: reason, message: message))
                    }
                    detail = " It was still waiting\(reason.map { " (\($0))" } ?? "")\(message.map { ": \($0)" } ?? "")."
                case .running: detail = " It was still running."
                case .notReported: detail = " The kubelet never reported it."
                case .terminated: break
                }
            }
            return .failed(PodFailure(step: .wait, reason: .timeout,
                                      message: "The evidence container in \(key) did not \(phase) within \(Int(limit)) s.\(detail)"))
        }
    }

    static func waitingFailure(key: PodKey, image: String, reason: String?, message: String?) -> PodFailure {
        let isPull = reason == "ErrImagePull" || reason == "ImagePullBackOff" || reason == "InvalidImageName" || reason == "ErrImageNeverPull"
        return PodFailure(step: .wait, reason: isPull ? .imagePull : .containerFailed,
                          message: "The evidence container in \(key) could not start: \(reason ?? "waiting")\(message.map { ": \($0)" } ?? "")."
                            + (isPull ? " Is the image \(image) reachable from the node? --image names another (for example a mirror in your registry)." : ""))
    }

    /// True when the wait is over: the pod is gone or replaced, the container
    /// terminated or cannot start, or (for the first wait) it runs.
    static func isSettled(_ observation: PodStateBoard.Observation, container: String, uid: String?, runningCounts: Bool) -> Bool {
        switch observation {
        case .deleted:
            return true
        case .present(let pod):
            if let uid, let now = pod.metadata.uid, uid != now { return true }
            let state = EvidenceContainerState(pod: pod, containerName: container)
            switch state {
            case .terminated: return true
            case .running: return runningCounts
            case .waiting: return state.isHopeless
            case .notReported: return false
            }
        }
    }

    func entry(record: Record, outcome: Ending) -> Manifest.Pod {
        progress.waiting(key.description, reason: nil)
        var entry = Manifest.Pod(
            namespace: target.namespace, name: target.pod, uid: target.uid ?? "", node: target.node, phase: target.phase,
            podImageIDs: Self.imageIDs(record.pod), targetContainer: target.targetContainer,
            evidenceContainer: record.evidenceContainer, outcome: .collected, reason: "Collected", message: "",
            steps: record.steps, files: record.files)
        entry.summary = record.summary
        entry.redactions = record.redactions.isEmpty ? nil : record.redactions
        if let before = target.footprint {
            let after = record.pod.map(\.objectSize) ?? 0
            entry.footprint = Manifest.Footprint(
                ephemeralContainersBefore: before.ephemeralContainers, evidenceContainersBefore: before.evidenceContainers,
                objectBytesBefore: before.objectBytes, objectBytesAfter: after > 0 ? after : nil)
        }
        switch outcome {
        case .collected(let message):
            entry.message = message
            progress.update({ $0.collected += 1 }, event: "collected  \(shown)")
        case .failed(let failure):
            entry.outcome = .failed
            entry.reason = failure.reason.rawValue
            entry.failedStep = failure.step
            entry.message = failure.message
            progress.update({ $0.failed += 1 }, event: "failed     \(shown): \(failure.message)")
        case .interrupted(let message):
            entry.outcome = .interrupted
            entry.reason = "Interrupted"
            entry.message = message
            progress.update({ $0.interrupted += 1 }, event: "interrupted \(shown)")
        }
        return entry
    }

    /// Where a record goes under `gathered/`: files and links at their own
    /// path (`proc/1/cmdline`), other kinds under their kind (`meta/clock/start`,
    /// `error/proc/7/fd`), unless the key already names it (`cmd/uname-a`).
    static func gatheredKey(_ frame: FrameRecord) -> String {
        if frame.kind == .file || frame.kind == .link || frame.key.hasPrefix("\(frame.kind.rawValue)/") { return frame.key }
        return "\(frame.kind.rawValue)/\(frame.key)"
    }

    /// The decoded records as the Evidence parsers take them. Records found
    /// only after the decoder resynchronised past damage are left out: they
    /// may be fake headers inside a payload.
    static func counts(_ summary: EvidenceSummary) -> Manifest.EvidenceCounts {
        Manifest.EvidenceCounts(
            processes: summary.processes, listeners: summary.listeners, connections: summary.connections,
            anomalies: summary.anomalies, anomalyMessages: summary.anomalyMessages, gaps: summary.gaps,
            namespacesShared: summary.namespacesShared, namespacesNotShared: summary.namespacesNotShared)
    }

    static func imageIDs(_ pod: Pod?) -> [String: String] {
        var ids: [String: String] = [:]
        for status in pod?.status.containerStatuses ?? [] {
            if let imageID = status.imageID { ids[status.name] = imageID }
        }
        return ids
    }
}
