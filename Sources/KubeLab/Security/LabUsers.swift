import Foundation

/// Who sent a request, as the authenticator sees it (`userInfo` of a SelfSubjectReview).
public struct LabIdentity: Sendable, Equatable {
    public var username: String
    public var uid: String?
    public var groups: [String]
    public var extra: [String: [String]]

    public init(username: String, uid: String? = nil, groups: [String], extra: [String: [String]] = [:]) {
        self.username = username
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }
}

/// One RBAC-like rule: the verbs allowed on the resources (`pods`, `pods/log`,
/// `pods/ephemeralcontainers`, `namespaces`, or `*`).
public struct LabRule: Sendable, Equatable {
    public var verbs: [String]
    public var resources: [String]

    public init(verbs: [String], resources: [String]) {
        self.verbs = verbs
        self.resources = resources
    }

    /// Everything, like the cluster-admin ClusterRole.
    public static let all = LabRule(verbs: ["*"], resources: ["*"])

    func allows(verb: String, resource: String) -> Bool {
        (verbs.contains("*") || verbs.contains(verb)) && (resources.contains("*") || resources.contains(resource))
    }
}

/// A lab user: a bearer token (or a client certificate with CN = name) and its rules.
public struct LabUser: Sendable {
    public var name: String
    public var uid: String?
    public var groups: [String]
    public var token: String?
    public var rules: [LabRule]

    public init(name: String, uid: String? = nil, groups: [String] = [], token: String? = nil, rules: [LabRule] = []) {
        self.name = name
        self.uid = uid
        self.groups = groups
        self.token = token
        self.rules = rules
    }

    var identity: LabIdentity {
        LabIdentity(username: name, uid: uid, groups: groups + ["system:authenticated"])
    }
}

/// The lab's users and their rights. Thread-safe: tests change rules while the server runs.
public final class LabUsers: Sendable {
    private struct State: Sendable {
        var users: [String: LabUser] = [:]
        var denied: Set<String> = []
    }

    private let state = LabMutex(State())

    public static let adminName = "admin"
    public static let operatorName = "operator"
    /// Named like the ServiceAccount without RBAC in the recorded fixtures.
    public static let nobodyName = "system:serviceaccount:shop:nobody"
    /// May read pods and their logs but not add ephemeral containers (`patch pods/ephemeralcontainers`
    /// is a permission of its own): the context `kubelab-viewer`.
    public static let viewerName = "viewer"
    public static let viewerRules = [
        LabRule(verbs: ["get", "list", "watch"], resources: ["pods", "namespaces"]), LabRule(verbs: ["get"], resources: ["pods/log"]),
    ]

    /// Has exactly the rules of examples/rbac.yaml's ClusterRole `kubectl-evidence-collector`,
    /// the least a collection needs: the context `kubelab-collector`.
    public static let collectorName = "collector"
    public static let collectorRules = [
        LabRule(verbs: ["get", "list", "watch"], resources: ["pods"]), LabRule(verbs: ["patch"], resources: ["pods/ephemeralcontainers"]),
        LabRule(verbs: ["get"], resources: ["pods/log"]), LabRule(verbs: ["get", "create"], resources: ["pods/attach"]),
        LabRule(verbs: ["get"], resources: ["deployments", "statefulsets", "daemonsets", "replicasets", "jobs"]),
    ]

    init() {
        add(LabUser(name: LabUsers.adminName, groups: ["system:masters"]))
        add(LabUser(name: LabUsers.operatorName, groups: ["kubelab:operators"], token: LabNames.randomHex(24), rules: [.all]))
        add(
            LabUser(
                name: LabUsers.nobodyName, uid: LabNames.uuid(),
                groups: ["system:serviceaccounts", "system:serviceaccounts:shop"], token: LabNames.randomHex(24)))
        add(LabUser(name: LabUsers.viewerName, groups: ["kubelab:viewers"], token: LabNames.randomHex(24), rules: LabUsers.viewerRules))
        add(
            LabUser(
                name: LabUsers.collectorName, groups: ["kubelab:collectors"], token: LabNames.randomHex(24), rules: LabUsers.collectorRules))
    }

    public func add(_ user: LabUser) {
        state.withLock { $0.users[user.name] = user }
    }

    public func user(named name: String) -> LabUser? { state.withLock { $0.users[name] } }

    /// Replaces a user's rules (e.g. take `patch pods/ephemeralcontainers` away in a test).
    public func setRules(_ rules: [LabRule], for name: String) {
        state.withLock { $0.users[name]?.rules = rules }
    }

    /// Denies every request of this user with 403 (a fault), whatever its groups.
    public func deny(_ name: String) { state.withLock { _ = $0.denied.insert(name) } }
    public func undeny(_ name: String) { state.withLock { _ = $0.denied.remove(name) } }
    var deniedUsers: [String] { state.withLock { $0.denied.sorted() } }
    func setDenied(_ names: [String]) { state.withLock { $0.denied = Set(names) } }

    func authenticate(token: String) -> LabIdentity? {
        state.withLock { s in s.users.values.first(where: { $0.token == token })?.identity }
    }

    /// The authorizer: system:masters may do anything (unless denied by a fault);
    /// others need a rule for `resource[/subresource]`.
    func allows(_ identity: LabIdentity, verb: String, resource: String) -> Bool {
        state.withLock { s in
            if s.denied.contains(identity.username) { return false }
            if identity.groups.contains("system:masters") { return true }
            guard let user = s.users[identity.username] else { return false }
            return user.rules.contains { $0.allows(verb: verb, resource: resource) }
        }
    }

    /// The reason a real RBAC authorizer gives for an allowed non-master request.
    func allowReason(_ identity: LabIdentity) -> String? {
        if identity.groups.contains("system:masters") { return nil }
        return "RBAC: allowed by ClusterRoleBinding \"kubelab-\(identity.username)\" of ClusterRole \"cluster-admin\" to User \"\(identity.username)\""
    }
}
