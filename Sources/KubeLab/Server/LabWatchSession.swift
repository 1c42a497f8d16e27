import Foundation
import NIOCore
import NIOHTTP1

/// One watch response: HTTP 200 with a chunked body of compact events, one per line.
/// Replays or lists first (atomically with registering for new events), then follows
/// the store; sends a BOOKMARK shortly before `timeoutSeconds` runs out and ends the
/// response at the deadline. With the drop fault it cuts the connection mid-stream.
/// Lives on its connection's event loop; the store's sink hops onto that loop.
///
/// With a label or field selector, a pod that stops matching is a DELETED event although
/// it still exists (the store turns such a MODIFIED into DELETED, and one that starts
/// matching into ADDED). The real watch cache sends that DELETED with the pod as it was
/// before the change, carrying the new resourceVersion; ``lastMatching`` keeps what this
/// watch last sent of each pod (or found matching when it started) so that it can do the
/// same. (One case is beyond it: a resumed watch whose replay starts with a pod leaving the
/// selectors sends that pod as it is now, since the store's events do not hold the earlier pod.)
final class LabWatchSession {
    private let context: ChannelHandlerContext
    private let plan: WatchPlan
    private let store: LabStore
    private let dropAfter: Int
    private let keepAlive: Bool
    private let version: HTTPVersion
    private var registrationID: Int?
    private var eventsSent = 0
    private var finished = false
    private var timers: [Scheduled<Void>] = []
    /// The pod as this watch last sent it, per `namespace/name`, while it matches the
    /// selectors (only kept when the watch has any: otherwise no pod stops matching).
    private var lastMatching: [String: LabPod] = [:]

    init(context: ChannelHandlerContext, plan: WatchPlan, store: LabStore, dropAfter: Int, keepAlive: Bool, version: HTTPVersion, pretty: Bool) {
        self.context = context
        self.plan = plan
        self.store = store
        self.dropAfter = dropAfter
        self.keepAlive = keepAlive
        self.version = version
    }

    private func wrap(_ part: HTTPServerResponsePart) -> NIOAny { NIOAny(part) }

    func start() {
        var headers = LabHTTPHandler.standardHeaders(contentType: "application/json")
        headers.add(name: "Transfer-Encoding", value: "chunked")
        context.write(wrap(.head(HTTPResponseHead(version: version, status: .ok, headers: headers))), promise: nil)

        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let registration: LabStore.WatchRegistration
        do {
            let plan = self.plan
            registration = try store.watchPods(filter: plan.filter, start: plan.start) { type, pod in
                loop.execute { bound.value.deliver(type, pod) }
            }
        } catch {
            // As the real server: HTTP 200, then one ERROR event carrying the Status, then the end.
            send(PodEvent.line(type: "ERROR", object: error.statusJSON.encoded()), counts: false)
            finish()
            return
        }
        registrationID = registration.id
        if case .after = plan.start { rememberMatchingPods(replayed: registration.initialEvents) }
        // The initial events go out in one flush (thousands of pods), later ones one by one.
        for event in registration.initialEvents where !finished {
            deliver(event.type, event.pod, flush: false)
        }
        if finished { return }
        if plan.initialEventsEndBookmark {
            send(bookmark(resourceVersion: registration.resourceVersion, initialEventsEnd: true), counts: false)
        }
        context.flush()

        // The real server picks a random timeout between 30 and 60 minutes when none is given.
        let timeout = Double((plan.timeoutSeconds ?? 0) > 0 ? plan.timeoutSeconds! : Int.random(in: 1800...3600))
        let isolated = loop.assumeIsolated()
        timers.append(isolated.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { self.finish() })
        if plan.allowBookmarks {
            // The cacher aims its bookmark at about 2 s before the deadline.
            let before = min(2.0, timeout * 0.25)
            timers.append(
                isolated.scheduleTask(in: .milliseconds(Int64((timeout - before) * 1000))) {
                    self.send(self.bookmark(resourceVersion: self.store.resourceVersion, initialEventsEnd: false), counts: false)
                })
            // And one a minute for long watches.
            var at = 60.0
            while at < timeout - before {
                timers.append(
                    isolated.scheduleTask(in: .milliseconds(Int64(at * 1000))) {
                        self.send(self.bookmark(resourceVersion: self.store.resourceVersion, initialEventsEnd: false), counts: false)
                    })
                at += 60
            }
        }
    }

    private func bookmark(resourceVersion: Int, initialEventsEnd: Bool) -> [UInt8] {
        var metadata = JSONObjectBuilder()
        metadata.set("resourceVersion", String(resourceVersion))
        if initialEventsEnd { metadata.set("annotations", JSONValue.object([("k8s.io/initial-events-end", .string("true"))])) }
        let object = JSONValue.object([
            ("kind", .string("Pod")), ("apiVersion", .string("v1")), ("metadata", metadata.value),
            ("spec", .object([("containers", .null)])), ("status", .object([])),
        ])
        return PodEvent.line(type: "BOOKMARK", object: object.encoded())
    }

    /// A watch that resumes from a resourceVersion gets no ADDED for the pods that match: it
    /// learns them from the store, as they are now, so that one that leaves the selectors
    /// later is sent as it was. Pods the replay mentions are learnt from the replay instead
    /// (as they are now, they may have changed after the replayed events).
    private func rememberMatchingPods(replayed: [(type: WatchEventType, pod: StoredPod)]) {
        guard plan.filter.hasSelectors, let list = try? store.listPods(filter: plan.filter, limit: nil, continueToken: nil) else { return }
        let inReplay = Set(replayed.map(\.pod.pod.key))
        for item in list.items where !inReplay.contains(item.pod.key) { lastMatching[item.pod.key] = item.pod }
    }

    /// Sends one event, a DELETED for a pod that left the selectors with the pod as it was.
    func deliver(_ type: WatchEventType, _ pod: StoredPod, flush: Bool = true) {
        guard plan.filter.hasSelectors else { return send(plan.line(type, pod), flush: flush) }
        var object = pod
        switch type {
        case .ADDED, .MODIFIED:
            lastMatching[pod.pod.key] = pod.pod
        case .DELETED:
            let before = lastMatching.removeValue(forKey: pod.pod.key)
            if var before, !plan.filter.matches(pod.pod) {
                before.resourceVersion = pod.pod.resourceVersion
                object = StoredPod(before)
            }
        }
        send(plan.line(type, object), flush: flush)
    }

    func send(_ line: [UInt8], counts: Bool = true, flush: Bool = true) {
        guard !finished else { return }
        var buffer = context.channel.allocator.buffer(capacity: line.count)
        buffer.writeBytes(line)
        if flush {
            context.writeAndFlush(wrap(.body(.byteBuffer(buffer))), promise: nil)
        } else {
            context.write(wrap(.body(.byteBuffer(buffer))), promise: nil)
        }
        if counts {
            eventsSent += 1
            if dropAfter > 0 && eventsSent % dropAfter == 0 {
                // The drop fault: close mid-stream, without the terminating chunk.
                stop()
                context.flush()
                context.close(promise: nil)
            }
        }
    }

    /// Ends the response properly (terminating chunk).
    func finish() {
        guard !finished else { return }
        stop()
        let keepAlive = self.keepAlive
        let context = self.context
        context.writeAndFlush(wrap(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    /// Unregisters from the store and cancels timers; nothing more is written.
    func stop() {
        guard !finished else { return }
        finished = true
        if let id = registrationID { store.cancelWatch(id) }
        registrationID = nil
        for t in timers { t.cancel() }
        timers = []
    }
}
