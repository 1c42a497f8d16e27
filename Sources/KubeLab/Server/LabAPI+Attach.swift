/// `pods/{pod}/attach`, as a v1.36 API server and kubelet answer it: checked by
/// the API server (pod 404, container 400), then by the kubelet (a container
/// that is not running: 500, text, in the kubelet's words), then upgraded to a
/// WebSocket (`LabAttachUpgrade`) or refused for want of one.
extension LabAPI {
    func attach(_ request: LabRequest, namespace: String, name: String) throws(APIError) -> LabResponse {
        // Admission (CONNECT) comes before the pod's containers are looked at, as a
        // ValidatingAdmissionPolicy's refusal does on a v1.36 server.
        if let policy = faults.attachDenial(pod: name) {
            let why = "ValidatingAdmissionPolicy 'kubelab-deny-attach' with binding 'kubelab-deny-attach' denied request: \(policy)"
            throw APIError(
                code: 422, reason: "Invalid", message: "pods \"\(name)\" is forbidden: \(why)",
                details: .object([("name", .string(name)), ("kind", .string("pods")), ("causes", .array([.object([("message", .string(why))])]))]))
        }
        guard let stored = store.pod(namespace: namespace, name: name) else { throw .notFound(resource: "pods", name: name) }
        let container = try LabAPI.container(named: request.query["container"], in: stored.pod)
        guard let running = kubelet.runningPod(namespace: namespace, name: name), case .running? = running.containerState(container) else {
            // The kubelet finds no running container of that name (never started, or exited).
            return .body(status: 500, contentType: "text/plain; charset=utf-8",
                         body: Array("container \(container) not found in pod \(name)_\(namespace)".utf8), headers: [])
        }
        // Output from here on is the session's; what the log already holds is not.
        kubelet.refreshLog(namespace: namespace, pod: name, container: container)
        let kubelet = self.kubelet
        return .attach(AttachPlan(
            namespace: namespace, pod: name, container: container, stdin: request.flag("stdin") ? running.stdin(of: container) : nil,
            stdout: request.flag("stdout"), stderr: request.flag("stderr"),
            refreshOutput: { kubelet.refreshLog(namespace: namespace, pod: name, container: container) }))
    }
}

/// One attach session's streams, decided when the request was checked.
struct AttachPlan: Sendable {
    var namespace: String
    var pod: String
    var container: String
    /// The container's stdin, when the client asked for it and the container has one.
    var stdin: ContainerStdin?
    var stdout: Bool
    var stderr: Bool
    /// Brings the container's output up to date now (the lab copies a followed log only every so often).
    var refreshOutput: @Sendable () -> Void
}
