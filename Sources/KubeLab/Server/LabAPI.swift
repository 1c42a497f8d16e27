import Foundation
import NIOHTTP1

/// The lab's Kubernetes API: routing, authentication results, faults, authorization,
/// then the handlers in the `LabAPI+*.swift` files. Synchronous and Sendable; the
/// connection handler runs it on its event loop.
struct LabAPI: Sendable {
    let store: LabStore
    let logs: LabLogStore
    let users: LabUsers
    let faults: LabFaults
    let counter: LabRequestCounter
    let scheduler: LabScheduler
    let kubelet: LabKubelet
    /// The topology's Deployments, ReplicaSets and StatefulSets, read only.
    let workloads: LabWorkloads
    /// host:port clients reach the server at (discovery's serverAddressByClientCIDRs).
    let serverAddress: String

    /// Paths any client may read without credentials, as with system:public-info-viewer.
    static let publicPaths: Set<String> = ["/version", "/healthz", "/livez", "/readyz"]

    func handle(_ request: LabRequest) -> LabResponse {
        let pretty = request.wantsPretty
        do {
            return try route(request, pretty: pretty)
        } catch {
            return .error(error, pretty: pretty)
        }
    }

    /// Path segments after the leading slash, e.g. ["api", "v1", "namespaces", "shop", "pods"].
    private func segments(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    private func route(_ request: LabRequest, pretty: Bool) throws(APIError) -> LabResponse {
        let path = request.path
        if LabAPI.publicPaths.contains(path) {
            counter.record(verb: "get", resource: "nonresource")
            if path == "/version" { return versionResponse() }
            return .text(200, "ok")
        }
        guard let authenticated = request.identity else { throw .unauthorized }
        let identity = try impersonated(request, by: authenticated)

        let parts = segments(path)
        if parts.first == "kubelab" { return try labControl(request, parts: parts, identity: identity, pretty: pretty) }

        if let fault = faults.nextRequestFault() { throw fault }

        switch parts.first {
        case "api", "apis":
            break
        case "openapi":
            counter.record(verb: "get", resource: "openapi")
            return try openAPI(request, parts: parts)
        default:
            counter.record(verb: "get", resource: "nonresource")
            return .text(404, "404 page not found\n")
        }
        if let discovery = try discovery(request, parts: parts, pretty: pretty) {
            counter.record(verb: "get", resource: "discovery")
            return discovery
        }
        return try resource(request, parts: parts, identity: identity, pretty: pretty)
    }

    /// The Kubernetes verb for a request on a resource.
    static func verb(_ request: LabRequest, hasName: Bool) -> String {
        switch request.method {
        case .GET, .HEAD:
            if request.flag("watch") { return "watch" }
            return hasName ? "get" : "list"
        case .POST: return "create"
        case .PUT: return "update"
        case .PATCH: return "patch"
        case .DELETE: return hasName ? "delete" : "deletecollection"
        default: return request.method.rawValue.lowercased()
        }
    }

    func authorize(
        _ identity: LabIdentity, verb: String, resource: String, subresource: String? = nil, namespace: String?, name: String?
    ) throws(APIError) {
        let full = subresource.map { "\(resource)/\($0)" } ?? resource
        guard users.allows(identity, verb: verb, resource: full) else {
            throw .forbidden(
                user: identity.username, verb: verb, resource: resource, subresource: subresource, namespace: namespace, name: name)
        }
    }

    private func resource(_ request: LabRequest, parts: [String], identity: LabIdentity, pretty: Bool) throws(APIError) -> LabResponse {
        if let workload = try workload(request, parts: parts, identity: identity, pretty: pretty) { return workload }
        // /apis/<group>/<version>/<resource>
        if parts.count == 4, parts[0] == "apis" {
            let (group, version, res) = (parts[1], parts[2], parts[3])
            if group == "authorization.k8s.io", version == "v1", res == "selfsubjectaccessreviews" {
                counter.record(verb: "create", resource: res)
                guard request.method == .POST else { throw .methodNotAllowed }
                return try selfSubjectAccessReview(request, identity: identity, pretty: pretty)
            }
            if group == "authentication.k8s.io", version == "v1", res == "selfsubjectreviews" {
                counter.record(verb: "create", resource: res)
                guard request.method == .POST else { throw .methodNotAllowed }
                return try selfSubjectReview(request, identity: identity, pretty: pretty)
            }
            throw .resourceNotFound
        }
        guard parts.count >= 3, parts[0] == "api", parts[1] == "v1" else { throw .resourceNotFound }
        let rest = Array(parts[2...])
        switch rest.count {
        case 1:
            // /api/v1/{pods|namespaces|nodes}
            let res = rest[0]
            let verb = LabAPI.verb(request, hasName: false)
            counter.record(verb: verb, resource: res)
            switch res {
            case "pods":
                guard request.method == .GET else { throw .methodNotAllowed }
                try authorize(identity, verb: verb, resource: "pods", namespace: nil, name: nil)
                return try listOrWatchPods(request, namespace: nil, pretty: pretty)
            case "namespaces", "nodes":
                guard request.method == .GET else { throw .methodNotAllowed }
                try authorize(identity, verb: verb, resource: res, namespace: nil, name: nil)
                return try listClusterObjects(request, resource: res, pretty: pretty)
            default:
                throw .resourceNotFound
            }
        case 2:
            // /api/v1/{namespaces|nodes}/{name}
            let (res, name) = (rest[0], rest[1])
            guard res == "namespaces" || res == "nodes" else { throw .resourceNotFound }
            let verb = LabAPI.verb(request, hasName: true)
            counter.record(verb: verb, resource: res)
            guard request.method == .GET else { throw .methodNotAllowed }
            try authorize(identity, verb: verb, resource: res, namespace: res == "namespaces" ? name : nil, name: name)
            return try getClusterObject(request, resource: res, name: name, pretty: pretty)
        case 3, 4, 5:
            // /api/v1/namespaces/{ns}/pods[/{name}[/{subresource}]]
            guard rest[0] == "namespaces", rest[2] == "pods" else { throw .resourceNotFound }
            let namespace = rest[1]
            let name = rest.count >= 4 ? rest[3] : nil
            let subresource = rest.count == 5 ? rest[4] : nil
            let verb = LabAPI.verb(request, hasName: name != nil)
            counter.record(verb: verb, resource: subresource.map { "pods/\($0)" } ?? "pods")
            if let subresource, !["log", "status", "ephemeralcontainers", "attach"].contains(subresource) { throw .resourceNotFound }
            try authorize(identity, verb: verb, resource: "pods", subresource: subresource, namespace: namespace, name: name)
            // A WebSocket attach is a GET, and a v1.36 API server asks for create on it too.
            if subresource == "attach", verb == "get" {
                try authorize(identity, verb: "create", resource: "pods", subresource: subresource, namespace: namespace, name: name)
            }
            return try pods(request, namespace: namespace, name: name, subresource: subresource, pretty: pretty)
        default:
            throw .resourceNotFound
        }
    }

    /// `/kubelab/v1/faults` (GET, PUT) and `/kubelab/v1/stats` (GET, DELETE resets): admin only.
    private func labControl(_ request: LabRequest, parts: [String], identity: LabIdentity, pretty: Bool) throws(APIError) -> LabResponse {
        guard identity.groups.contains("system:masters") else {
            throw APIError(
                code: 403, reason: "Forbidden",
                message: "forbidden: User \"\(identity.username)\" cannot \(request.method.rawValue.lowercased()) path \"\(request.path)\"",
                details: .object([]))
        }
        guard parts.count == 3, parts[1] == "v1" else { throw .resourceNotFound }
        switch (parts[2], request.method) {
        case ("faults", .GET):
            return .json(200, faults.json, pretty: pretty)
        case ("faults", .PUT), ("faults", .POST):
            let body: JSONValue
            do { body = try JSONValue.parse(request.body) } catch { throw .badRequest("The faults document is not valid JSON: \(error)") }
            try faults.apply(body)
            return .json(200, faults.json, pretty: pretty)
        case ("stats", .GET):
            return .json(200, counter.json, pretty: pretty)
        case ("stats", .DELETE):
            counter.reset()
            return .json(200, counter.json, pretty: pretty)
        case ("faults", _), ("stats", _):
            throw .methodNotAllowed
        default:
            throw .resourceNotFound
        }
    }

    /// The body's media type, lower-cased, without parameters.
    static func mediaType(_ request: LabRequest) -> String {
        request.contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    /// 415 unless the body is JSON (the lab does not decode YAML, nor protobuf but for the reviews).
    static func requireJSONBody(_ request: LabRequest) throws(APIError) -> JSONValue {
        guard mediaType(request) == "application/json" else { throw .unsupportedMediaType }
        do {
            return try JSONValue.parse(request.body)
        } catch {
            throw .badRequest("the request body is not valid JSON: \(error)")
        }
    }

    /// Checks the Accept header as the server's content negotiation would: JSON (or
    /// anything) must be acceptable; Table only when asked for.
    enum Representation { case json, table }

    static func representation(_ request: LabRequest) throws(APIError) -> Representation {
        let accept = request.accept
        if accept.isEmpty { return .json }
        var jsonOK = false
        for raw in accept.split(separator: ",") {
            let item = raw.trimmingCharacters(in: .whitespaces)
            let params = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let type = params.first?.lowercased() ?? ""
            if type == "application/json" && params.contains("as=Table") && params.contains("g=meta.k8s.io")
                && (params.contains("v=v1") || params.contains("v=v1beta1"))
            {
                return .table
            }
            if (type == "application/json" || type == "*/*" || type == "application/*") && !params.contains(where: { $0.hasPrefix("as=") }) {
                jsonOK = true
            }
        }
        guard jsonOK else { throw .notAcceptable }
        return .json
    }
}
