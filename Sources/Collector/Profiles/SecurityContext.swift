/// The securityContext of an ephemeral container, as the API server takes it.
/// Only the fields the profiles set; nil fields are left out of the JSON.
public struct ContainerSecurityContext: Sendable, Codable, Equatable {
    public var privileged: Bool?
    public var runAsUser: Int?
    public var runAsNonRoot: Bool?
    public var allowPrivilegeEscalation: Bool?
    public var capabilities: Capabilities?
    public var seccompProfile: SeccompProfile?

    public struct Capabilities: Sendable, Codable, Equatable {
        public var add: [String]?
        public var drop: [String]?
    }

    public struct SeccompProfile: Sendable, Codable, Equatable {
        public var type: String
    }

    public init() {}
}

extension CollectionProfile {
    /// The security context kubectl debug's profile of the same name would set
    /// on an ephemeral container, plus the profile's own additions.
    public var securityContext: ContainerSecurityContext? {
        var context = ContainerSecurityContext()
        var add: [String] = []
        switch securityProfile {
        case .legacy:
            break
        case .general:
            add.append("SYS_PTRACE")
        case .baseline:
            break
        case .restricted:
            context.runAsNonRoot = true
            context.allowPrivilegeEscalation = false
            context.capabilities = .init(add: nil, drop: ["ALL"])
            context.seccompProfile = .init(type: "RuntimeDefault")
        case .netadmin:
            add += ["NET_ADMIN", "NET_RAW"]
        case .sysadmin:
            context.privileged = true
        }
        for capability in addCapabilities ?? [] where !add.contains(capability) {
            add.append(capability)
        }
        if !add.isEmpty {
            context.capabilities = .init(add: add, drop: context.capabilities?.drop)
        }
        context.runAsUser = runAsUser
        return context == ContainerSecurityContext() ? nil : context
    }
}
