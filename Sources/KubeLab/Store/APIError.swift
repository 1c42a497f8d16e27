/// A failure the lab answers with a `Status` object, worded as the real API server words it.
struct APIError: Error, Sendable {
    var code: Int
    var reason: String
    var message: String
    /// `details` as the server writes it; nil leaves the field out (as for 400 and 401).
    var details: JSONValue?
    var metadata: JSONValue = .object([])
    var retryAfterSeconds: Int? = nil

    var statusJSON: JSONValue {
        var o = JSONObjectBuilder()
        o.set("kind", "Status")
        o.set("apiVersion", "v1")
        o.set("metadata", metadata)
        o.set("status", "Failure")
        o.set("message", message)
        o.set("reason", reason)
        o.set("details", details)
        o.set("code", code)
        return o.value
    }

    private static func details(name: String?, group: String? = nil, kind: String) -> JSONValue {
        var d = JSONObjectBuilder()
        d.set("name", name)
        d.setNonEmpty("group", group)
        d.set("kind", kind)
        return d.value
    }

    static func notFound(resource: String, name: String, group: String? = nil) -> APIError {
        let qualified = (group ?? "").isEmpty ? resource : "\(resource).\(group!)"
        return APIError(
            code: 404, reason: "NotFound", message: "\(qualified) \"\(name)\" not found",
            details: details(name: name, group: group, kind: resource))
    }

    static func alreadyExists(resource: String, name: String) -> APIError {
        APIError(
            code: 409, reason: "AlreadyExists", message: "\(resource) \"\(name)\" already exists",
            details: details(name: name, kind: resource))
    }

    static let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized", details: nil)

    /// The RBAC denial, e.g. `pods "x" is forbidden: User "u" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "shop"`.
    static func forbidden(user: String, verb: String, resource: String, subresource: String?, group: String = "", namespace: String?, name: String?)
        -> APIError
    {
        let full = subresource.map { "\(resource)/\($0)" } ?? resource
        var message = name.map { "\(resource) \"\($0)\" is forbidden" } ?? "\(resource) is forbidden"
        message += ": User \"\(user)\" cannot \(verb) resource \"\(full)\" in API group \"\(group)\""
        if let namespace, !namespace.isEmpty {
            message += " in the namespace \"\(namespace)\""
        } else {
            message += " at the cluster scope"
        }
        return APIError(code: 403, reason: "Forbidden", message: message, details: details(name: name, group: group, kind: resource))
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message, details: nil)
    }

    static let unsupportedMediaType = APIError(
        code: 415, reason: "UnsupportedMediaType", message: "415: Unsupported Media Type", details: .object([]))

    static let notAcceptable = APIError(
        code: 406, reason: "NotAcceptable",
        message: "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf",
        details: .object([]))

    static let methodNotAllowed = APIError(
        code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource",
        details: .object([]))

    static let resourceNotFound = APIError(
        code: 404, reason: "NotFound", message: "the server could not find the requested resource", details: .object([]))

    static func expired(_ message: String, continueToken: String? = nil) -> APIError {
        var e = APIError(code: 410, reason: "Expired", message: message, details: nil)
        if let continueToken { e.metadata = .object([("continue", .string(continueToken))]) }
        return e
    }

    static func tooManyRequests(retryAfter: Int) -> APIError {
        var e = APIError(
            code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
            details: .object([("retryAfterSeconds", .int(retryAfter))]))
        e.retryAfterSeconds = retryAfter
        return e
    }

    static func serverError(code: Int) -> APIError {
        if code == 503 {
            return APIError(
                code: 503, reason: "ServiceUnavailable", message: "the server is currently unable to handle the request (kubelab fault)",
                details: .object([]))
        }
        return APIError(
            code: code, reason: "InternalError", message: "Internal error occurred: kubelab fault injection",
            details: .object([("causes", .array([.object([("message", .string("kubelab fault injection"))])]))]))
    }

    static func invalid(kind: String, name: String, field: String, message: String) -> APIError {
        APIError(
            code: 422, reason: "Invalid", message: "\(kind) \"\(name)\" is invalid: \(field): \(message)",
            details: .object([
                ("name", .string(name)), ("kind", .string(kind)),
                (
                    "causes",
                    .array([.object([("reason", .string("FieldValueInvalid")), ("message", .string(message)), ("field", .string(field))])])
                ),
            ]))
    }
}
