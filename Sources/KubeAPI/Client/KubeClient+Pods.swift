import Foundation

extension KubeClient {
    static func podsPath(namespace: String?) -> String {
        guard let namespace else { return "/api/v1/pods" }
        return "/api/v1/namespaces/\(segment(namespace))/pods"
    }

    static func podPath(namespace: String, name: String, subresource: String? = nil) -> String {
        var path = podsPath(namespace: namespace) + "/" + segment(name)
        if let subresource, !subresource.isEmpty { path += "/" + segment(subresource) }
        return path
    }

    static func selectorQuery(labelSelector: String?, fieldSelector: String?) -> [(String, String)] {
        var query: [(String, String)] = []
        if let labelSelector, !labelSelector.isEmpty { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { query.append(("fieldSelector", fieldSelector)) }
        return query
    }

    /// One page of pods; `namespace` nil lists all namespaces (`-A`).
    /// Each item's `rawJSON` holds that pod's bytes exactly as the server sent them,
    /// unless `keepingBytes` is false (a list read only to plan: pods that earlier
    /// runs gave evidence containers carry tens of KB of script each).
    public func listPods(
        namespace: String?, labelSelector: String?, fieldSelector: String? = nil,
        limit: Int? = nil, continueToken: String? = nil, keepingBytes: Bool = true
    ) async throws -> PodList {
        var query = Self.selectorQuery(labelSelector: labelSelector, fieldSelector: fieldSelector)
        if let limit, limit > 0 { query.append(("limit", String(limit))) }
        if let continueToken, !continueToken.isEmpty { query.append(("continue", continueToken)) }
        let request = APIRequest(method: .GET, path: Self.podsPath(namespace: namespace), query: query)
        let reply = try await send(request)
        do {
            return try PodList.decode(json: reply.body, keepingBytes: keepingBytes)
        } catch {
            throw KubeAPIError.invalidResponse(method: "GET", path: request.pathAndQuery, detail: "\(error)")
        }
    }

    /// Every pod that matches, page by page (`limit`/`continue`), as one list
    /// whose `metadata.resourceVersion` is the list's (watch from it).
    ///
    /// If the continue token expires mid-way (410 Gone, the server compacted
    /// past the list's resourceVersion), the list restarts from the first page
    /// once, as client-go's pager does; a second 410 is thrown.
    public func listAllPods(
        namespace: String?, labelSelector: String?, fieldSelector: String? = nil, pageSize: Int = 500, keepingBytes: Bool = true
    ) async throws -> PodList {
        var restarted = false
        while true {
            do {
                return try await listAllPages(namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                                              pageSize: pageSize, keepingBytes: keepingBytes)
            } catch let error as KubeAPIError where error.isGone && !restarted {
                restarted = true
            }
        }
    }

    private func listAllPages(namespace: String?, labelSelector: String?, fieldSelector: String?, pageSize: Int,
                              keepingBytes: Bool) async throws -> PodList {
        var result = PodList()
        var token: String?
        var first = true
        repeat {
            let page = try await listPods(
                namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                limit: pageSize, continueToken: token, keepingBytes: keepingBytes)
            if first {
                result.metadata.resourceVersion = page.metadata.resourceVersion
                first = false
            }
            result.items.append(contentsOf: page.items)
            token = page.metadata.continueToken.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return result
    }

    /// `GET` one pod; `rawJSON` is the reply's bytes.
    public func getPod(namespace: String, name: String) async throws -> Pod {
        let request = APIRequest(method: .GET, path: Self.podPath(namespace: namespace, name: name))
        let reply = try await send(request)
        return try decodePod(reply, request: request)
    }

    /// `PATCH` a pod or one of its subresources (e.g. `ephemeralcontainers`)
    /// with `patch` as the body. `dryRun` adds `?dryRun=All`, so admission
    /// (Pod Security, webhooks) judges it without anything being stored.
    /// Server-side apply (`.apply`) is sent with fieldManager=kubectl-evidence.
    public func patchPod(
        namespace: String, name: String, subresource: String?, patch: Data, type: PatchType, dryRun: Bool = false
    ) async throws -> Pod {
        var query: [(String, String)] = []
        if dryRun { query.append(("dryRun", "All")) }
        if type == .apply { query.append(("fieldManager", "kubectl-evidence")) }
        var request = APIRequest(
            method: .PATCH, path: Self.podPath(namespace: namespace, name: name, subresource: subresource),
            query: query, body: Array(patch), contentType: type.contentType)
        // A JSON patch ("add") is not safe to repeat; the others state the result.
        request.isDeclarative = type != .json
        let reply = try await send(request)
        return try decodePod(reply, request: request)
    }

    func decodePod(_ reply: Reply, request: APIRequest) throws -> Pod {
        do {
            return try Pod.decode(json: reply.body)
        } catch {
            throw KubeAPIError.invalidResponse(method: request.method.rawValue, path: request.pathAndQuery, detail: "\(error)")
        }
    }
}
