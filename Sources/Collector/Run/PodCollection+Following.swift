import Foundation
import KubeAPI

extension PodCollection {
    /// How often a pod that left the selection is read directly.
    static let followInterval: TimeInterval = 1

    /// Waits on the shared watch until the evidence container has settled; when the watch
    /// says the pod is gone, asks the API server whether it really is.
    ///
    /// A watch with a label selector reports `DELETED` for a pod whose labels stop
    /// matching, while the pod still runs. Taking a compromised pod out of its Service by
    /// relabelling it is a standard incident step, and that pod's evidence is the one
    /// that matters: it is then followed by name, one GET per second, until its
    /// container settles or the wait's time is up.
    func waitUntilSettled(
        container name: String, timeout: TimeInterval, runningCounts: Bool, record: inout Record
    ) async -> Result<PodStateBoard.Observation, PodStateBoard.WaitEnd> {
        let deadline = Date().addingTimeInterval(timeout)
        let uid = target.uid
        // The watch may have lost the pod before it was even injected (relabelled after
        // the plan): then no event will come, and waiting on the watch would only time out.
        if !board.isGoneFromWatch(key) {
            let result = await board.wait(for: key, timeout: timeout) { observation in
                Self.isSettled(observation, container: name, uid: uid, runningCounts: runningCounts)
            }
            guard case .success(.deleted) = result else { return result }
        }
        var first: Pod?
        do {
            first = try await client.getPod(namespace: key.namespace, name: key.name)
        } catch let error as KubeAPIError where error.isNotFound {
            return .success(.deleted(nil))
        } catch {
            first = nil  // read again at the next interval
        }
        return await follow(first, container: name, deadline: deadline, runningCounts: runningCounts, record: &record)
    }

    /// Reads the pod by name once per `followInterval` until its evidence container has
    /// settled, the pod is gone, the run stops, or `deadline` passes.
    private func follow(
        _ first: Pod?, container name: String, deadline: Date, runningCounts: Bool, record: inout Record
    ) async -> Result<PodStateBoard.Observation, PodStateBoard.WaitEnd> {
        let uid = target.uid
        var pod = first
        if !record.leftSelection {
            record.leftSelection = true
            progress.update({ _ in }, event: "following  \(key) (its labels no longer match the selector; read by name from now on)")
        }
        while true {
            // A different UID is settled too: the caller records the pod as replaced.
            if let pod, Self.isSettled(.present(pod), container: name, uid: uid, runningCounts: runningCounts) {
                return .success(.present(pod))
            }
            if let end = board.ended { return .failure(end) }
            if hardStopped() { return .failure(.cancelled) }
            if Date() >= deadline { return .failure(.timedOut) }
            do {
                try await Task.sleep(nanoseconds: UInt64(Self.followInterval * 1_000_000_000))
            } catch {
                return .failure(.cancelled)
            }
            do {
                pod = try await client.getPod(namespace: key.namespace, name: key.name)
            } catch let error as KubeAPIError where error.isNotFound {
                return .success(.deleted(nil))
            } catch {
                // A failed read is retried at the next interval, until the deadline.
                continue
            }
        }
    }
}
