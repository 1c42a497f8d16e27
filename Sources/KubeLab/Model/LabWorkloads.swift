import Foundation

/// The topology's Deployments (with the ReplicaSet each made) and
/// StatefulSets as API objects, for `GET /apis/apps/v1/…`: what `kubectl logs
/// deployment/NAME` and the tool's `collect deployment/NAME` read to find the
/// pods (`spec.selector`). Their uids are those in the pods' ownerReferences.
/// Read only: the lab runs no controllers.
struct LabWorkloads: Sendable {
    /// Keyed by `resource/namespace/name` (`deployments/shop/checkout`).
    private var objects: [String: JSONValue] = [:]

    init() {}

    init(topology: LabTopology, pods: [LabPod], now: Date) {
        for workload in topology.workloads ?? [] {
            let labels = workload.labels ?? [:]
            let selector = workload.selector ?? labels
            let owned = pods.filter { $0.namespace == workload.namespace }
            switch workload.kind {
            case .Deployment:
                guard let owner = owned.lazy.compactMap({ pod in
                    pod.ownerReferences.first { $0.kind == "ReplicaSet" && $0.name.hasPrefix(workload.name + "-") }
                }).first else { continue }
                let hash = String(owner.name.dropFirst(workload.name.count + 1))
                let deploymentUID = LabNames.uuid()
                objects["deployments/\(workload.namespace)/\(workload.name)"] = Self.object(
                    kind: "Deployment", name: workload.name, namespace: workload.namespace, uid: deploymentUID, labels: labels,
                    selector: selector, replicas: workload.replicas ?? 1, owner: nil, now: now)
                var rsSelector = selector
                rsSelector["pod-template-hash"] = hash
                objects["replicasets/\(workload.namespace)/\(owner.name)"] = Self.object(
                    kind: "ReplicaSet", name: owner.name, namespace: workload.namespace, uid: owner.uid, labels: rsSelector,
                    selector: rsSelector, replicas: workload.replicas ?? 1,
                    owner: LabOwnerReference(apiVersion: "apps/v1", kind: "Deployment", name: workload.name, uid: deploymentUID), now: now)
            case .StatefulSet:
                guard let owner = owned.lazy.compactMap({ pod in
                    pod.ownerReferences.first { $0.kind == "StatefulSet" && $0.name == workload.name }
                }).first else { continue }
                objects["statefulsets/\(workload.namespace)/\(workload.name)"] = Self.object(
                    kind: "StatefulSet", name: workload.name, namespace: workload.namespace, uid: owner.uid, labels: labels,
                    selector: selector, replicas: workload.replicas ?? 1, owner: nil, now: now)
            }
        }
    }

    func object(resource: String, namespace: String, name: String) -> JSONValue? {
        objects["\(resource)/\(namespace)/\(name)"]
    }

    private static func object(
        kind: String, name: String, namespace: String, uid: String, labels: [String: String], selector: [String: String],
        replicas: Int, owner: LabOwnerReference?, now: Date
    ) -> JSONValue {
        var metadata: [(key: String, value: JSONValue)] = [
            ("name", .string(name)), ("namespace", .string(namespace)), ("uid", .string(uid)), ("resourceVersion", .string("1")),
            ("generation", .int(1)), ("creationTimestamp", .string(LabTime.rfc3339(now))), ("labels", .stringMap(labels)),
        ]
        if let owner {
            metadata.append(("ownerReferences", .array([.object([
                ("apiVersion", .string(owner.apiVersion)), ("kind", .string(owner.kind)), ("name", .string(owner.name)),
                ("uid", .string(owner.uid)), ("controller", .bool(true)), ("blockOwnerDeletion", .bool(true)),
            ])])))
        }
        return .object([
            ("kind", .string(kind)), ("apiVersion", .string("apps/v1")), ("metadata", .object(metadata)),
            ("spec", .object([
                ("replicas", .int(replicas)), ("selector", .object([("matchLabels", .stringMap(selector))])),
                ("template", .object([("metadata", .object([("labels", .stringMap(selector))]))])),
            ])),
            ("status", .object([("replicas", .int(replicas)), ("readyReplicas", .int(replicas))])),
        ])
    }
}
