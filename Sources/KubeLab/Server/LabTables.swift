import Foundation

/// Server-side printing: meta.k8s.io/v1 Tables with the columns of the real server's
/// printers (pkg/printers/internalversion), which `kubectl get` displays as they come.
enum LabTables {
    static func column(_ name: String, format: String = "", description: String, priority: Int = 0) -> JSONValue {
        .object([
            ("name", .string(name)), ("type", .string("string")), ("format", .string(format)), ("description", .string(description)),
            ("priority", .int(priority)),
        ])
    }

    static let nameColumn = column(
        "Name", format: "name",
        description:
            "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
    )
    static let ageColumn = column(
        "Age",
        description:
            "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
    )

    static let podColumns: [JSONValue] = [
        nameColumn,
        column("Ready", description: "The aggregate readiness state of this pod for accepting traffic."),
        column("Status", description: "The aggregate status of the containers in this pod."),
        column(
            "Restarts",
            description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        ageColumn,
        column("IP", description: "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", priority: 1),
        column(
            "Node",
            description:
                "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.",
            priority: 1),
        column(
            "Nominated Node",
            description:
                "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.",
            priority: 1),
        column(
            "Readiness Gates",
            description: "If specified, all readiness gates will be evaluated for pod readiness. More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
            priority: 1),
    ]

    /// The STATUS column as kubectl shows it: the phase, or the reason of a waiting or terminated container.
    static func podStatusReason(_ pod: LabPod) -> String {
        var reason = pod.phase.rawValue
        var hasRunning = false
        for cs in pod.containerStatuses.reversed() {
            switch cs.state {
            case .waiting(let r, _) where !r.isEmpty:
                reason = r
            case .terminated(let code, let r, _, _, _):
                reason = r.isEmpty ? "ExitCode:\(code)" : r
            case .running:
                if cs.ready { hasRunning = true }
            default:
                break
            }
        }
        if reason == "Completed" && hasRunning { reason = "Running" }
        if pod.deletionTimestamp != nil { reason = "Terminating" }
        return reason
    }

    static func rowObject(metadata: [UInt8], full: [UInt8], includeObject: String?) -> [UInt8]? {
        switch includeObject {
        case "None": return nil
        case "Object": return full
        default:
            return Array("{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":".utf8) + metadata + [UInt8(ascii: "}")]
        }
    }

    static func table(columns: [JSONValue], metadata: JSONValue, rows: [(cells: [JSONValue], object: [UInt8]?)]) -> [UInt8] {
        var out = Array("{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":".utf8)
        metadata.encode(into: &out)
        out.append(contentsOf: Array(",\"columnDefinitions\":".utf8))
        JSONValue.array(columns).encode(into: &out)
        out.append(contentsOf: Array(",\"rows\":[".utf8))
        for (i, row) in rows.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: Array("{\"cells\":".utf8))
            JSONValue.array(row.cells).encode(into: &out)
            if let object = row.object {
                out.append(contentsOf: Array(",\"object\":".utf8))
                out.append(contentsOf: object)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: Array("]}".utf8))
        return out
    }

    static func podTable(_ pods: [StoredPod], metadata: JSONValue, includeObject: String?, now: Date = Date()) -> [UInt8] {
        let rows = pods.map { stored -> (cells: [JSONValue], object: [UInt8]?) in
            let pod = stored.pod
            let ready = pod.containerStatuses.filter(\.ready).count
            let restarts = pod.containerStatuses.reduce(0) { $0 + $1.restartCount }
            let cells: [JSONValue] = [
                .string(pod.name), .string("\(ready)/\(pod.containers.count)"), .string(podStatusReason(pod)), .string(String(restarts)),
                .string(LabTime.humanDuration(now.timeIntervalSince(pod.creationTimestamp))), .string(pod.podIP ?? "<none>"),
                .string(pod.nodeName ?? "<none>"), .string("<none>"), .string("<none>"),
            ]
            return (cells, rowObject(metadata: stored.metadataJSON, full: stored.json, includeObject: includeObject))
        }
        return table(columns: podColumns, metadata: metadata, rows: rows)
    }

    static func clusterTable(_ resource: String, _ objects: [StoredObject], metadata: JSONValue, includeObject: String?, now: Date = Date())
        -> [UInt8]
    {
        let columns: [JSONValue]
        if resource == "namespaces" {
            columns = [nameColumn, column("Status", description: "The status of the namespace"), ageColumn]
        } else {
            columns = [
                nameColumn, column("Status", description: "The status of the node"), column("Roles", description: "The roles of the node"),
                ageColumn, column("Version", description: "Kubelet Version reported by the node."),
                column("Internal-IP", description: "List of internal IPs (if any) reachable by the node.", priority: 1),
                column("External-IP", description: "List of external IPs (if any) reachable by the node.", priority: 1),
                column("OS-Image", description: "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", priority: 1),
                column("Kernel-Version", description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", priority: 1),
                column("Container-Runtime", description: "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).", priority: 1),
            ]
        }
        let rows = objects.map { o -> (cells: [JSONValue], object: [UInt8]?) in
            let age = JSONValue.string(LabTime.humanDuration(now.timeIntervalSince(o.creationTimestamp)))
            let cells: [JSONValue]
            if resource == "namespaces" {
                cells = [.string(o.name), .string("Active"), age]
            } else {
                let ip = (try? JSONValue.parse(o.json))?["status"]?["addresses"]?.arrayValue?.first?["address"]?.stringValue ?? "<none>"
                cells = [
                    .string(o.name), .string("Ready"), .string("<none>"), age, .string("v1.36.2"), .string(ip), .string("<none>"),
                    .string("Debian GNU/Linux 12 (bookworm)"), .string("6.1.0-kubelab"), .string("containerd://1.7.24"),
                ]
            }
            return (cells, rowObject(metadata: o.metadataJSON, full: o.json, includeObject: includeObject))
        }
        return table(columns: columns, metadata: metadata, rows: rows)
    }
}
