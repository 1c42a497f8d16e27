/// Pod Security admission for namespaces labelled `pod-security.kubernetes.io/enforce`,
/// with the real plugin's checks and wording (k8s.io/pod-security-admission/policy), for the
/// parts of a pod the lab models: privileged, capabilities, allowPrivilegeEscalation,
/// runAsNonRoot, runAsUser and seccompProfile. `privileged` (or no label) admits anything.
///
/// It runs on every pod update that adds ephemeral containers, over all of the pod's
/// containers, as the real plugin does for the `ephemeralcontainers` subresource.
enum LabPodSecurity {
    static let enforceLabel = "pod-security.kubernetes.io/enforce"
    static let enforceVersionLabel = "pod-security.kubernetes.io/enforce-version"

    /// Capabilities the baseline level lets a container add.
    static let baselineCapabilities: Set<String> = [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID",
        "SETPCAP", "SETUID", "SYS_CHROOT",
    ]

    struct Container {
        var name: String
        var securityContext: JSONValue?
    }

    /// The 403 for a pod that violates the namespace's level, or nil when it is admitted.
    static func check(namespaceLabels: [String: String], podName: String, podSecurityContext: JSONValue?, containers: [Container],
                      hostPID: Bool = false) -> APIError? {
        guard let level = namespaceLabels[enforceLabel], level == "baseline" || level == "restricted" else { return nil }
        let version = namespaceLabels[enforceVersionLabel] ?? "latest"
        let violations = evaluate(level: level, pod: podSecurityContext, containers: containers, hostPID: hostPID)
        guard !violations.isEmpty else { return nil }
        let message = "pods \(goQuote(podName)) is forbidden: violates PodSecurity \(goQuote("\(level):\(version)")): "
            + violations.map { "\($0.reason) (\($0.detail))" }.joined(separator: ", ")
        return APIError(
            code: 403, reason: "Forbidden", message: message, details: .object([("name", .string(podName)), ("kind", .string("pods"))]))
    }

    struct Violation: Equatable {
        var reason: String
        var detail: String
    }

    private static func containersPhrase(_ names: [String]) -> String {
        (names.count == 1 ? "container " : "containers ") + names.map(goQuote).joined(separator: ", ")
    }

