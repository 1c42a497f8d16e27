import Foundation
import Yams

/// What a lab cluster holds at start: namespaces, workloads (Deployments and
/// StatefulSets, expanded into pods as their controllers would) and standalone pods.
/// Read from YAML; see Resources/demo-topology.yaml for the format.
public struct LabTopology: Sendable, Decodable {
    public enum WorkloadKind: String, Sendable, Decodable {
        case Deployment, StatefulSet
    }

    public struct Container: Sendable, Decodable {
        public var name: String
        public var image: String
        public var command: [String]?
        public var args: [String]?
        /// `env` entries with a literal `value` (the kubelet expands `$(NAME)` in them).
        public var env: [EnvVar]?
        public var ports: [LabContainerPort]?
        public var securityContext: LabSecurityContextSpec?

        public struct EnvVar: Sendable, Decodable {
            public var name: String
            public var value: String?
        }

        public init(name: String, image: String, command: [String]? = nil, args: [String]? = nil) {
            self.name = name
            self.image = image
            self.command = command
            self.args = args
        }
    }

    public struct Workload: Sendable, Decodable {
        public var kind: WorkloadKind
        public var name: String
        public var namespace: String
        public var replicas: Int?
        public var labels: [String: String]?
        /// `spec.selector.matchLabels`; the pod labels when absent.
        public var selector: [String: String]?
        public var annotations: [String: String]?
        public var containers: [Container]
        public var nodeName: String?
        public var os: String?
        public var phase: LabPodPhase?
        public var shareProcessNamespace: Bool?
        /// Pod-level securityContext of every replica.
        public var securityContext: LabSecurityContextSpec?
        /// false: these pods are API objects only (no processes), whatever the topology's `runtime` says.
        public var runtime: Bool?
        /// Per replica (key: the replica's index, "0" for the first), containers whose command or
        /// args differ from the template, e.g. `{"0": {containers: {app: {command: [...]}}}}`:
        /// replicas that are not identical, so that the collector's comparison has something to find.
        public var replicaOverrides: [String: ReplicaOverride]?

        public init(
            kind: WorkloadKind, name: String, namespace: String, replicas: Int, labels: [String: String],
            annotations: [String: String]? = nil, containers: [Container]
        ) {
            self.kind = kind
            self.name = name
            self.namespace = namespace
            self.replicas = replicas
            self.labels = labels
            self.annotations = annotations
            self.containers = containers
        }
    }

    public struct Pod: Sendable, Decodable {
        public var name: String
        public var namespace: String
        public var labels: [String: String]?
        public var annotations: [String: String]?
        public var containers: [Container]
        public var nodeName: String?
        public var os: String?
        public var phase: LabPodPhase?
        public var restartPolicy: String?
        public var shareProcessNamespace: Bool?
        public var securityContext: LabSecurityContextSpec?
        public var runtime: Bool?
    }

    /// What one replica of a workload changes in its containers.
    public struct ReplicaOverride: Sendable, Decodable {
        public struct ContainerOverride: Sendable, Decodable {
            public var command: [String]?
            public var args: [String]?
        }

        public var containers: [String: ContainerOverride]
    }

    /// A namespace entry: a plain name, or `{name: hardened, labels: {pod-security.kubernetes.io/enforce: restricted}}`.
    struct NamespaceEntry: Decodable {
        var name: String
        var labels: [String: String]?

