import Foundation

/// Switches that make the lab misbehave on purpose, for tests and benchmarks.
/// Thread-safe; also settable over HTTP (`PUT /kubelab/v1/faults`, admin only) so that
/// a test can steer a lab running as a separate process.
public final class LabFaults: Sendable {
    struct State: Sendable {
        var latencyMilliseconds = 0
        var tooManyRequestsRemaining = 0
        var retryAfterSeconds = 1
        var serverErrorsRemaining = 0
        var serverErrorCode = 503
        var dropWatchAfterEvents = 0
        var containerStartDelayMilliseconds = 0
        var ephemeralContainersDisabled = false
        var truncateEphemeralLogsToBytes = 0
        var truncateLogsOfPods = 0
        /// Pods (`namespace/name`) whose ephemeral logs are being cut short.
        var truncatedPods: Set<String> = []
        var lostEphemeralPatchRepliesRemaining = 0
        var stalledEphemeralLogReadsRemaining = 0
        var cutAttachStreamsRemaining = 0
        var cutAttachAfterBytes = 0
        var stalledAttachStreamsRemaining = 0
        /// Attaches to pods whose names start with this are refused by "admission".
        var denyAttachPodPrefix: String?
        var denyAttachMessage = "attaching is not allowed by policy"
    }

    private let state = LabMutex(State())
    let users: LabUsers
    private let listener: LabListener

    init(users: LabUsers, listener: LabListener) {
        self.users = users
        self.listener = listener
    }

    /// The longest `apiServerOutage` the lab accepts: during one, not even the faults
    /// endpoint answers.
    public static let maxAPIServerOutageMilliseconds = 600_000

    /// Delay added before every API request is answered.
    public var latencyMilliseconds: Int {
        get { state.withLock { $0.latencyMilliseconds } }
        set { state.withLock { $0.latencyMilliseconds = max(0, newValue) } }
    }

    /// The next `count` API requests answer 429 TooManyRequests with `Retry-After: seconds`.
    public func tooManyRequests(count: Int, retryAfterSeconds: Int = 1) {
        state.withLock {
            $0.tooManyRequestsRemaining = max(0, count)
            $0.retryAfterSeconds = max(0, retryAfterSeconds)
        }
    }

    /// The next `count` API requests answer `code` (503 ServiceUnavailable or 500 InternalError).
    public func serverError(count: Int, code: Int = 503) {
        state.withLock {
            $0.serverErrorsRemaining = max(0, count)
            $0.serverErrorCode = code
        }
    }

    /// Watch responses are cut (connection closed, no terminating chunk) after every `k` events; 0 turns it off.
    public var dropWatchAfterEvents: Int {
        get { state.withLock { $0.dropWatchAfterEvents } }
        set { state.withLock { $0.dropWatchAfterEvents = max(0, newValue) } }
    }

    /// Ephemeral containers, and the containers of pods started after this is set (a node
    /// helper), stay `waiting` (ContainerCreating) this long before they start, like a node
    /// that pulls an image slowly.
    public var containerStartDelayMilliseconds: Int {
        get { state.withLock { $0.containerStartDelayMilliseconds } }
        set { state.withLock { $0.containerStartDelayMilliseconds = max(0, newValue) } }
    }

    /// `PATCH pods/{pod}/ephemeralcontainers` answers 404 as a server with the feature off.
    public var ephemeralContainersDisabled: Bool {
        get { state.withLock { $0.ephemeralContainersDisabled } }
        set { state.withLock { $0.ephemeralContainersDisabled = newValue } }
    }

    /// The log endpoint serves only the first `bytes` of ephemeral containers' logs, for the
    /// first `pods` pods whose ephemeral log is read (0: every pod); `bytes` 0 turns it off.
    public func truncateEphemeralLogs(toBytes bytes: Int, ofPods pods: Int = 0) {
        state.withLock {
            $0.truncateEphemeralLogsToBytes = max(0, bytes)
            $0.truncateLogsOfPods = max(0, pods)
            $0.truncatedPods = []
        }
    }

    /// The byte limit for this read of an ephemeral container's log, consuming one of the
    /// counted pods; nil when the log is served whole.
    func ephemeralLogLimit(namespace: String, pod: String) -> Int? {
        state.withLock { s in
            guard s.truncateEphemeralLogsToBytes > 0 else { return nil }
            let key = namespace + "/" + pod
            if s.truncatedPods.contains(key) { return s.truncateEphemeralLogsToBytes }
            guard s.truncateLogsOfPods == 0 || s.truncatedPods.count < s.truncateLogsOfPods else { return nil }
            s.truncatedPods.insert(key)
            return s.truncateEphemeralLogsToBytes
        }
    }

