extension LabAPI {
    /// `PATCH pods/{pod}` as `kubectl label` and `kubectl annotate` send it: a merge patch (or
    /// strategic merge patch) of `metadata.labels` and `metadata.annotations`, `null` removing
    /// a key. Relabelling a pod out of its Service is a standard incident step, so the lab must
    /// take it; a patch of anything else is refused, naming what the lab does not model.
    func patchPodMetadata(_ request: LabRequest, namespace: String, name: String, pretty: Bool) throws(APIError) -> LabResponse {
        let mediaType = LabAPI.mediaType(request)
        guard ["application/strategic-merge-patch+json", "application/merge-patch+json"].contains(mediaType) else {
            throw .unsupportedMediaType
        }
        let body: JSONValue
        do {
            body = try JSONValue.parse(request.body)
        } catch {
            throw .badRequest("error decoding patch: \(error)")
        }
        guard let top = body.objectValue else { throw .badRequest("error decoding patch: the patch is not a JSON object") }
        var labels: [(String, String?)] = []
        var annotations: [(String, String?)] = []
        for (key, value) in top {
            guard key == "metadata", let metadata = value.objectValue else {
                throw .invalid(kind: "Pod", name: name, field: key,
                               message: "Forbidden: the lab applies patches of metadata.labels and metadata.annotations only")
            }
            for (field, entries) in metadata {
                switch field {
                case "labels", "annotations":
                    for (k, v) in entries.objectValue ?? [] {
                        if v.isNull {
                            field == "labels" ? labels.append((k, nil)) : annotations.append((k, nil))
                            continue
                        }
                        guard let text = v.stringValue else {
                            throw .badRequest("error decoding patch: metadata.\(field).\(k) must be a string")
                        }
                        if field == "labels" {
                            if let e = LabelValidation.qualifiedNameErrors(k) {
                                throw .invalid(kind: "Pod", name: name, field: "metadata.labels", message: "Invalid value: \(goQuote(k)): \(e)")
                            }
                            if let e = LabelValidation.labelValueErrors(text) {
                                throw .invalid(kind: "Pod", name: name, field: "metadata.labels", message: "Invalid value: \(goQuote(text)): \(e)")
                            }
                            labels.append((k, text))
                        } else {
                            annotations.append((k, text))
                        }
                    }
                case "resourceVersion", "name", "namespace", "uid":
                    continue
                default:
                    throw .invalid(kind: "Pod", name: name, field: "metadata.\(field)",
                                   message: "Forbidden: the lab applies patches of metadata.labels and metadata.annotations only")
                }
            }
        }
        let updated = store.updatePodIf(namespace: namespace, name: name) { pod in
            let before = (pod.labels, pod.annotations)
            for (k, v) in labels { pod.labels[k] = v }
            for (k, v) in annotations { pod.annotations[k] = v }
            return before != (pod.labels, pod.annotations)
        }
        if let updated { return .json(200, updated.json, pretty: pretty) }
        // Nothing changed: the server answers with the pod as it is, without a new resourceVersion.
        guard let stored = store.pod(namespace: namespace, name: name) else { throw .notFound(resource: "pods", name: name) }
        return .json(200, stored.json, pretty: pretty)
    }
}
