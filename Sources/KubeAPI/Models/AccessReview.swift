/// What to ask the authorizer about: "may I `verb` `resource/subresource` in `namespace`?"
public struct ResourceAttributes: Codable, Sendable, Equatable {
    public var namespace: String?
    public var verb: String
    public var group: String?
    public var resource: String
    public var subresource: String?
    public var name: String?

    public init(namespace: String? = nil, verb: String, group: String? = nil, resource: String, subresource: String? = nil, name: String? = nil) {
        self.namespace = namespace
        self.verb = verb
        self.group = group
        self.resource = resource
        self.subresource = subresource
        self.name = name
    }
}

/// `authorization.k8s.io/v1` SelfSubjectAccessReview (the preflight RBAC check).
public struct SelfSubjectAccessReview: Codable, Sendable, Equatable {
    public struct Spec: Codable, Sendable, Equatable {
        public var resourceAttributes: ResourceAttributes?
        public init(resourceAttributes: ResourceAttributes?) { self.resourceAttributes = resourceAttributes }
    }

    public struct Status: Codable, Sendable, Equatable {
        public var allowed: Bool
        /// Absent on real servers unless an authorizer explicitly denied.
        public var denied: Bool?
        public var reason: String?
        public var evaluationError: String?

        public init(allowed: Bool, denied: Bool? = nil, reason: String? = nil, evaluationError: String? = nil) {
            self.allowed = allowed
            self.denied = denied
            self.reason = reason
            self.evaluationError = evaluationError
        }

        enum CodingKeys: String, CodingKey { case allowed, denied, reason, evaluationError }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            allowed = try c.decodeIfPresent(Bool.self, forKey: .allowed) ?? false
            denied = try c.decodeIfPresent(Bool.self, forKey: .denied)
            reason = try c.decodeIfPresent(String.self, forKey: .reason)
            evaluationError = try c.decodeIfPresent(String.self, forKey: .evaluationError)
        }
    }

    public var apiVersion: String
    public var kind: String
    public var spec: Spec
    public var status: Status?

    public init(spec: Spec, status: Status? = nil) {
        self.apiVersion = "authorization.k8s.io/v1"
        self.kind = "SelfSubjectAccessReview"
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, spec, status }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion) ?? "authorization.k8s.io/v1"
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? "SelfSubjectAccessReview"
        spec = try c.decodeIfPresent(Spec.self, forKey: .spec) ?? Spec(resourceAttributes: nil)
        status = try c.decodeIfPresent(Status.self, forKey: .status)
    }
}

/// `authentication.k8s.io/v1` SelfSubjectReview: who the server thinks we are
/// (`kubectl auth whoami`), for the manifest.
public struct SelfSubjectReview: Codable, Sendable, Equatable {
    public struct UserInfo: Codable, Sendable, Equatable {
        public var username: String?
        public var uid: String?
        public var groups: [String]
        public var extra: [String: [String]]

        public init(username: String? = nil, uid: String? = nil, groups: [String] = [], extra: [String: [String]] = [:]) {
            self.username = username
            self.uid = uid
            self.groups = groups
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey { case username, uid, groups, extra }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            username = try c.decodeIfPresent(String.self, forKey: .username)
            uid = try c.decodeIfPresent(String.self, forKey: .uid)
            groups = try c.decodeIfPresent([String].self, forKey: .groups) ?? []
            extra = try c.decodeIfPresent([String: [String]].self, forKey: .extra) ?? [:]
        }
    }

    public struct Status: Codable, Sendable, Equatable {
        public var userInfo: UserInfo
        public init(userInfo: UserInfo) { self.userInfo = userInfo }

        enum CodingKeys: String, CodingKey { case userInfo }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            userInfo = try c.decodeIfPresent(UserInfo.self, forKey: .userInfo) ?? .init()
        }
    }

    public var apiVersion: String
    public var kind: String
    public var status: Status?

    public init(status: Status? = nil) {
        self.apiVersion = "authentication.k8s.io/v1"
        self.kind = "SelfSubjectReview"
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, status }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion) ?? "authentication.k8s.io/v1"
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? "SelfSubjectReview"
        status = try c.decodeIfPresent(Status.self, forKey: .status)
    }
}
