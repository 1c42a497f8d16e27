import Foundation

/// Security contexts as JSON in the API server's field order, and what the runtime enforces of them.
///
/// The real server decodes a client's `securityContext` into Go structs and writes it back in
/// struct order, whatever order the client used; the lab keeps the JSON but reorders the keys
/// it knows the same way (unknown keys are dropped, as the server drops unknown fields).
enum LabSecurityContext {
    /// Go field order of `SecurityContext` (container level).
    static let containerKeys = [
        "capabilities", "privileged", "seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot",
        "readOnlyRootFilesystem", "allowPrivilegeEscalation", "procMount", "seccompProfile", "appArmorProfile",
    ]
    /// Go field order of `PodSecurityContext`.
    static let podKeys = [
        "seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot", "supplementalGroups",
        "supplementalGroupsPolicy", "fsGroup", "sysctls", "fsGroupChangePolicy", "seccompProfile", "appArmorProfile",
        "seLinuxChangePolicy",
    ]

    /// The context with its keys in server order; nil stays nil.
    static func normalized(_ value: JSONValue?, keys: [String] = containerKeys) -> JSONValue? {
        guard let value, let entries = value.objectValue else { return value }
        var out: [(key: String, value: JSONValue)] = []
        for key in keys {
            guard var v = entries.first(where: { $0.key == key })?.value, !v.isNull else { continue }
            if key == "capabilities", let caps = v.objectValue {
                v = .object(["add", "drop"].compactMap { k in caps.first(where: { $0.key == k }).map { (k, $0.value) } })
            }
            out.append((key, v))
        }
        return .object(out)
    }

    /// What the runtime enforces for one container: its own context over the pod's
    /// (runAsUser, runAsGroup and runAsNonRoot are inherited from the pod, as the kubelet does).
    static func runtimeContext(container: JSONValue?, pod: JSONValue?) -> LabRuntime.SecurityContext {
        func strings(_ v: JSONValue?) -> [String] { v?.arrayValue?.compactMap(\.stringValue) ?? [] }
        return LabRuntime.SecurityContext(
            privileged: container?["privileged"]?.boolValue ?? false,
            runAsUser: container?["runAsUser"]?.intValue ?? pod?["runAsUser"]?.intValue,
            runAsGroup: container?["runAsGroup"]?.intValue ?? pod?["runAsGroup"]?.intValue,
            runAsNonRoot: container?["runAsNonRoot"]?.boolValue ?? pod?["runAsNonRoot"]?.boolValue,
            allowPrivilegeEscalation: container?["allowPrivilegeEscalation"]?.boolValue,
            addCapabilities: strings(container?["capabilities"]?["add"]),
            dropCapabilities: strings(container?["capabilities"]?["drop"]))
    }
}

/// A security context as a topology file writes it (container or pod level; the pod level
/// ignores capabilities, privileged and allowPrivilegeEscalation).
public struct LabSecurityContextSpec: Sendable, Decodable {
    public struct Capabilities: Sendable, Decodable {
        public var add: [String]?
        public var drop: [String]?
    }

    public struct Seccomp: Sendable, Decodable {
        public var type: String
        public var localhostProfile: String?
    }

    public var capabilities: Capabilities?
    public var privileged: Bool?
    public var runAsUser: Int?
    public var runAsGroup: Int?
    public var runAsNonRoot: Bool?
    public var allowPrivilegeEscalation: Bool?
    public var seccompProfile: Seccomp?

    /// As the API server writes it, container level (`pod: false`) or pod level.
    func json(pod: Bool) -> JSONValue {
        var o = JSONObjectBuilder()
        if !pod, let capabilities {
            var c = JSONObjectBuilder()
            if let add = capabilities.add { c.set("add", JSONValue.strings(add)) }
            if let drop = capabilities.drop { c.set("drop", JSONValue.strings(drop)) }
            o.set("capabilities", c.value)
        }
        if !pod { o.set("privileged", privileged) }
        o.set("runAsUser", runAsUser)
        o.set("runAsGroup", runAsGroup)
        o.set("runAsNonRoot", runAsNonRoot)
        if !pod { o.set("allowPrivilegeEscalation", allowPrivilegeEscalation) }
        if let seccompProfile {
            var s = JSONObjectBuilder()
            s.set("type", seccompProfile.type)
            s.set("localhostProfile", seccompProfile.localhostProfile)
            o.set("seccompProfile", s.value)
        }
        return o.value
    }
}
