import Foundation
import KubeAPI

extension PodCollection {
    /// How often a pod that left the selection is read directly.
    static let followInterval: TimeInterval = 1

    /// Waits on the shared watch until the evidence container has settled; when the watch
    /// says the pod is gone, asks the API server whether it really is; while the watch is
    /// down, reads the pod by name.
    ///
    /// A watch with a label selector reports `DELETED` for a pod whose labels stop
    /// matching, while the pod still runs. Taking a compromised pod out of its Service by
    /// relabelling it is a standard incident step, and that pod's evidence is the one
    /// that matters: it is then followed by name, one GET per second, until its
    /// container settles or the wait's time is up.
    ///
    /// When the shared watch has been interrupted for `PodStateBoard.fallbackAfter`
    /// (an API server restarting, a network cut), the same reads by name stand in
    /// for it until it is back: a dead watch costs time, never a pod.
    func waitUntilSettled(
        container name: String, timeout: TimeInterval, runningCounts: Bool, record: inout Record
    ) async -> Result<PodStateBoard.Observation, PodStateBoard.WaitEnd> {
        let deadline = time.now.addingTimeInterval(timeout)
        let uid = target.uid
        while true {
            // The watch may have lost the pod before it was even injected (relabelled after
            // the plan): then no event will come, and waiting on the watch would only time out.
            var reason = FollowReason.leftSelection
            if !board.isGoneFromWatch(key) {
                let remaining = max(0, time.seconds(until: deadline))
                let (progress, pod) = (progress, key.description)
                let result = await board.wait(for: key, timeout: min(remaining, Self.recheckInterval)) { observation in
                    if case .present(let current) = observation {
                        progress.waiting(pod, reason: Self.waitingReason(EvidenceContainerState(pod: current, containerName: name)))
                    }
                    return Self.isSettled(observation, container: name, uid: uid, runningCounts: runningCounts)
                }
                switch result {
                case .success(.deleted): reason = .leftSelection
                case .failure(.watchDown): reason = .watchDown
                case .failure(.timedOut) where remaining > Self.recheckInterval:
                    // A watch that looks healthy can still have missed the event (a
                    // restarted API server); one read by name settles it, as an
                    // informer's resync would.
                    if let settled = await recheck(container: name, runningCounts: runningCounts) { return settled }
                    continue
                default: return result
                }
            }
            if let result = await follow(container: name, deadline: deadline, runningCounts: runningCounts, reason: reason, record: &record) {
                return result
            }
            // The watch is back: wait on it again.
        }
    }

    /// What the progress line says the container waits for; nil once it runs or ended.
    static func waitingReason(_ state: EvidenceContainerState) -> String? {
        switch state {
        case .notReported: return "NotReported"
        case .waiting(let reason, _): return reason ?? "Waiting"
        case .running, .terminated: return nil
        }
    }

    /// How long a wait trusts the watch alone before it reads its pod by name once.
    static let recheckInterval: TimeInterval = 15

    /// One read of the pod by name: its outcome when it has settled (a different UID
    /// counts: the caller records the pod as replaced) or is gone; nil to keep waiting,
    /// also when the read failed (the server may be the thing that is down).
    private func recheck(container name: String, runningCounts: Bool) async -> Result<PodStateBoard.Observation, PodStateBoard.WaitEnd>? {
        do {
            let pod = try await client.getPod(namespace: key.namespace, name: key.name)
            progress.waiting(key.description, reason: Self.waitingReason(EvidenceContainerState(pod: pod, containerName: name)))
            guard Self.isSettled(.present(pod), container: name, uid: target.uid, runningCounts: runningCounts) else { return nil }
            board.observe(pod, fromWatch: false)
            return .success(.present(pod))
        } catch let error as KubeAPIError where error.isNotFound {
            return .success(.deleted(nil))
        } catch {
            return nil
        }
    }

    /// Why a pod is read by name rather than waited for on the watch.
    enum FollowReason {
        /// The watch reported it gone: deleted, or its labels no longer match.
        case leftSelection
        /// The watch itself is down.
        case watchDown
    }

    /// Reads the pod by name once per `followInterval` until its evidence container has
    /// settled, the pod is gone, the run stops, or `deadline` passes; nil when the
    /// reason was the watch being down and it is back.
    private func follow(
        container name: String, deadline: Date, runningCounts: Bool, reason: FollowReason, record: inout Record
    ) async -> Result<PodStateBoard.Observation, PodStateBoard.WaitEnd>? {
        switch reason {
        case .leftSelection where !record.leftSelection:
            record.leftSelection = true
            progress.update({ _ in }, event: "following  \(key) (its labels no longer match the selector; read by name from now on)")
        case .watchDown where !record.readWhileWatchDown:
            record.readWhileWatchDown = true
            progress.update({ _ in }, event: "following  \(key) (the watch of the selection is down; read by name until it is back)")
        default:
            break
        }
        var first = true
        while true {
            if !first {
                do {
                    try await time.sleep(seconds: Self.followInterval)
                } catch {
                    return .failure(.cancelled)
                }
            }
            first = false
            if let end = board.ended { return .failure(end) }
            if hardStopped() { return .failure(.cancelled) }
            if reason == .watchDown && board.isWatching { return nil }
            if let settled = await recheck(container: name, runningCounts: runningCounts) { return settled }
            if time.now >= deadline { return .failure(.timedOut) }
        }
    }
}
