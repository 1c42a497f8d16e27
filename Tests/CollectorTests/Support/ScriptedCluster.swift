import Collector
import Foundation
import KubeAPI
import TestSupport

/// The API server's side of one collection run, played over real HTTP by a
/// `ScriptedAPIServer` from recorded responses, with the misbehaviour each test
/// asks for at the moment it asks: a watch dropped, a 410 or another ERROR
/// event, events out of order, a pod relabelled or replaced, a reply that never
/// comes.
///
/// It keeps the few facts a real server would (each pod's labels, UID, evidence
/// container and resourceVersion, and the events since the run began) and
/// answers as a v1.36 server does: a list carries its resourceVersion; a watch
/// from a resourceVersion first replays what happened after it (the watch
/// cache), then follows live; a watch with a label selector sees a pod that
/// stops matching as DELETED. Pods are `pods/pod-running.json` renamed; the
/// evidence container's log is the recorded `pods/evidence-log-with-secrets.txt`
/// and its termination message the digest recorded with it, so a pod whose
/// container ends is collected exactly as on a real cluster.
final class ScriptedCluster: @unchecked Sendable {
    static let namespace = "shop"
    static let selector = "app=web"
    /// The termination message recorded with the evidence log (see Tests/Fixtures/k8s/README.md).
    static let terminationMessage = "sha256:e3af9f7ea888560fad6c7f088ce27d7dd787938bcb0c15026461d86edab7bc99 bytes:15017"

    /// Where an evidence container stands, as the kubelet would report it.
    enum EvidenceState: Equatable {
        case none, waiting, running, terminated
    }

    /// How the next watch request is answered (the default is a live feed).
    enum WatchReply {
        case live
        /// HTTP 200 and one ERROR event with this code, then the end (410: the resourceVersion is too old).
        case errorEvent(code: Int)
        /// The connection is closed without a reply (the server is gone).
        case close
        /// The reply's head never comes.
        case hang
    }

    /// How a PATCH, list, GET or log request is answered (the default is the truth).
    enum Reply {
        case truth
        /// The connection is closed without a reply (a reset after the server acted, for a PATCH).
        case close
        /// HTTP 503 with a Status.
        case unavailable
        /// The reply never comes.
        case hang
    }

    private struct PodRecord {
        var name: String
        var uid: String
        var labels: [String: String]
        var evidenceName: String?
        var evidence: EvidenceState = .none
        var exists = true
        var resourceVersion: Int
    }

    private struct Event {
        var resourceVersion: Int
        var type: String
        var json: [UInt8]
    }

    private let lock = NSLock()
    private var pods: [String: PodRecord] = [:]
    private var order: [String] = []
    private var events: [Event] = []
    private var revision = 5000
    private var liveFeeds: [LiveFeed] = []
    private var watchReplies: [WatchReply] = []
    private var patchReplies: [Reply] = []
    private var listReplies: [Reply] = []
    private var logReplies: [Reply] = []
    private var getReplies: [Reply] = []
    private var reachable = true
    /// Whether a container starts and ends by itself once injected.
    private var runsContainers: Bool
    private let basePod: [String: Any]
    private let log: [UInt8]
    private(set) var server: ScriptedAPIServer!
    /// The kubeconfig, and the bundles the tests write.
    let directory = try! TemporaryDirectory()

    /// A cluster with `count` matching pods (`web-0` …); with `runsContainers`,
    /// each injected evidence container starts and ends at once (as the watch
    /// then reports), otherwise only when the test says.
    static func start(pods count: Int, runsContainers: Bool = true) async throws -> ScriptedCluster {
        let cluster = try ScriptedCluster(count: count, runsContainers: runsContainers)
        cluster.server = try await ScriptedAPIServer.start { [cluster] request in cluster.answer(request) }
        return cluster
    }

