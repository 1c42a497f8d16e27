import Foundation
import KubeAPI

/// What the attach session that delivered the script read back: the script's
/// stdout, which is the evidence when it matches the script's own digest.
struct DeliveredOutput: Sendable {
    var stdout: [UInt8]
    /// Why the stream ended early, or nil when the server ended it after its status.
    var cut: String?
    /// Why there was no stream at all: the container had ended before the attach.
    var notAttached: String?

    init(_ outcome: AttachOutcome) {
        stdout = outcome.stdout
        switch outcome.ending {
        case .completed: cut = nil
        case .cut(let reason): cut = reason
        }
    }

    init(cut: String) {
        stdout = []
        self.cut = cut
    }

    init(notAttached why: String) {
        stdout = []
        notAttached = why
    }

    /// Why this copy was not kept and the log was read instead, for the pod's message.
    func whyNotUsed(terminationMessage: String?) -> String {
        if let notAttached {
            return "The container had ended before it could be attached to (\(notAttached)); the evidence was read from its log."
        }
        if let cut {
            return "The attach stream broke (\(cut)) after \(stdout.count) bytes; the evidence was read from the container's log."
        }
        let verdict = OutputIntegrity.verify(log: stdout, terminationMessage: terminationMessage)
        return "The output read through attach did not check out (\(verdict.summary)); the evidence was read from the container's log."
    }
}

/// The attach stream was still open a while after the container ended.
struct StreamOutlivedContainer: Error {}

/// The kubelet's answer for a container it does not run: not worth asking again.
struct ContainerNotRunning: Error {
    var underlying: KubeAPIError

    /// The kubelet's plain-text 500, `container X not found in pod P_NS` (recorded from v1.36).
    static func isKubeletAnswer(_ error: KubeAPIError) -> Bool {
        if case .unexpectedResponse(500, _, _, let body) = error { return body.contains("not found in pod") }
        return false
    }
}

extension PodCollection {
    /// How long, at most, a refused or unreachable attach is tried again: the
    /// bootstrap waits ``InPodBootstrap/stdinWaitSeconds`` for its script.
    static let attachRetrySeconds: TimeInterval = 30

    /// How often the delivery looks at the board for the container's end, and how
    /// long after it the stream may still bring the rest of the output.
    static let endedCheckSeconds: TimeInterval = 0.5
    static let streamGraceAfterEnd: TimeInterval = 3

    /// Writes the script to the evidence container's stdin through pods/attach
    /// and reads its output until the container's output ends. A failure before
    /// the script was on its way fails the pod (nothing ran in it; its container
    /// ends on its own); a stream that breaks later is not a failure: the log
    /// holds the same output.
    func deliverScript(container: String, deadline: Date) async -> Result<DeliveredOutput, PodFailure> {
        let (client, key, time) = (client, key, time)
        let limit = request.profile.outputCapBytes + 1024 * 1024
        let seconds = max(Self.minimumLogSeconds, time.seconds(until: deadline))
        let retryUntil = time.now.addingTimeInterval(Self.attachRetrySeconds)
        let (hardStopped, board) = (hardStopped, board)
        do {
            let outcome = try await Deadline.run(seconds: seconds, time: time) {
                try await withThrowingTaskGroup(of: AttachOutcome?.self) { group in
                    group.addTask {
                        try await AskAgain.whileTransient(time: time, while: { time.now < retryUntil && !hardStopped() }) {
                            do {
                                return try await client.attach(namespace: key.namespace, pod: key.name, container: container,
                                                               stdin: InPodBootstrap.stdinPayload, outputLimit: limit)
                            } catch let error as KubeAPIError where ContainerNotRunning.isKubeletAnswer(error) {
                                // The kubelet finds no running container of that name: asking again will not change it.
                                throw ContainerNotRunning(underlying: error)
                            }
                        }
                    }
                    // A stream that stays open after the container ended (a network that drops
                    // packets without a reset keeps it so) does not hold the pod: the log has it all.
                    group.addTask {
                        while true {
                            try await time.sleep(seconds: Self.endedCheckSeconds)
                            if case .present(let pod)? = board.latest(key), case .terminated = EvidenceContainerState(pod: pod, containerName: container) {
                                try await time.sleep(seconds: Self.streamGraceAfterEnd)
                                return nil
                            }
                        }
                    }
                    defer { group.cancelAll() }
                    guard let first = try await group.next() else { throw CancellationError() }
                    guard let outcome = first else { throw StreamOutlivedContainer() }
                    return outcome
                }
            }
            return .success(DeliveredOutput(outcome))
        } catch is StreamOutlivedContainer {
            return .success(DeliveredOutput(cut: "it stayed open \(Int(Self.streamGraceAfterEnd)) s after the container had ended"))
        } catch let passed as Deadline.Passed {
            return .success(DeliveredOutput(cut: "it did not end within \(Int(passed.seconds.rounded(.up))) s, the rest of --timeout"))
        } catch {
            if hardStopped() || Task.isCancelled {
                return .failure(PodFailure(step: .attach, reason: .scriptNotDelivered,
                                           message: "The run was interrupted while the script was being delivered to \(container) in \(key); the container ends on its own within \(InPodBootstrap.stdinWaitSeconds) s if it got nothing."))
            }
            let api = (error as? KubeAPIError) ?? (error as? ContainerNotRunning)?.underlying
            var cause = api.map { $0.serverStatus?.message ?? $0.description } ?? "\(error)"
            // The kubelet answers in plain text, not a Status: its words are the body.
            if case .unexpectedResponse(let code, _, _, let body)? = api { cause = "HTTP \(code): \(body)" }
            let forbidden = api?.statusCode == 403
            // A container that ended before the attach (the kubelet then answers that it
            // finds no such container): its status and log say what happened.
            if !forbidden, let pod = try? await client.getPod(namespace: key.namespace, name: key.name),
               case .terminated = EvidenceContainerState(pod: pod, containerName: container) {
                board.observe(pod, fromWatch: false)
                return .success(DeliveredOutput(notAttached: cause))
            }
            return .failure(PodFailure(
                step: .attach, reason: forbidden ? .rbac : .scriptNotDelivered,
                message: "Could not attach to the evidence container \(container) in \(key) to hand it the script: \(cause). Nothing ran in the pod; the container waits \(InPodBootstrap.stdinWaitSeconds) s for its script and then ends."
                    + (forbidden ? " Attach delivery needs RBAC get and create on pods/attach; --script-delivery command packs the script into the container's command instead." : "")))
        }
    }
}
