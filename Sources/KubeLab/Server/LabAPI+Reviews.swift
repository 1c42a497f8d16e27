import Foundation

/// SelfSubjectAccessReview (kubectl auth can-i) and SelfSubjectReview (kubectl auth whoami),
/// answered 201 like auth/ssar-*.json and auth/selfsubjectreview-response.json.
extension LabAPI {
    /// The request body as JSON; kubectl sends reviews as protobuf.
    private static func reviewBody(_ request: LabRequest, accessReview: Bool) throws(APIError) -> JSONValue {
        guard mediaType(request) == "application/vnd.kubernetes.protobuf" else { return try requireJSONBody(request) }
        do {
            return accessReview ? try KubeProtobuf.selfSubjectAccessReviewJSON(request.body) : .object([])
        } catch {
            throw .badRequest("the protobuf request body cannot be read: \(error)")
        }
    }

    func selfSubjectAccessReview(_ request: LabRequest, identity: LabIdentity, pretty: Bool) throws(APIError) -> LabResponse {
        let body = try LabAPI.reviewBody(request, accessReview: true)
        guard let spec = body["spec"] else {
            throw .invalid(
                kind: "SelfSubjectAccessReview", name: "", field: "spec.resourceAttributes",
                message: "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified")
        }
        var echoed = JSONObjectBuilder()
        let allowed: Bool
        if let attrs = spec["resourceAttributes"], attrs.objectValue != nil {
            var a = JSONObjectBuilder()
            for key in ["namespace", "verb", "group", "version", "resource", "subresource", "name"] {
                a.setNonEmpty(key, attrs[key]?.stringValue)
            }
            echoed.set("resourceAttributes", a.value)
            let verb = attrs["verb"]?.stringValue ?? ""
            let resource = attrs["resource"]?.stringValue ?? ""
            let sub = attrs["subresource"]?.stringValue ?? ""
            allowed = users.allows(identity, verb: verb, resource: sub.isEmpty ? resource : "\(resource)/\(sub)")
        } else if let attrs = spec["nonResourceAttributes"], attrs.objectValue != nil {
            var a = JSONObjectBuilder()
            a.setNonEmpty("path", attrs["path"]?.stringValue)
            a.setNonEmpty("verb", attrs["verb"]?.stringValue)
            echoed.set("nonResourceAttributes", a.value)
            let path = attrs["path"]?.stringValue ?? ""
            let publicRead =
                attrs["verb"]?.stringValue == "get"
                && (LabAPI.publicPaths.contains(path) || path.hasPrefix("/api") || path.hasPrefix("/openapi"))
            allowed = publicRead || users.allows(identity, verb: attrs["verb"]?.stringValue ?? "", resource: "nonresource:" + path)
        } else {
            throw .invalid(
                kind: "SelfSubjectAccessReview", name: "", field: "spec.resourceAttributes",
                message: "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified")
        }
        var status = JSONObjectBuilder()
        status.set("allowed", allowed)
        if allowed { status.set("reason", users.allowReason(identity)) }
        let review = JSONValue.object([
            ("kind", .string("SelfSubjectAccessReview")), ("apiVersion", .string("authorization.k8s.io/v1")), ("metadata", .object([])),
            ("spec", echoed.value), ("status", status.value),
        ])
        return .json(201, review, pretty: pretty)
    }

    func selfSubjectReview(_ request: LabRequest, identity: LabIdentity, pretty: Bool) throws(APIError) -> LabResponse {
        _ = try LabAPI.reviewBody(request, accessReview: false)
        var info = JSONObjectBuilder()
        info.set("username", identity.username)
        info.set("uid", identity.uid)
        info.set("groups", JSONValue.strings(identity.groups))
        if !identity.extra.isEmpty {
            info.set("extra", JSONValue.object(identity.extra.keys.sorted().map { ($0, JSONValue.strings(identity.extra[$0]!)) }))
        }
        let review = JSONValue.object([
            ("kind", .string("SelfSubjectReview")), ("apiVersion", .string("authentication.k8s.io/v1")),
            ("metadata", .object([("creationTimestamp", .string(LabTime.rfc3339(Date())))])),
            ("status", .object([("userInfo", info.value)])),
        ])
        return .json(201, review, pretty: pretty)
    }
}
