/// `GET /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets|replicasets|daemonsets}/{name}`
/// and `/apis/batch/v1/namespaces/{ns}/jobs/{name}`: the topology's workloads
/// (``LabWorkloads``), NotFound in the real server's words for the rest.
extension LabAPI {
    static let workloadResources: [String: Set<String>] = [
        "apps/v1": ["deployments", "statefulsets", "replicasets", "daemonsets"], "batch/v1": ["jobs"],
    ]

    /// nil when the path is not a workload's.
    func workload(_ request: LabRequest, parts: [String], identity: LabIdentity, pretty: Bool) throws(APIError) -> LabResponse? {
        guard parts.count == 7, parts[0] == "apis", parts[3] == "namespaces",
              let resources = Self.workloadResources["\(parts[1])/\(parts[2])"], resources.contains(parts[5])
        else { return nil }
        let (group, namespace, resource, name) = (parts[1], parts[4], parts[5], parts[6])
        counter.record(verb: "get", resource: resource)
        guard request.method == .GET else { throw .methodNotAllowed }
        try authorize(identity, verb: "get", resource: resource, namespace: namespace, name: name)
        guard let object = workloads.object(resource: resource, namespace: namespace, name: name) else {
            throw .notFound(resource: resource, name: name, group: group)
        }
        return .json(200, object, pretty: pretty)
    }
}