    /// The next `count` ephemeral-container PATCHes (not dry runs) are applied and
    /// stored, and then their connection is closed without a reply: what a
    /// client sees when a load balancer or a restarting API server resets the
    /// connection after the server acted.
    public func loseEphemeralPatchReplies(count: Int) {
        state.withLock { $0.lostEphemeralPatchRepliesRemaining = max(0, count) }
    }

    /// The next `count` reads of an ephemeral container's log answer 200 and then
    /// send nothing, for as long as the client waits: a node cut off during the
    /// read (the API server has no timeout for pods/log).
    public func stallEphemeralLogReads(count: Int) {
        state.withLock { $0.stalledEphemeralLogReadsRemaining = max(0, count) }
    }

    /// The next `count` attach sessions are cut (the connection closed, no status)
    /// once `afterBytes` bytes of output went out: a network or an API server that
    /// drops the stream while the container goes on writing to its log.
    public func cutAttachStreams(count: Int, afterBytes: Int) {
        state.withLock {
            $0.cutAttachStreamsRemaining = max(0, count)
            $0.cutAttachAfterBytes = max(0, afterBytes)
        }
    }

    /// Attaches (CONNECT pods/attach) to pods whose names start with `podPrefix` are
    /// refused as a ValidatingAdmissionPolicy refuses them: 422, before the container's
    /// name is looked at (nil turns it off).
    public func denyAttach(podPrefix: String?, message: String) {
        state.withLock {
            $0.denyAttachPodPrefix = podPrefix
            $0.denyAttachMessage = message
        }
    }

    /// The policy's message when an attach to `pod` is to be refused; nil to let it through.
    func attachDenial(pod: String) -> String? {
        state.withLock { s in
            guard let prefix = s.denyAttachPodPrefix, pod.hasPrefix(prefix) else { return nil }
            return s.denyAttachMessage
        }
    }

    /// The next `count` attach sessions take stdin and then send nothing, not even
    /// when the container ends, for as long as the client stays: a network that
    /// drops packets without a reset.
    public func stallAttachStreams(count: Int) {
        state.withLock { $0.stalledAttachStreamsRemaining = max(0, count) }
    }

    /// True when this attach session is to stall, consuming one.
    func consumeStalledAttachStream() -> Bool { consume(\.stalledAttachStreamsRemaining) }

    /// The bytes after which this attach session is to be cut, consuming one; nil for none.
    func consumeCutAttachStream() -> Int? {
        state.withLock { s in
            guard s.cutAttachStreamsRemaining > 0 else { return nil }
            s.cutAttachStreamsRemaining -= 1
            return s.cutAttachAfterBytes
        }
    }

    /// True when this read of an ephemeral container's log is to stall, consuming one.
    func consumeStalledEphemeralLogRead() -> Bool { consume(\.stalledEphemeralLogReadsRemaining) }

    /// True when this applied ephemeral-container PATCH's reply is to be lost,
    /// consuming one of the counted faults.
    func consumeLostEphemeralPatchReply() -> Bool { consume(\.lostEphemeralPatchRepliesRemaining) }

    /// Takes one from a counted fault; false when none is left.
    private func consume(_ counter: WritableKeyPath<State, Int>) -> Bool {
        state.withLock { s in
            guard s[keyPath: counter] > 0 else { return false }
            s[keyPath: counter] -= 1
            return true
        }
    }

    /// The lab behaves at once like a kube-apiserver that was killed and restarted
    /// `milliseconds` later: every open connection ends (the socket is closed, no TLS
    /// close_notify: watch and log streams stop without their terminating chunk), then
    /// nothing listens on the port (connects are refused; the faults endpoint too) until the
    /// outage ends on its own, and the server comes back on the same port. The pods and
    /// their processes go on meanwhile, as on the nodes, and the store keeps its history, as
    /// etcd does: a watch resumes from the resourceVersion it had, as on a restarted v1.36
    /// kube-apiserver. A request being answered (the faults PUT that asked for the outage)
    /// gets its reply first.
    public func apiServerOutage(milliseconds: Int) {
        listener.beginOutage(milliseconds: min(max(0, milliseconds), LabFaults.maxAPIServerOutageMilliseconds))
    }

    /// Every request of this user is denied with 403, as if its RBAC bindings were removed.
    public func deny(user: String) { users.deny(user) }
    public func allow(user: String) { users.undeny(user) }

    /// Turns every fault off (an outage under way ends at once).
    public func reset() {
        state.withLock { $0 = State() }
        users.setDenied([])
        listener.endOutage()
    }

    /// The fault for the next request, consuming one of the counted faults.
    func nextRequestFault() -> APIError? {
        state.withLock { s in
            if s.tooManyRequestsRemaining > 0 {
                s.tooManyRequestsRemaining -= 1
                return .tooManyRequests(retryAfter: s.retryAfterSeconds)
            }
            if s.serverErrorsRemaining > 0 {
                s.serverErrorsRemaining -= 1
                return .serverError(code: s.serverErrorCode)
            }
            return nil
        }
    }

