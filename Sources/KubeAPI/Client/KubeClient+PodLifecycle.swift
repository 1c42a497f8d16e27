import Foundation

extension KubeClient {
    /// `POST` a pod (the node method's helper). `body` is the pod's JSON;
    /// `dryRun` adds `?dryRun=All`, so that admission (Pod Security, webhooks)
    /// judges the very pod the run will create, without anything being stored.
    /// Not sent twice after a reset: a pod with a fixed name that was created
    /// would then answer 409 and hide that it exists.
    public func createPod(namespace: String, body: [UInt8], dryRun: Bool = false) async throws -> Pod {
        var query: [(String, String)] = []
        if dryRun { query.append(("dryRun", "All")) }
        let request = APIRequest(method: .POST, path: Self.podsPath(namespace: namespace), query: query, body: body,
                                 contentType: "application/json")
        let reply = try await send(request)
        return try decodePod(reply, request: request)
    }

    /// `DELETE` a pod with `gracePeriodSeconds`; a pod already gone is not an error
    /// (deleting is the one thing a cleanup may find done). Repeating it is safe.
    /// With `uid`, only that pod goes (DeleteOptions' precondition): another pod made
    /// under the name meanwhile is left alone (409 Conflict).
    public func deletePod(namespace: String, name: String, uid: String? = nil, gracePeriodSeconds: Int = 0) async throws {
        var request = APIRequest(method: .DELETE, path: Self.podPath(namespace: namespace, name: name),
                                 query: [("gracePeriodSeconds", String(gracePeriodSeconds))])
        if let uid {
            struct Options: Encodable {
                var apiVersion = "v1", kind = "DeleteOptions"
                var preconditions: [String: String]
            }
            request.body = Array(try JSONEncoder().encode(Options(preconditions: ["uid": uid])))
            request.contentType = "application/json"
        }
        request.isDeclarative = true
        do {
            _ = try await send(request)
        } catch let error as KubeAPIError where error.statusCode == 404 {
            return
        }
    }
}
