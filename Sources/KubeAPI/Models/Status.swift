/// The API server's error object (`kind: Status`): what every failed request
/// answers with, and what a watch ERROR event carries.
public struct Status: Codable, Sendable, Equatable {
    /// "Failure" or "Success".
    public var status: String?
    public var message: String?
    /// Machine-readable: NotFound, Forbidden, Invalid, Expired, BadRequest…
    public var reason: String?
    public var details: StatusDetails?
    public var code: Int?

    public init(status: String? = nil, message: String? = nil, reason: String? = nil, details: StatusDetails? = nil, code: Int? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
        self.details = details
        self.code = code
    }

    enum CodingKeys: String, CodingKey { case kind, apiVersion, status, message, reason, details, code }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let kind = try c.decodeIfPresent(String.self, forKey: .kind), kind != "Status" {
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: c, debugDescription: "expected kind Status, found \(kind)")
        }
        status = try c.decodeIfPresent(String.self, forKey: .status)
        message = try c.decodeIfPresent(String.self, forKey: .message)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        details = try c.decodeIfPresent(StatusDetails.self, forKey: .details)
        code = try c.decodeIfPresent(Int.self, forKey: .code)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("Status", forKey: .kind)
        try c.encode("v1", forKey: .apiVersion)
        try c.encodeIfPresent(status, forKey: .status)
        try c.encodeIfPresent(message, forKey: .message)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeIfPresent(details, forKey: .details)
        try c.encodeIfPresent(code, forKey: .code)
    }
}

/// `Status.details`: which object the failure concerns and, for 422, each field at fault.
public struct StatusDetails: Codable, Sendable, Equatable {
    public var name: String?
    public var group: String?
    public var kind: String?
    public var uid: String?
    public var causes: [StatusCause]
    public var retryAfterSeconds: Int?

    public init(name: String? = nil, group: String? = nil, kind: String? = nil, uid: String? = nil, causes: [StatusCause] = [], retryAfterSeconds: Int? = nil) {
        self.name = name
        self.group = group
        self.kind = kind
        self.uid = uid
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }

    enum CodingKeys: String, CodingKey { case name, group, kind, uid, causes, retryAfterSeconds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        group = try c.decodeIfPresent(String.self, forKey: .group)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        uid = try c.decodeIfPresent(String.self, forKey: .uid)
        causes = try c.decodeIfPresent([StatusCause].self, forKey: .causes) ?? []
        retryAfterSeconds = try c.decodeIfPresent(Int.self, forKey: .retryAfterSeconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(group, forKey: .group)
        try c.encodeIfPresent(kind, forKey: .kind)
        try c.encodeIfPresent(uid, forKey: .uid)
        if !causes.isEmpty { try c.encode(causes, forKey: .causes) }
        try c.encodeIfPresent(retryAfterSeconds, forKey: .retryAfterSeconds)
    }
}

/// One cause of a failure, e.g. `FieldValueForbidden` on `spec.ephemeralContainers`.
public struct StatusCause: Codable, Sendable, Equatable {
    public var reason: String?
    public var message: String?
    public var field: String?

    public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
        self.reason = reason
        self.message = message
        self.field = field
    }
}
