import KubeAPI

extension CollectionProfile {
    /// The uid the evidence container runs as in a pod whose spec names
    /// `specUIDs` as `runAsUser`: the profile's fixed ``runAsUser``, or the
    /// first of ``runAsUserChoices`` that the spec does not name (when every
    /// choice is taken, the next lower free uid below the last). nil leaves
    /// the uid to the pod and the image.
    public func runAsUser(avoiding specUIDs: [Int64]) -> Int? {
        if let runAsUser { return runAsUser }
        guard let choices = runAsUserChoices, let last = choices.last else { return nil }
        let taken = Set(specUIDs)
        if let free = choices.first(where: { !taken.contains(Int64($0)) }) { return free }
        var uid = last - 1
        while uid > 0, taken.contains(Int64(uid)) { uid -= 1 }
        return uid > 0 ? uid : nil
    }

    /// The security context of the evidence container in a pod whose spec
    /// names `specUIDs` as `runAsUser` (see ``runAsUser(avoiding:)``). The
    /// preflight's dry run and the injection both build it here, so admission
    /// judges the container that is really sent.
    public func securityContext(avoiding specUIDs: [Int64]) -> SecurityContext? {
        var context = baseSecurityContext
        context.runAsUser = runAsUser(avoiding: specUIDs).map(Int64.init)
        // Root on purpose: a pod-level runAsNonRoot must not stop the
        // evidence container, and Pod Security baseline allows it.
        if context.runAsUser == 0 { context.runAsNonRoot = false }
        return context == SecurityContext() ? nil : context
    }

    /// The security context for a pod whose spec names no `runAsUser`, as
    /// `kubectl-evidence profiles show` prints it.
    public var securityContext: SecurityContext? {
        securityContext(avoiding: [])
    }

    /// The security context kubectl debug's profile of the same name would set
    /// on an ephemeral container, plus the profile's own additions, without a uid.
    private var baseSecurityContext: SecurityContext {
        var context = SecurityContext()
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
        return context
    }
}