    /// The failed checks, in the order of their check IDs (as the plugin reports them).
    static func evaluate(level: String, pod: JSONValue?, containers: [Container], hostPID: Bool = false) -> [Violation] {
        let restricted = level == "restricted"
        var out: [Violation] = []
        func caps(_ c: Container, _ key: String) -> [String] { c.securityContext?["capabilities"]?[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }

        // allowPrivilegeEscalation (restricted)
        if restricted {
            let bad = containers.filter { $0.securityContext?["allowPrivilegeEscalation"]?.boolValue != false }.map(\.name)
            if !bad.isEmpty {
                out.append(.init(reason: "allowPrivilegeEscalation != false", detail: "\(containersPhrase(bad)) must set securityContext.allowPrivilegeEscalation=false"))
            }
        }
        // capabilities_baseline, overridden by capabilities_restricted at the restricted level
        if restricted {
            var missingDropAll: [String] = []
            var adding: [String] = []
            var forbidden = Set<String>()
            for c in containers {
                if !caps(c, "drop").contains("ALL") { missingDropAll.append(c.name) }
                let added = caps(c, "add").filter { $0 != "NET_BIND_SERVICE" }
                if !added.isEmpty {
                    adding.append(c.name)
                    forbidden.formUnion(added)
                }
            }
            var details: [String] = []
            if !missingDropAll.isEmpty { details.append("\(containersPhrase(missingDropAll)) must set securityContext.capabilities.drop=[\"ALL\"]") }
            if !adding.isEmpty {
                details.append(
                    "\(containersPhrase(adding)) must not include \(forbidden.sorted().map(goQuote).joined(separator: ", ")) in securityContext.capabilities.add")
            }
            if !details.isEmpty { out.append(.init(reason: "unrestricted capabilities", detail: details.joined(separator: "; "))) }
        } else {
            var adding: [String] = []
            var forbidden = Set<String>()
            for c in containers {
                let added = caps(c, "add").filter { !baselineCapabilities.contains($0) }
                if !added.isEmpty {
                    adding.append(c.name)
                    forbidden.formUnion(added)
                }
            }
            if !adding.isEmpty {
                out.append(
                    .init(
                        reason: "non-default capabilities",
                        detail: "\(containersPhrase(adding)) must not include \(forbidden.sorted().map(goQuote).joined(separator: ", ")) in securityContext.capabilities.add"))
            }
        }
        // hostNamespaces (baseline): of hostNetwork, hostPID and hostIPC the lab models hostPID.
        if hostPID {
            out.append(.init(reason: "host namespaces", detail: "hostPID=true"))
        }
        // privileged (baseline)
        let privileged = containers.filter { $0.securityContext?["privileged"]?.boolValue == true }.map(\.name)
        if !privileged.isEmpty {
            out.append(.init(reason: "privileged", detail: "\(containersPhrase(privileged)) must not set securityContext.privileged=true"))
        }
        if restricted {
            // runAsNonRoot
            var badSetters: [String] = []
            let podNonRoot = pod?["runAsNonRoot"]?.boolValue
            if podNonRoot == false { badSetters.append("pod") }
            var explicit: [String] = []
            var implicit: [String] = []
            for c in containers {
                if let v = c.securityContext?["runAsNonRoot"]?.boolValue {
                    if !v { explicit.append(c.name) }
                } else if podNonRoot != true {
                    implicit.append(c.name)
                }
            }
            if !explicit.isEmpty { badSetters.append(containersPhrase(explicit)) }
            if !badSetters.isEmpty {
                out.append(.init(reason: "runAsNonRoot != true", detail: "\(badSetters.joined(separator: " and ")) must not set securityContext.runAsNonRoot=false"))
            } else if !implicit.isEmpty {
                out.append(.init(reason: "runAsNonRoot != true", detail: "pod or \(containersPhrase(implicit)) must set securityContext.runAsNonRoot=true"))
            }
            // runAsUser
            var rootSetters: [String] = []
            if pod?["runAsUser"]?.intValue == 0 { rootSetters.append("pod") }
            let rootContainers = containers.filter { $0.securityContext?["runAsUser"]?.intValue == 0 }.map(\.name)
            if !rootContainers.isEmpty { rootSetters.append(containersPhrase(rootContainers)) }
            if !rootSetters.isEmpty {
                out.append(.init(reason: "runAsUser=0", detail: "\(rootSetters.joined(separator: " and ")) must not set runAsUser=0"))
            }
        }
        // seccompProfile_baseline, overridden by seccompProfile_restricted at the restricted level
        let valid: Set<String> = restricted ? ["RuntimeDefault", "Localhost"] : ["RuntimeDefault", "Localhost", ""]
        var badSetters: [String] = []
        var badValues = Set<String>()
        let podType = pod?["seccompProfile"]?["type"]?.stringValue
        if let podType, !valid.contains(podType) || (!restricted && podType == "Unconfined") {
            badSetters.append("pod")
            badValues.insert(podType)
        }
        var explicit: [String] = []
        var implicit: [String] = []
        for c in containers {
            if let type = c.securityContext?["seccompProfile"]?["type"]?.stringValue {
                if restricted ? !valid.contains(type) : type == "Unconfined" {
                    explicit.append(c.name)
                    badValues.insert(type)
                }
            } else if podType.map({ !valid.contains($0) }) ?? true {
                implicit.append(c.name)
            }
        }
        if !restricted { badSetters = badSetters.filter { _ in podType == "Unconfined" } }
        if !explicit.isEmpty { badSetters.append(containersPhrase(explicit)) }
        if !badSetters.isEmpty {
            out.append(
                .init(
                    reason: "seccompProfile",
                    detail: "\(badSetters.joined(separator: " and ")) must not set securityContext.seccompProfile.type to \(badValues.sorted().map(goQuote).joined(separator: ", "))"))
        } else if restricted, !implicit.isEmpty {
            out.append(
                .init(
                    reason: "seccompProfile",
                    detail: "pod or \(containersPhrase(implicit)) must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\""))
        }
        return out
    }
}
