import Foundation
import Yams

/// A lab topology written as ordinary Kubernetes YAML: the file `kubectl apply -f` takes
/// (`examples/demo.yaml`), so that the lab and a real cluster run the same workloads.
///
/// Namespaces, Deployments, StatefulSets and Pods become the lab's topology; every other
/// kind (ServiceAccounts, RBAC, Services…) is listed as skipped, since the lab models its
/// users and permissions itself.
struct KubernetesManifests {
    /// The topology in the lab's own format, as JSON for `LabTopology`'s decoder.
    var topologyJSON: Data
    /// `Kind namespace/name` of every object the lab does not model.
    var skipped: [String]

    /// nil when `yaml` is not a Kubernetes manifest (no document has `apiVersion` and `kind`):
    /// then it is the lab's own topology format.
    static func read(yaml: String, source: String) throws -> KubernetesManifests? {
        var documents: [Any] = []
        var sequence: YamlSequence<Any>
        do {
            sequence = try Yams.load_all(yaml: yaml)
        } catch {
            return nil
        }
        while let document = sequence.next() { documents.append(document) }
        let objects = documents.compactMap { $0 as? [String: Any] }
        guard !objects.isEmpty, objects.contains(where: { $0["apiVersion"] is String && $0["kind"] is String }) else { return nil }
        if let error = sequence.error {
            throw LabTopology.InvalidTopology(message: "\(source): document \(documents.count + 1) is not valid YAML: \(error)")
        }

        var namespaces: [String] = ["default", "kube-system"]
        var namespaceLabels: [String: [String: String]] = [:]
        var workloads: [[String: Any]] = []
        var pods: [[String: Any]] = []
        var skipped: [String] = []
        func fail(_ index: Int, _ message: String) -> LabTopology.InvalidTopology {
            LabTopology.InvalidTopology(message: "\(source): document \(index + 1): \(message)")
        }
        func use(_ namespace: String) { if !namespaces.contains(namespace) { namespaces.append(namespace) } }

        var flattened: [[String: Any]] = []
        for object in objects {
            if object["kind"] as? String == "List", let items = object["items"] as? [[String: Any]] {
                flattened += items
            } else {
                flattened.append(object)
            }
        }
        for (index, object) in flattened.enumerated() {
            guard let kind = object["kind"] as? String, let metadata = object["metadata"] as? [String: Any],
                  let name = metadata["name"] as? String
            else { throw fail(index, "every object needs kind and metadata.name.") }
            let namespace = metadata["namespace"] as? String ?? "default"
            switch kind {
            case "Namespace":
                use(name)
                if let labels = metadata["labels"] as? [String: Any] { namespaceLabels[name] = labels.mapValues { "\($0)" } }
            case "Deployment", "StatefulSet":
                use(namespace)
                guard let spec = object["spec"] as? [String: Any], let template = spec["template"] as? [String: Any],
                      let podSpec = template["spec"] as? [String: Any]
                else { throw fail(index, "\(kind) \(name) has no spec.template.spec.") }
                let templateMeta = template["metadata"] as? [String: Any] ?? [:]
                var workload = pod(podSpec, name: name, namespace: namespace, metadata: templateMeta)
                workload["kind"] = kind
                workload["replicas"] = spec["replicas"] as? Int ?? 1
                if let matchLabels = (spec["selector"] as? [String: Any])?["matchLabels"] as? [String: Any] {
                    workload["selector"] = matchLabels.mapValues { "\($0)" }
                }
                workloads.append(workload)
            case "Pod":
                use(namespace)
                guard let podSpec = object["spec"] as? [String: Any] else { throw fail(index, "Pod \(name) has no spec.") }
                var entry = pod(podSpec, name: name, namespace: namespace, metadata: metadata)
                if let policy = podSpec["restartPolicy"] as? String { entry["restartPolicy"] = policy }
                pods.append(entry)
            default:
                skipped.append("\(kind) \(metadata["namespace"] == nil ? "" : namespace + "/")\(name)")
            }
        }
        let topology: [String: Any] = [
            "namespaces": namespaces.map { ns -> Any in
                namespaceLabels[ns].map { ["name": ns, "labels": $0] as [String: Any] } ?? ns
            },
            "workloads": workloads, "pods": pods,
        ]
        do {
            return KubernetesManifests(topologyJSON: try JSONSerialization.data(withJSONObject: topology), skipped: skipped)
        } catch {
            throw LabTopology.InvalidTopology(message: "\(source): the manifest holds values the lab cannot read: \(error)")
        }
    }

    /// A pod template (or a pod) in the lab's terms: labels, annotations, containers and
    /// the pod-level fields the lab models.
    private static func pod(_ spec: [String: Any], name: String, namespace: String, metadata: [String: Any]) -> [String: Any] {
        var entry: [String: Any] = ["name": name, "namespace": namespace]
        if let labels = metadata["labels"] as? [String: Any] { entry["labels"] = labels.mapValues { "\($0)" } }
        if let annotations = metadata["annotations"] as? [String: Any] { entry["annotations"] = annotations.mapValues { "\($0)" } }
        for key in ["nodeName", "shareProcessNamespace", "securityContext"] {
            if let value = spec[key] { entry[key] = value }
        }
        entry["containers"] = (spec["containers"] as? [[String: Any]] ?? []).map { container in
            container.filter { ["name", "image", "command", "args", "env", "ports", "securityContext"].contains($0.key) }
                .mapValues(stringifyScalars)
        }
        return entry
    }

    /// YAML reads `"8080"` as a string and `8080` as a number; the lab's model wants the
    /// command and args as strings, as the API server stores them.
    private static func stringifyScalars(_ value: Any) -> Any {
        if let list = value as? [Any] { return list.map { item -> Any in item is [String: Any] ? item : (item is String ? item : "\(item)") } }
        return value
    }
}