        init(from decoder: Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                self.name = name
                return
            }
            enum Keys: String, CodingKey { case name, labels }
            let c = try decoder.container(keyedBy: Keys.self)
            name = try c.decode(String.self, forKey: .name)
            labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
        }
    }

    public var namespaces: [String]
    /// Labels of namespaces (besides `kubernetes.io/metadata.name`), e.g. Pod Security levels.
    public var namespaceLabels: [String: [String: String]]
    /// Node names; pods without a nodeName are spread over them in turn.
    public var nodes: [String]?
    public var workloads: [Workload]?
    public var pods: [Pod]?
    /// false: no pod of this lab runs processes (API objects only; no root needed, starts fast).
    /// Workloads and pods can say `runtime: false` for themselves. Default: true.
    public var runtime: Bool?
    /// Objects of a Kubernetes manifest that the lab does not model (ServiceAccounts, RBAC,
    /// Services…), as `Kind namespace/name`: the lab says it skipped them rather than
    /// pretending to have applied them.
    public var skipped: [String] = []

    public init(
        namespaces: [String], nodes: [String]? = nil, workloads: [Workload] = [], pods: [Pod] = [],
        namespaceLabels: [String: [String: String]] = [:], runtime: Bool? = nil
    ) {
        self.namespaces = namespaces
        self.nodes = nodes
        self.workloads = workloads
        self.pods = pods
        self.namespaceLabels = namespaceLabels
        self.runtime = runtime
    }

    private enum CodingKeys: String, CodingKey { case namespaces, nodes, workloads, pods, runtime }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let entries = try c.decode([NamespaceEntry].self, forKey: .namespaces)
        namespaces = entries.map(\.name)
        var labels: [String: [String: String]] = [:]
        for e in entries { if let l = e.labels { labels[e.name] = l } }
        namespaceLabels = labels
        nodes = try c.decodeIfPresent([String].self, forKey: .nodes)
        workloads = try c.decodeIfPresent([Workload].self, forKey: .workloads)
        pods = try c.decodeIfPresent([Pod].self, forKey: .pods)
        runtime = try c.decodeIfPresent(Bool.self, forKey: .runtime)
    }

    public static let defaultNodes = ["kubelab-node-1", "kubelab-node-2"]

    /// A topology error names the file and the field, e.g.
    /// `demo.yaml: workloads[1].containers: a pod needs at least one container.`
    public struct InvalidTopology: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    public static func load(path: String) throws -> LabTopology {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw InvalidTopology(message: "Cannot read the lab topology file \(path): \(error.localizedDescription)")
        }
        return try parse(yaml: text, source: path)
    }

    public static func parse(yaml: String, source: String = "topology") throws -> LabTopology {
        var topology: LabTopology
        do {
            if let manifests = try KubernetesManifests.read(yaml: yaml, source: source) {
                topology = try JSONDecoder().decode(LabTopology.self, from: manifests.topologyJSON)
                topology.skipped = manifests.skipped
            } else {
                topology = try YAMLDecoder().decode(LabTopology.self, from: yaml)
            }
        } catch let DecodingError.keyNotFound(key, context) {
            throw InvalidTopology(message: "\(source): \(path(context.codingPath + [key])): this field is required but missing.")
        } catch let DecodingError.typeMismatch(_, context) {
            throw InvalidTopology(message: "\(source): \(path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw InvalidTopology(message: "\(source): \(path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw InvalidTopology(message: "\(source): \(path(context.codingPath)): a value is required here.")
        } catch {
            throw InvalidTopology(message: "\(source): not a valid lab topology: \(error)")
        }
        try topology.validate(source: source)
        return topology
    }

    /// The demo topology compiled into the lab (Resources/demo-topology.yaml).
    public static func demo() throws -> LabTopology {
        try parse(yaml: EmbeddedResource.demoTopology, source: "the lab's demo topology")
    }

    /// One Deployment `bench` (or the `app` label) with `pods` replicas, for benchmarks and tests.
    /// API objects only unless `runtime` is true (then every replica runs `sleep 3600` for real).
    public static func generated(namespace: String, pods: Int, labels: [String: String], runtime: Bool = false) -> LabTopology {
        let name = labels["app"] ?? "bench"
        var topology = LabTopology(
            namespaces: Array(Set(["default", "kube-system", namespace])).sorted(),
            workloads: [
                Workload(
                    kind: .Deployment, name: name, namespace: namespace, replicas: pods, labels: labels,
                    annotations: ["kubectl.kubernetes.io/default-container": "app"],
                    containers: [Container(name: "app", image: "busybox:1.36", command: ["sleep", "3600"])])
            ])
        topology.runtime = runtime
        return topology
    }

    private static func path(_ keys: [CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
        }
        return out.isEmpty ? "(top level)" : out
    }

    func validate(source: String) throws {
        func fail(_ field: String, _ message: String) -> InvalidTopology {
            InvalidTopology(message: "\(source): \(field): \(message)")
        }
        var namespaceSet = Set<String>()
        for (i, ns) in namespaces.enumerated() {
            guard LabValidation.isDNSLabel(ns) else {
                throw fail("namespaces[\(i)]", "\"\(ns)\" is not a valid namespace name (lower-case letters, digits and '-', at most 63 characters).")
            }
            guard namespaceSet.insert(ns).inserted else { throw fail("namespaces[\(i)]", "namespace \"\(ns)\" is listed twice.") }
        }
        func checkContainers(_ containers: [Container], _ field: String) throws {
            guard !containers.isEmpty else { throw fail(field, "a pod needs at least one container.") }
            var names = Set<String>()
            for (j, c) in containers.enumerated() {
                guard LabValidation.isDNSLabel(c.name) else {
                    throw fail("\(field)[\(j)].name", "\"\(c.name)\" is not a valid container name (a DNS label).")
                }
                guard names.insert(c.name).inserted else { throw fail("\(field)[\(j)].name", "container name \"\(c.name)\" is used twice.") }
                guard !c.image.isEmpty else { throw fail("\(field)[\(j)].image", "the image must not be empty.") }
            }
        }
        func checkLabels(_ labels: [String: String]?, _ field: String) throws {
            for (k, v) in labels ?? [:] {
                if let e = LabelValidation.qualifiedNameErrors(k) { throw fail("\(field).\(k)", "invalid label key: \(e)") }
                if let e = LabelValidation.labelValueErrors(v) { throw fail("\(field).\(k)", "invalid label value \"\(v)\": \(e)") }
            }
        }
        var podNames = Set<String>()
        for (i, w) in (workloads ?? []).enumerated() {
            let f = "workloads[\(i)]"
            guard namespaceSet.contains(w.namespace) else {
                throw fail("\(f).namespace", "namespace \"\(w.namespace)\" is not declared under namespaces.")
            }
            guard LabValidation.isDNSLabel(w.name) else { throw fail("\(f).name", "\"\(w.name)\" is not a valid workload name (a DNS label).") }
            guard (w.replicas ?? 1) >= 0 else { throw fail("\(f).replicas", "replicas must be 0 or more.") }
            try checkContainers(w.containers, "\(f).containers")
            try checkLabels(w.labels, "\(f).labels")
            for (key, override) in w.replicaOverrides ?? [:] {
                guard let index = Int(key), index >= 0, index < (w.replicas ?? 1) else {
                    throw fail("\(f).replicaOverrides.\(key)", "the key must be the index of a replica (0 to \((w.replicas ?? 1) - 1)).")
                }
                for name in override.containers.keys where !w.containers.contains(where: { $0.name == name }) {
                    throw fail("\(f).replicaOverrides.\(key).containers.\(name)", "the workload has no container \"\(name)\".")
                }
            }
        }
        for (ns, labels) in namespaceLabels { try checkLabels(labels, "namespaces[\(ns)].labels") }
        for (i, p) in (pods ?? []).enumerated() {
            let f = "pods[\(i)]"
            guard namespaceSet.contains(p.namespace) else {
                throw fail("\(f).namespace", "namespace \"\(p.namespace)\" is not declared under namespaces.")
            }
            guard LabValidation.isDNSSubdomain(p.name) else { throw fail("\(f).name", "\"\(p.name)\" is not a valid pod name.") }
            guard podNames.insert(p.namespace + "/" + p.name).inserted else { throw fail("\(f).name", "pod \"\(p.name)\" is declared twice.") }
            try checkContainers(p.containers, "\(f).containers")
            try checkLabels(p.labels, "\(f).labels")
        }
    }
}

enum LabValidation {
    static func isDNSLabel(_ s: String) -> Bool { s.utf8.count <= 63 && LabelValidation.isDNS1123Label(s) }
    static func isDNSSubdomain(_ s: String) -> Bool { s.utf8.count <= 253 && LabelValidation.isDNS1123Subdomain(s) }
}
