import Foundation

/// A pod with its rendered bytes, cached until the pod changes, so that listing
/// thousands of pods is a concatenation rather than thousands of encodings.
struct StoredPod: Sendable {
    let pod: LabPod
    /// Compact JSON of the whole pod, without a trailing newline.
    let json: [UInt8]
    /// The same without `kind` and `apiVersion`, as items of a PodList are written.
    let itemJSON: [UInt8]
    /// Compact JSON of `metadata` (for Table rows' PartialObjectMetadata).
    let metadataJSON: [UInt8]

    static let kindPrefix = Array("{\"kind\":\"Pod\",\"apiVersion\":\"v1\",".utf8)

    init(_ pod: LabPod) {
        self.pod = pod
        let metadata = pod.metadataJSON()
        let item = JSONValue.object([("metadata", metadata), ("spec", pod.specJSON()), ("status", pod.statusJSON())])
        itemJSON = item.encoded()
        json = StoredPod.kindPrefix + itemJSON.dropFirst()
        metadataJSON = metadata.encoded()
    }
}

/// A cluster-scoped object the lab serves read-only (namespaces, nodes).
struct StoredObject: Sendable {
    let name: String
    let creationTimestamp: Date
    let labels: [String: String]
    let json: [UInt8]
    /// The object without `kind` and `apiVersion`, as list items are written.
    let itemJSON: [UInt8]
    let metadataJSON: [UInt8]
    /// Values for field selectors (`metadata.name`, `status.phase`, …).
    let fields: [String: String]

    static func namespace(_ name: String, labels extra: [String: String] = [:], resourceVersion: Int, now: Date) -> StoredObject {
        let labels = extra.merging(["kubernetes.io/metadata.name": name]) { _, fixed in fixed }
        let metadata = JSONValue.object([
            ("name", .string(name)), ("uid", .string(LabNames.uuid())), ("resourceVersion", .string(String(resourceVersion))),
            ("creationTimestamp", .string(LabTime.rfc3339(now))), ("labels", .stringMap(labels)),
        ])
        let item = JSONValue.object([
            ("metadata", metadata), ("spec", .object([("finalizers", .array([.string("kubernetes")]))])),
            ("status", .object([("phase", .string("Active"))])),
        ]).encoded()
        return StoredObject(
            name: name, creationTimestamp: now, labels: labels, json: kindPrefix("Namespace") + item.dropFirst(), itemJSON: item,
            metadataJSON: metadata.encoded(), fields: ["metadata.name": name, "status.phase": "Active"])
    }

    static func node(_ name: String, hostIP: String, resourceVersion: Int, now: Date) -> StoredObject {
        let labels = [
            "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
        ]
        let metadata = JSONValue.object([
            ("name", .string(name)), ("uid", .string(LabNames.uuid())), ("resourceVersion", .string(String(resourceVersion))),
            ("creationTimestamp", .string(LabTime.rfc3339(now))), ("labels", .stringMap(labels)),
        ])
        let ts = JSONValue.string(LabTime.rfc3339(now))
        let conditions: [JSONValue] = [
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ].map { c in
            .object([
                ("type", .string(c.0)), ("status", .string(c.1)), ("lastHeartbeatTime", ts), ("lastTransitionTime", ts),
                ("reason", .string(c.2)), ("message", .string(c.3)),
            ])
        }
        let status = JSONValue.object([
            ("conditions", .array(conditions)),
            ("addresses", .array([
                .object([("type", .string("InternalIP")), ("address", .string(hostIP))]),
                .object([("type", .string("Hostname")), ("address", .string(name))]),
            ])),
            ("daemonEndpoints", .object([("kubeletEndpoint", .object([("Port", .int(10250))]))])),
            ("nodeInfo", .object([
                ("machineID", .string(LabNames.randomHex(16))), ("systemUUID", .string(LabNames.uuid())),
                ("bootID", .string(LabNames.uuid())), ("kernelVersion", .string("6.1.0-kubelab")),
                ("osImage", .string("Debian GNU/Linux 12 (bookworm)")), ("containerRuntimeVersion", .string("containerd://1.7.24")),
                ("kubeletVersion", .string("v1.36.2")), ("operatingSystem", .string("linux")), ("architecture", .string("amd64")),
            ])),
        ])
        let item = JSONValue.object([("metadata", metadata), ("spec", .object([])), ("status", status)]).encoded()
        return StoredObject(
            name: name, creationTimestamp: now, labels: labels, json: kindPrefix("Node") + item.dropFirst(), itemJSON: item,
            metadataJSON: metadata.encoded(), fields: ["metadata.name": name, "spec.unschedulable": "false"])
    }

    static func kindPrefix(_ kind: String) -> [UInt8] {
        Array("{\"kind\":\"\(kind)\",\"apiVersion\":\"v1\",".utf8)
    }
}

/// Which pods a list or watch wants.
struct PodFilter: Sendable {
    var namespace: String?
    var labels: LabelSelector = .everything
    var fields: FieldSelector = .everything

    var hasSelectors: Bool { !labels.isEmpty || !fields.isEmpty }

    func matches(_ pod: LabPod) -> Bool {
        if let namespace, pod.namespace != namespace { return false }
        return labels.matches(pod.labels) && fields.matches { pod.fieldValue($0) }
    }
}

enum WatchEventType: String, Sendable {
    case ADDED, MODIFIED, DELETED
}

/// One change in the store's history, kept for watches that resume from a resourceVersion.
struct PodEvent: Sendable {
    let resourceVersion: Int
    let type: WatchEventType
    let object: StoredPod
    /// The pod before a MODIFIED change, to turn it into ADDED/DELETED for watchers whose filter it enters or leaves.
    let previous: LabPod?

    /// The event type as this watcher should see it, or nil when it does not concern the watcher.
    func type(for filter: PodFilter) -> WatchEventType? {
        let nowMatches = filter.matches(object.pod)
        let type: WatchEventType
        switch self.type {
        case .ADDED, .DELETED:
            guard nowMatches else { return nil }
            type = self.type
        case .MODIFIED:
            let before = previous.map(filter.matches) ?? false
            switch (before, nowMatches) {
            case (true, true): type = .MODIFIED
            case (false, true): type = .ADDED
            case (true, false): type = .DELETED
            case (false, false): return nil
            }
        }
        return type
    }

    static func line(type: String, object: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(object.count + 32)
        out.append(contentsOf: Array("{\"type\":\"\(type)\",\"object\":".utf8))
        out.append(contentsOf: object)
        out.append(contentsOf: Array("}\n".utf8))
        return out
    }
}