    /// Applies a JSON document such as
    /// `{"latencyMilliseconds":50,"tooManyRequests":{"count":2,"retryAfterSeconds":1},
    ///   "serverError":{"count":1,"code":500},"dropWatchAfterEvents":3,"denyUsers":["operator"],
    ///   "containerStartDelayMilliseconds":1000,"ephemeralContainersDisabled":true,
    ///   "truncateEphemeralLogsToBytes":100,"truncateLogsOfPods":1,"loseEphemeralPatchReplies":2,"stallEphemeralLogReads":1,
    ///   "cutAttachStreams":{"count":1,"afterBytes":4096},"denyAttach":{"podPrefix":"noattach-","message":"…"},"stallAttachStreams":1,
    ///   "userRules":{"operator":[{"verbs":["get","list","watch"],"resources":["pods","pods/log"]}]},
    ///   "apiServerOutageMilliseconds":3000}`.
    /// Fields left out are unchanged; `{"reset":true}` clears everything first.
    /// `apiServerOutageMilliseconds` is an event rather than a switch: after the other fields
    /// are applied, the lab goes down as a killed kube-apiserver and comes back after that
    /// many milliseconds (``apiServerOutage(milliseconds:)``; 0 does nothing). The reply to
    /// the request still arrives; until the outage ends, nothing else does.
    func apply(_ json: JSONValue) throws(APIError) {
        guard json.objectValue != nil else { throw .badRequest("the faults document must be a JSON object") }
        if json["reset"]?.boolValue == true { reset() }
        if let v = json["latencyMilliseconds"] {
            guard let ms = v.intValue else { throw .badRequest("latencyMilliseconds must be an integer number of milliseconds") }
            latencyMilliseconds = ms
        }
        if let t = json["tooManyRequests"] {
            guard let count = t["count"]?.intValue else { throw .badRequest("tooManyRequests.count must be an integer") }
            tooManyRequests(count: count, retryAfterSeconds: t["retryAfterSeconds"]?.intValue ?? 1)
        }
        if let e = json["serverError"] {
            guard let count = e["count"]?.intValue else { throw .badRequest("serverError.count must be an integer") }
            let code = e["code"]?.intValue ?? 503
            guard code == 500 || code == 503 else { throw .badRequest("serverError.code must be 500 or 503, not \(code)") }
            serverError(count: count, code: code)
        }
        if let d = json["dropWatchAfterEvents"] {
            guard let k = d.intValue else { throw .badRequest("dropWatchAfterEvents must be an integer") }
            dropWatchAfterEvents = k
        }
        if let v = json["containerStartDelayMilliseconds"] {
            guard let ms = v.intValue else { throw .badRequest("containerStartDelayMilliseconds must be an integer number of milliseconds") }
            containerStartDelayMilliseconds = ms
        }
        if let v = json["ephemeralContainersDisabled"] {
            guard let b = v.boolValue else { throw .badRequest("ephemeralContainersDisabled must be true or false") }
            ephemeralContainersDisabled = b
        }
        if json["truncateEphemeralLogsToBytes"] != nil || json["truncateLogsOfPods"] != nil {
            let current = state.withLock { ($0.truncateEphemeralLogsToBytes, $0.truncateLogsOfPods) }
            let bytes = json["truncateEphemeralLogsToBytes"]
            let pods = json["truncateLogsOfPods"]
            guard bytes == nil || bytes?.intValue != nil else { throw .badRequest("truncateEphemeralLogsToBytes must be an integer number of bytes") }
            guard pods == nil || pods?.intValue != nil else { throw .badRequest("truncateLogsOfPods must be an integer number of pods") }
            truncateEphemeralLogs(toBytes: bytes?.intValue ?? current.0, ofPods: pods?.intValue ?? current.1)
        }
        if let v = json["stallEphemeralLogReads"] {
            guard let count = v.intValue else { throw .badRequest("stallEphemeralLogReads must be an integer number of log reads") }
            stallEphemeralLogReads(count: count)
        }
        if let v = json["cutAttachStreams"] {
            guard let count = v["count"]?.intValue, let bytes = v["afterBytes"]?.intValue ?? 0 as Int? else {
                throw .badRequest("cutAttachStreams must be {\"count\": <sessions>, \"afterBytes\": <bytes of output>}")
            }
            cutAttachStreams(count: count, afterBytes: bytes)
        }
        if let v = json["stallAttachStreams"] {
            guard let count = v.intValue else { throw .badRequest("stallAttachStreams must be an integer number of attach sessions") }
            stallAttachStreams(count: count)
        }
        if let v = json["denyAttach"] {
            // {"denyAttach": {"podPrefix": "noattach-", "message": "…"}}; {"denyAttach": null} turns it off.
            if v.isNull {
                denyAttach(podPrefix: nil, message: "attaching is not allowed by policy")
            } else {
                guard let prefix = v["podPrefix"]?.stringValue else {
                    throw .badRequest("denyAttach must be {\"podPrefix\": <start of pod names>, \"message\": <the policy's message>} or null")
                }
                denyAttach(podPrefix: prefix, message: v["message"]?.stringValue ?? "attaching is not allowed by policy")
            }
        }
        if let v = json["loseEphemeralPatchReplies"] {
            guard let count = v.intValue else { throw .badRequest("loseEphemeralPatchReplies must be an integer number of PATCH requests") }
            loseEphemeralPatchReplies(count: count)
        }
        if let rules = json["userRules"] {
            // {"userRules": {"operator": [{"verbs": ["get", "list"], "resources": ["pods"]}]}}: replaces those users' RBAC rules.
            guard let entries = rules.objectValue else { throw .badRequest("userRules must map user names to lists of rules") }
            for (user, list) in entries {
                guard users.user(named: user) != nil else { throw .badRequest("userRules names the unknown user \(goQuote(user))") }
                guard let items = list.arrayValue else { throw .badRequest("userRules.\(user) must be a list of rules") }
                var parsed: [LabRule] = []
                for item in items {
                    guard let verbs = item["verbs"]?.arrayValue?.compactMap(\.stringValue),
                        let resources = item["resources"]?.arrayValue?.compactMap(\.stringValue)
                    else { throw .badRequest("every rule in userRules.\(user) needs \"verbs\" and \"resources\" lists") }
                    parsed.append(LabRule(verbs: verbs, resources: resources))
                }
                users.setRules(parsed, for: user)
            }
        }
        if let d = json["denyUsers"] {
            guard let list = d.arrayValue?.compactMap(\.stringValue) else { throw .badRequest("denyUsers must be a list of user names") }
            users.setDenied(list)
        }
        if let v = json["apiServerOutageMilliseconds"] {
            guard let ms = v.intValue, ms >= 0, ms <= LabFaults.maxAPIServerOutageMilliseconds else {
                throw .badRequest(
                    "apiServerOutageMilliseconds must be an integer number of milliseconds from 0 to \(LabFaults.maxAPIServerOutageMilliseconds)")
            }
            apiServerOutage(milliseconds: ms)
        }
    }