    private init(count: Int, runsContainers: Bool) throws {
        basePod = try Fixtures.jsonObject("pods/pod-running.json")
        log = try Fixtures.bytes("pods/evidence-log-with-secrets.txt")
        self.runsContainers = runsContainers
        for index in 0..<count {
            let name = "web-\(index)"
            revision += 1
            pods[name] = PodRecord(name: name, uid: "uid-\(name)", labels: ["app": "web"], resourceVersion: revision)
            order.append(name)
        }
    }

    func stop() async {
        lock.withLock { liveFeeds }.forEach { $0.drop() }
        await server.stop()
    }

    // MARK: - What the test sets up

    func nextWatches(_ replies: WatchReply...) { lock.withLock { watchReplies += replies } }
    func nextPatches(_ replies: Reply...) { lock.withLock { patchReplies += replies } }
    func nextLists(_ replies: Reply...) { lock.withLock { listReplies += replies } }
    func nextLogs(_ replies: Reply...) { lock.withLock { logReplies += replies } }
    func nextGets(_ replies: Reply...) { lock.withLock { getReplies += replies } }

    /// A client of this server on `time`, with quick retries and no rate limit.
    func client(time: any TimeSource) throws -> KubeClient {
        var options = ClientOptions(qps: 0, requestTimeout: 10, maxRetries: 5, retryBaseDelay: 0.2, maxRetryDelay: 2)
        options.time = time
        let path = directory.path + "/kubeconfig"
        let kubeconfig = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: scripted
              cluster:
                server: \(server.url)
            users:
            - name: nobody
              user: {}
            contexts:
            - name: scripted
              context: {cluster: scripted, user: nobody, namespace: \(Self.namespace)}
            current-context: scripted
            """
        try kubeconfig.write(toFile: path, atomically: true, encoding: .utf8)
        let connection = try KubeconfigLoader.load(KubeconfigSelection(explicitPath: path), environment: [:])
        return try KubeClient(connection: connection, options: options)
    }

    /// The run's plan: every pod matching now, as the planner makes it from a list.
    func plan() throws -> CollectionPlan {
        let selection = PodSelection(namespace: Self.namespace, labelSelector: Self.selector)
        let list = try PodList.decode(json: listBody())
        return CollectionPlanner.plan(pods: list.items, selection: selection, requestedContainer: nil)
    }

    /// A request for the standard profile with the given timeouts.
    func request(output: String, concurrency: Int = 8, startSeconds: Double = 20, podSeconds: Double = 40,
                 delivery: ScriptDelivery = .command) throws -> CollectionRequest {
        var (profile, yaml) = try CollectionProfile.resolve("standard")
        profile.timeouts.startSeconds = startSeconds
        profile.timeouts.podSeconds = podSeconds
        return CollectionRequest(
            plan: try plan(), profile: profile, profileYAML: yaml, profileSource: "standard", concurrency: concurrency,
            runID: RunID(value: "scr1pt"), outputPath: output, overwrite: true, commandLine: ["kubectl-evidence", "collect"],
            toolVersion: "test", scriptDelivery: delivery)
    }

    // MARK: - What the test makes happen

    /// The evidence container of `name` starts (the kubelet reports it running).
    func startContainer(_ name: String) { change(name) { $0.evidence = .running } }

    /// The evidence container of `name` ends, its log and termination message written.
    func finishContainer(_ name: String) { change(name) { $0.evidence = .terminated } }

    /// The evidence containers of these pods start and end, in turn.
    func runContainers(_ names: [String]) {
        for name in names {
            startContainer(name)
            finishContainer(name)
        }
    }

    /// The names of the first `count` pods: web-0, web-1, …
    static func names(_ count: Int) -> [String] { (0..<count).map { "web-\($0)" } }

    /// Sets the pod's `app` label: another value takes it out of the selection.
    func relabel(_ name: String, app: String) { change(name) { $0.labels["app"] = app } }

    /// The pod is deleted and a new one with the same name and a new UID takes its place.
    func replace(_ name: String) {
        change(name) { $0.exists = false }
        change(name) { pod in
            pod = PodRecord(name: name, uid: "uid-\(name)-2", labels: pod.labels, resourceVersion: pod.resourceVersion)
        }
    }

    /// The pod is deleted.
    func delete(_ name: String) { change(name) { $0.exists = false } }

    /// Sends, on every open watch, an older state of the pod again (a resourceVersion
    /// lower than one already sent): events out of order.
    func resendOldest(_ name: String) {
        let (old, feeds) = lock.withLock { () -> (Event?, [LiveFeed]) in
            let json = events.first { event in
                (try? JSONSerialization.jsonObject(with: Data(event.json)) as? [String: Any])
                    .flatMap { ($0["object"] as? [String: Any])?["metadata"] as? [String: Any] }?["name"] as? String == name
            }
            return (json, liveFeeds)
        }
        guard let old else { return }
        for feed in feeds { feed.sendLine(String(decoding: old.json, as: UTF8.self)) }
    }

    /// Every open watch is dropped without an ending (the API server died).
    func dropWatches() {
        let feeds = lock.withLock { () -> [LiveFeed] in
            defer { liveFeeds = [] }
            return liveFeeds
        }
        feeds.forEach { $0.drop() }
    }

    /// Every open watch gets an ERROR event with `code` and ends, as the API server ends one.
    func sendErrorEvent(code: Int) {
        let feeds = lock.withLock { () -> [LiveFeed] in
            defer { liveFeeds = [] }
            return liveFeeds
        }
        for feed in feeds {
            feed.sendLine(Self.errorEvent(code: code))
            feed.finish()
        }
    }

    /// While false, every request's connection is closed unanswered, and the
    /// open watches are dropped: a kube-apiserver restarting.
    func setReachable(_ up: Bool) {
        lock.withLock { reachable = up }
        if !up { dropWatches() }
    }

    /// Every open watch stops receiving anything, its connection left open:
    /// a network cut that TCP has not noticed.
    func stallWatches() {
        lock.withLock { liveFeeds = [] }
    }

    /// The number of watches open now.
    var openWatches: Int { lock.withLock { liveFeeds.filter { !$0.isEnded }.count } }

    /// The number of pods whose PATCH the server has acted on.
    var injected: Int { lock.withLock { pods.values.filter { $0.evidenceName != nil }.count } }

    /// True once every pod's PATCH was acted on and one watch is open: the
    /// point from which a test's changes reach the run through the watch.
    func settled(injected expected: Int) -> Bool { injected == expected && openWatches == 1 }

    /// The evidence state of a pod now.
    func evidence(of name: String) -> EvidenceState { lock.withLock { pods[name]?.evidence ?? .none } }

    /// The requests received, by kind.
    func count(_ kind: RequestKind) -> Int { server.requests.filter { RequestKind($0) == kind }.count }

    /// Waits (real time, bounded) until `condition` holds; false when it never did.
    func eventually(within seconds: TimeInterval = 10, _ condition: () -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return condition()
    }

    enum RequestKind: Equatable {
        case list, watch, patch, get, log, attach, other

        init(_ request: ScriptedAPIServer.Request) {
            let path = request.path
            if request.method == "PATCH" { self = .patch; return }
            if path.hasSuffix("/log") { self = .log; return }
            if path.hasSuffix("/attach") { self = .attach; return }
            if path.hasSuffix("/pods") { self = request.query["watch"] == "1" ? .watch : .list; return }
            if path.contains("/pods/") { self = .get; return }
            self = .other
        }
    }

    // MARK: - The server's side

    private func answer(_ request: ScriptedAPIServer.Request) -> ScriptedAPIServer.Action {
        let kind = RequestKind(request)
        if lock.withLock({ !reachable }) { return .close }
        switch kind {
        case .list:
            if let action = scripted(take(\.listReplies)) { return action }
            return .json(200, listBody())
        case .watch:
            return watch(from: Int(request.query["resourceVersion"] ?? "") ?? 0)
        case .patch:
            return patch(request)
        case .get, .log:
            let name = String(request.path.split(separator: "/")[5])
            let reply = kind == .get ? take(\.getReplies) : take(\.logReplies)
            if let action = scripted(reply) { return action }
            guard let json = lock.withLock({ pods[name].flatMap { $0.exists ? podJSON($0) : nil } }) else {
                return .json(404, Self.status(404, reason: "NotFound", message: "pods \"\(name)\" not found"))
            }
            return kind == .get ? .json(200, json) : .reply(status: 200, headers: [("Content-Type", "text/plain")], body: log)
        case .attach:
            // The container ends just as the collector attaches: the kubelet no longer finds it
            // (its plain-text 500, as recorded from a v1.36 node). This server speaks no WebSocket.
            let name = String(request.path.split(separator: "/")[5])
            change(name) { $0.evidence = .terminated }
            let container = request.query["container"] ?? ""
            return .reply(status: 500, headers: [("Content-Type", "text/plain; charset=utf-8")],
                          body: Array("container \(container) not found in pod \(name)_\(Self.namespace)".utf8))
        case .other:
            return .json(404, Self.status(404, reason: "NotFound", message: "the server could not find the requested resource"))
        }
    }

    private func take(_ queue: ReferenceWritableKeyPath<ScriptedCluster, [Reply]>) -> Reply {
        lock.withLock { self[keyPath: queue].isEmpty ? .truth : self[keyPath: queue].removeFirst() }
    }

    private func scripted(_ reply: Reply) -> ScriptedAPIServer.Action? {
        switch reply {
        case .truth: return nil
        case .close: return .close
        case .hang: return .hang
        case .unavailable: return .json(503, Self.status(503, reason: "ServiceUnavailable", message: "the server is currently unable to handle the request"))
        }
    }

    private func listBody() -> [UInt8] {
        lock.withLock {
            let items = order.compactMap { pods[$0] }.filter { $0.exists && Self.matches($0) }.map { String(decoding: podJSON($0), as: UTF8.self) }
            return Array(#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"\#(revision)"},"items":[\#(items.joined(separator: ","))]}"#.utf8)
        }
    }

    private func watch(from resourceVersion: Int) -> ScriptedAPIServer.Action {
        let reply = lock.withLock { watchReplies.isEmpty ? WatchReply.live : watchReplies.removeFirst() }
        switch reply {
        case .close: return .close
        case .hang: return .hang
        case .errorEvent(let code):
            return .stream(status: 200, chunks: [.init(delay: 0, bytes: Array((Self.errorEvent(code: code) + "\n").utf8))], ending: .finish)
        case .live:
            let feed = LiveFeed()
            lock.withLock {
                // The watch cache: what happened after the resourceVersion asked for, then live.
                for event in events where event.resourceVersion > resourceVersion { feed.send(event.json + [UInt8(ascii: "\n")]) }
                liveFeeds.append(feed)
            }
            return .feed(status: 200, feed)
        }
    }

    private func patch(_ request: ScriptedAPIServer.Request) -> ScriptedAPIServer.Action {
        let name = String(request.path.split(separator: "/")[5])
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
        let containers = (body?["spec"] as? [String: Any])?["ephemeralContainers"] as? [[String: Any]]
        guard let container = containers?.first?["name"] as? String else {
            return .json(400, Self.status(400, reason: "BadRequest", message: "no ephemeral container in the patch"))
        }
        guard lock.withLock({ pods[name]?.exists == true }) else {
            return .json(404, Self.status(404, reason: "NotFound", message: "pods \"\(name)\" not found"))
        }
        // The server acts on the PATCH even when its reply is lost on the way.
        change(name) { pod in
            if pod.evidenceName == nil {
                pod.evidenceName = container
                pod.evidence = .waiting
            }
        }
        let reply = lock.withLock { patchReplies.isEmpty ? Reply.truth : patchReplies.removeFirst() }
        let json = lock.withLock { pods[name].map(podJSON) } ?? []
        if runsContainers {
            startContainer(name)
            finishContainer(name)
        }
        if let action = scripted(reply) { return action }
        if runsContainers {
            // The reply leaves after the watch has told of the container's start and end, as
            // it can on a real cluster when a fast container ends before the reply is read:
            // the reply is then older than what the watch said.
            return .stream(status: 200, chunks: [.init(delay: 0.05, bytes: json)], ending: .finish)
        }
        return .json(200, json)
    }

    /// Changes a pod as the server would: a new resourceVersion, and an event for
    /// the watches, typed as a watch with the run's selector sees it.
    private func change(_ name: String, _ edit: (inout PodRecord) -> Void) {
        lock.withLock {
            guard var pod = pods[name] else { return }
            let wasVisible = pod.exists && Self.matches(pod)
            edit(&pod)
            revision += 1
            pod.resourceVersion = revision
            pods[name] = pod
            let visible = pod.exists && Self.matches(pod)
            let type: String
            switch (wasVisible, visible) {
            case (true, true): type = "MODIFIED"
            case (false, true): type = "ADDED"
            case (true, false): type = "DELETED"
            case (false, false): return
            }
            let event = Event(resourceVersion: revision, type: type,
                              json: Array(#"{"type":"\#(type)","object":"#.utf8) + podJSON(pod) + Array("}".utf8))
            events.append(event)
            // Sent under the lock, so that every watch gets the events in resourceVersion order.
            for feed in liveFeeds { feed.send(event.json + [UInt8(ascii: "\n")]) }
        }
    }

    private static func matches(_ pod: PodRecord) -> Bool { pod.labels["app"] == "web" }

    /// The pod's JSON: the recorded running pod, renamed, with the evidence container as it stands.
    private func podJSON(_ pod: PodRecord) -> [UInt8] {
        var object = basePod
        object.set("metadata.name", pod.name)
        object.set("metadata.namespace", Self.namespace)
        object.set("metadata.uid", pod.uid)
        object.set("metadata.resourceVersion", String(pod.resourceVersion))
        object.set("metadata.labels", pod.labels)
        object.set("metadata.managedFields", nil)
        if let container = pod.evidenceName {
            object.set("spec.ephemeralContainers", [[
                "name": container, "image": "localhost/busybox:1.35", "targetContainerName": "app",
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent",
            ]])
            let state: [String: Any]
            switch pod.evidence {
            case .none, .waiting: state = ["waiting": ["reason": "ContainerCreating"]]
            case .running: state = ["running": ["startedAt": "2026-11-30T13:49:24Z"]]
            case .terminated:
                state = ["terminated": ["exitCode": 0, "reason": "Completed", "message": Self.terminationMessage,
                                        "startedAt": "2026-11-30T13:49:24Z", "finishedAt": "2026-11-30T13:49:25Z"]]
            }
            object.set("status.ephemeralContainerStatuses", [[
                "name": container, "state": state, "lastState": [String: Any](), "ready": false, "restartCount": 0,
                "image": "localhost/busybox:1.35", "imageID": "sha256:62722bd11497ffe38fd0307e78fb382ba5dfc5eabf684b1c4dbc13f7fc7085b3",
            ]])
        }
        return (try? Array(JSONSerialization.data(withJSONObject: object))) ?? []
    }

    private static func status(_ code: Int, reason: String, message: String) -> String {
        #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"\#(message)","reason":"\#(reason)","code":\#(code)}"#
    }

    private static func errorEvent(code: Int) -> String {
        let reason = code == 410 ? "Expired" : "InternalError"
        let message = code == 410 ? "too old resource version: 1 (5001)" : "etcdserver: request timed out"
        return #"{"type":"ERROR","object":\#(status(code, reason: reason, message: message))}"#
    }
}
