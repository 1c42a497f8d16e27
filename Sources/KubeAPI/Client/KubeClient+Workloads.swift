extension KubeClient {
    /// The label selector of a workload's pods, as kubectl resolves
    /// `kubectl logs deployment/NAME`: `GET` the object, read `spec.selector`.
    /// nil when the workload's selector is empty (it would select every pod).
    public func podSelector(of workload: WorkloadReference, namespace: String) async throws -> String? {
        let path = "/apis/\(workload.kind.groupVersion)/namespaces/\(Self.segment(namespace))/\(workload.kind.resource)/\(Self.segment(workload.name))"
        let request = APIRequest(method: .GET, path: path)
        let object = try decode(WorkloadObject.self, from: try await send(request), request: request)
        do {
            return try object.spec?.selector?.labelSelectorText()
        } catch let error as WorkloadReferenceError {
            throw KubeAPIError.invalidResponse(method: "GET", path: path, detail: "the \(workload) in \(namespace): \(error)")
        }
    }
}
