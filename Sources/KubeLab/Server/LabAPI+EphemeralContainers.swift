import Foundation

/// `PATCH /api/v1/namespaces/{ns}/pods/{pod}/ephemeralcontainers`, as the real server treats it:
/// the patch (strategic merge, JSON merge or JSON patch) is applied to the pod's ephemeral
/// containers, defaults are filled in, the result is validated (422), admitted by Pod Security
/// (403), stored (generation and resourceVersion bumped, a MODIFIED event) unless `dryRun=All`,
/// and the new containers are handed to the kubelet. The reply is the Pod.
extension LabAPI {
    func patchEphemeralContainers(_ request: LabRequest, namespace: String, name: String, pretty: Bool) throws(APIError) -> LabResponse {
        let mediaType = LabAPI.mediaType(request)
        guard ["application/strategic-merge-patch+json", "application/merge-patch+json", "application/json-patch+json"].contains(mediaType)
        else { throw .unsupportedMediaType }
        let body: JSONValue
        do {
            body = try JSONValue.parse(request.body)
        } catch {
            throw .badRequest("error decoding patch: \(error)")
        }
        // The kubelet may change the pod's status meanwhile: retry on a changed resourceVersion, as the server does.
        for _ in 0..<20 {
            if let response = try attemptEphemeralPatch(request, body: body, mediaType: mediaType, namespace: namespace, name: name, pretty: pretty) {
                return response
            }
        }
        throw APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on pods \(goQuote(name)): the object has been modified; please apply your changes to the latest version and try again",
            details: .object([("name", .string(name)), ("kind", .string("pods"))]))
    }

    /// One attempt; nil when the pod changed between reading and writing it.
    private func attemptEphemeralPatch(
        _ request: LabRequest, body: JSONValue, mediaType: String, namespace: String, name: String, pretty: Bool
    ) throws(APIError) -> LabResponse? {
        guard let stored = store.pod(namespace: namespace, name: name) else { throw .notFound(resource: "pods", name: name) }
        let pod = stored.pod

        // The patch applies to the pod as JSON; only spec.ephemeralContainers is kept from the result.
        var specEntries: [(key: String, value: JSONValue)] = []
        if !pod.ephemeralContainers.isEmpty {
            specEntries.append(("ephemeralContainers", .array(pod.ephemeralContainers.map(LabPod.renderEphemeral))))
        }
        let document = JSONValue.object([("metadata", .object([("name", .string(pod.name))])), ("spec", .object(specEntries))])
        let patched: JSONValue
        switch mediaType {
        case "application/json-patch+json":
            guard body.arrayValue != nil else { throw .badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch") }
            do { patched = try LabPatch.jsonPatch(document, body) } catch { throw .patchNotApplicable }
        case "application/merge-patch+json":
            guard body.objectValue != nil else { throw .badRequest("error decoding patch: the merge patch must be a JSON object") }
            patched = LabPatch.mergePatch(document, body)
        default:
            guard body.objectValue != nil else { throw .badRequest("error decoding patch: the strategic merge patch must be a JSON object") }
            patched = LabPatch.strategicMerge(document, body)
        }
        let items = patched["spec"]?["ephemeralContainers"]?.arrayValue ?? []
        let decoded = items.map(LabEphemeralContainer.decode)
        let errors = LabEphemeralContainer.validate(decoded, for: pod)
        if !errors.isEmpty { throw .invalid(kind: "Pod", name: pod.name, errors: errors) }
        let newList = decoded.map(\.container)

        // Nothing changed (e.g. the same strategic merge patch sent twice): 200, no new resourceVersion.
        if newList.map(\.canonicalJSON) == pod.ephemeralContainers.map(\.canonicalJSON) {
            return .json(200, stored.json, pretty: pretty)
        }
        let namespaceLabels = store.namespace(namespace)?.labels ?? [:]
        let securityContainers =
            pod.containers.map { LabPodSecurity.Container(name: $0.name, securityContext: $0.securityContext) }
            + newList.map { LabPodSecurity.Container(name: $0.name, securityContext: $0.securityContext) }
        if let refusal = LabPodSecurity.check(
            namespaceLabels: namespaceLabels, podName: pod.name, podSecurityContext: pod.securityContext, containers: securityContainers)
        {
            throw refusal
        }

        let oldNames = Set(pod.ephemeralContainers.map(\.name))
        func apply(_ p: inout LabPod) {
            if p.observedGeneration == nil { p.observedGeneration = p.generation }
            p.ephemeralContainers = newList
            p.generation += 1
        }
        if request.query["dryRun"] == "All" {
            var preview = pod
            apply(&preview)
            return .json(200, StoredPod(preview).json, pretty: pretty)
        }
        let (uid, resourceVersion) = (pod.uid, pod.resourceVersion)
        guard
            let updated = store.updatePodIf(namespace: namespace, name: name, { p in
                guard p.uid == uid, p.resourceVersion == resourceVersion else { return false }
                apply(&p)
                return true
            })
        else { return nil }
        for c in newList where !oldNames.contains(c.name) { kubelet.startEphemeral(c, in: updated.pod) }
        return .json(200, updated.json, pretty: pretty)
    }
}
