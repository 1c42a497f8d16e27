import Foundation
import NIOHTTP1

/// The API server's impersonation filter: `Impersonate-User`, `-Uid`,
/// `-Group` and `-Extra-*` turn the request into one made by another user,
/// after checking that the authenticated user may `impersonate` each of them.
///
/// As in k8s.io/apiserver's `WithImpersonation`: groups, a uid or extras
/// without a user are an internal error; a ServiceAccount user gets its
/// `system:serviceaccounts` groups; every impersonated user is
/// `system:authenticated`.
extension LabAPI {
    func impersonated(_ request: LabRequest, by identity: LabIdentity) throws(APIError) -> LabIdentity {
        let headers = request.headers
        let user = headers.first(name: "Impersonate-User")
        let uid = headers.first(name: "Impersonate-Uid")
        let groups = headers[canonicalForm: "Impersonate-Group"].map(String.init)
        var extra: [String: [String]] = [:]
        for (name, value) in headers where name.lowercased().hasPrefix("impersonate-extra-") {
            let key = LabRequest.percentDecode(String(name.dropFirst("impersonate-extra-".count))).lowercased()
            extra[key, default: []].append(value)
        }
        guard let user, !user.isEmpty else {
            if uid != nil || !groups.isEmpty || !extra.isEmpty {
                throw APIError(
                    code: 500, reason: "InternalError",
                    message: "Internal error occurred: requested \(groups.map { "{Group \($0)}" }) without impersonating a user",
                    details: .object([]))
            }
            return identity
        }

        var newGroups = groups
        if let account = Self.serviceAccount(user) {
            try authorizeImpersonation(identity, resource: "serviceaccounts", name: account.name, namespace: account.namespace)
            if groups.isEmpty {
                newGroups = ["system:serviceaccounts", "system:serviceaccounts:\(account.namespace)"]
            }
        } else {
            try authorizeImpersonation(identity, resource: "users", name: user, namespace: nil)
        }
        for group in groups { try authorizeImpersonation(identity, resource: "groups", name: group, namespace: nil) }
        if let uid { try authorizeImpersonation(identity, resource: "uids", name: uid, namespace: nil) }
        for key in extra.keys.sorted() { try authorizeImpersonation(identity, resource: "userextras/\(key)", name: nil, namespace: nil) }
        if user != "system:anonymous", !newGroups.contains("system:authenticated") { newGroups.append("system:authenticated") }
        return LabIdentity(username: user, uid: uid, groups: newGroups, extra: extra)
    }

    private func authorizeImpersonation(_ identity: LabIdentity, resource: String, name: String?, namespace: String?) throws(APIError) {
        guard users.allows(identity, verb: "impersonate", resource: resource) else {
            let base = resource.split(separator: "/").first.map(String.init) ?? resource
            let sub = resource.contains("/") ? String(resource.split(separator: "/", maxSplits: 1)[1]) : nil
            throw .forbidden(
                user: identity.username, verb: "impersonate", resource: base, subresource: sub,
                group: base == "userextras" || base == "uids" ? "authentication.k8s.io" : "", namespace: namespace, name: name)
        }
    }

    /// `system:serviceaccount:NAMESPACE:NAME`.
    static func serviceAccount(_ user: String) -> (namespace: String, name: String)? {
        let parts = user.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "system", parts[1] == "serviceaccount", !parts[2].isEmpty, !parts[3].isEmpty else { return nil }
        return (String(parts[2]), String(parts[3]))
    }
}