    public struct InvalidFaults: Error, CustomStringConvertible {
        public let description: String
    }

    /// Applies a faults document given as JSON text (the body `PUT /kubelab/v1/faults`
    /// takes), e.g. from a `kubelab start --faults '{"latencyMilliseconds":50}'` flag.
    public func apply(jsonText: String) throws {
        do {
            try apply(try JSONValue.parse(jsonText))
        } catch let e as APIError {
            throw InvalidFaults(description: "The lab faults document is not valid: \(e.message).")
        } catch {
            throw InvalidFaults(description: "The lab faults document is not valid JSON: \(error).")
        }
    }

    /// The current switches, in the form `apply(jsonText:)` accepts.
    public var jsonText: String { String(decoding: json.encoded(), as: UTF8.self) }

    var json: JSONValue {
        let s = state.withLock { $0 }
        return .object([
            ("latencyMilliseconds", .int(s.latencyMilliseconds)),
            ("tooManyRequests", .object([("count", .int(s.tooManyRequestsRemaining)), ("retryAfterSeconds", .int(s.retryAfterSeconds))])),
            ("serverError", .object([("count", .int(s.serverErrorsRemaining)), ("code", .int(s.serverErrorCode))])),
            ("dropWatchAfterEvents", .int(s.dropWatchAfterEvents)),
            ("containerStartDelayMilliseconds", .int(s.containerStartDelayMilliseconds)),
            ("ephemeralContainersDisabled", .bool(s.ephemeralContainersDisabled)),
            ("truncateEphemeralLogsToBytes", .int(s.truncateEphemeralLogsToBytes)),
            ("truncateLogsOfPods", .int(s.truncateLogsOfPods)),
            ("loseEphemeralPatchReplies", .int(s.lostEphemeralPatchRepliesRemaining)),
            ("stallEphemeralLogReads", .int(s.stalledEphemeralLogReadsRemaining)),
            ("cutAttachStreams", .object([("count", .int(s.cutAttachStreamsRemaining)), ("afterBytes", .int(s.cutAttachAfterBytes))])),
            ("stallAttachStreams", .int(s.stalledAttachStreamsRemaining)),
            ("denyAttach", s.denyAttachPodPrefix.map { .object([("podPrefix", .string($0)), ("message", .string(s.denyAttachMessage))]) } ?? .null),
            ("denyUsers", .strings(users.deniedUsers)),
            ("apiServerOutageMilliseconds", .int(listener.outageRemainingMilliseconds)),
        ])
    }
}
