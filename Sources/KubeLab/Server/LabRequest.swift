import NIOHTTP1

/// One HTTP request as the API layer sees it, after TLS and authentication.
struct LabRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var query: [String: String]
    var headers: HTTPHeaders
    var body: [UInt8]
    /// nil when the request carried no valid credentials.
    var identity: LabIdentity?
    /// True when a bearer token was sent but not recognised.
    var badCredentials: Bool = false

    init(head: HTTPRequestHead, body: [UInt8], identity: LabIdentity?) {
        method = head.method
        let uri = head.uri
        if let q = uri.firstIndex(of: "?") {
            path = String(uri[..<q])
            query = LabRequest.parseQuery(String(uri[uri.index(after: q)...]))
        } else {
            path = uri
            query = [:]
        }
        headers = head.headers
        self.body = body
        self.identity = identity
    }

    var accept: String { headers.first(name: "accept") ?? "" }
    var contentType: String { headers.first(name: "content-type") ?? "" }

    /// The real server indents JSON for curl, Wget and browsers, or with `pretty=true`.
    var wantsPretty: Bool {
        if let p = query["pretty"] { return p == "true" || p == "1" }
        let ua = headers.first(name: "user-agent") ?? ""
        return ua.hasPrefix("curl") || ua.hasPrefix("Wget") || ua.hasPrefix("Mozilla/5.0")
    }

    func flag(_ name: String) -> Bool {
        guard let v = query[name] else { return false }
        return v == "1" || v == "true" || v == "True" || v == "TRUE"
    }

    static func parseQuery(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(String(parts[0]))
            let value = parts.count > 1 ? percentDecode(String(parts[1])) : ""
            if out[key] == nil { out[key] = value }
        }
        return out
    }

    /// URL query decoding as Go's `url.ParseQuery`: `%XX` escapes and `+` as space.
    static func percentDecode(_ s: String) -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if b == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// What the API layer answers: a whole body, or a stream the connection handler runs.
enum LabResponse: Sendable {
    case body(status: Int, contentType: String, body: [UInt8], headers: [(String, String)])
    case watch(WatchPlan)
    case log(LogPlan)
    /// A checked `pods/attach`: upgraded to a WebSocket when the client asked for one.
    case attach(AttachPlan)

    static func json(_ status: Int, _ bytes: [UInt8], pretty: Bool, contentType: String = "application/json") -> LabResponse {
        if pretty {
            return .body(status: status, contentType: contentType, body: JSONIndenter.indent(bytes), headers: [])
        }
        return .body(status: status, contentType: contentType, body: bytes + [0x0A], headers: [])
    }

    static func json(_ status: Int, _ value: JSONValue, pretty: Bool, contentType: String = "application/json") -> LabResponse {
        json(status, value.encoded(), pretty: pretty, contentType: contentType)
    }

    static func error(_ e: APIError, pretty: Bool) -> LabResponse {
        var headers: [(String, String)] = []
        if let retry = e.retryAfterSeconds { headers.append(("Retry-After", String(retry))) }
        let body = pretty ? JSONIndenter.indent(e.statusJSON.encoded()) : e.statusJSON.encoded() + [0x0A]
        return .body(status: e.code, contentType: "application/json", body: body, headers: headers)
    }

    static func text(_ status: Int, _ text: String) -> LabResponse {
        .body(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8), headers: [])
    }
}

/// A pod watch the connection handler carries out.
struct WatchPlan: Sendable {
    var filter: PodFilter
    var start: LabStore.WatchStart
    var timeoutSeconds: Int?
    var allowBookmarks: Bool
    /// `sendInitialEvents=true`: end the initial ADDED events with a BOOKMARK annotated
    /// `k8s.io/initial-events-end: "true"`.
    var initialEventsEndBookmark: Bool
    /// Events carry a one-row Table instead of the pod (`kubectl get -w`).
    var table: Bool = false
    var includeObject: String? = nil

    /// One event line, compact, ending in a newline.
    func line(_ type: WatchEventType, _ pod: StoredPod) -> [UInt8] {
        if table {
            let metadata = JSONValue.object([("resourceVersion", .string(String(pod.pod.resourceVersion)))])
            return PodEvent.line(type: type.rawValue, object: LabTables.podTable([pod], metadata: metadata, includeObject: includeObject))
        }
        return PodEvent.line(type: type.rawValue, object: pod.json)
    }
}
