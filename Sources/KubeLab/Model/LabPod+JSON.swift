import Foundation

/// Renders a pod in the field order of the real server's Go structs
/// (compare Tests/Fixtures/k8s/pods/pod-running.json).
extension LabPod {
    func metadataJSON() -> JSONValue {
        var m = JSONObjectBuilder()
        m.set("name", name)
        m.set("generateName", generateName)
        m.set("namespace", namespace)
        m.set("uid", uid)
        m.set("resourceVersion", String(resourceVersion))
        m.set("generation", generation)
        m.set("creationTimestamp", LabTime.rfc3339(creationTimestamp))
        if let deletionTimestamp {
            m.set("deletionTimestamp", LabTime.rfc3339(deletionTimestamp))
            m.set("deletionGracePeriodSeconds", 0)
        }
        if !labels.isEmpty { m.set("labels", JSONValue.stringMap(labels)) }
        if !annotations.isEmpty { m.set("annotations", JSONValue.stringMap(annotations)) }
        if !ownerReferences.isEmpty {
            m.set(
                "ownerReferences",
                JSONValue.array(
                    ownerReferences.map { o in
                        .object([
                            ("apiVersion", .string(o.apiVersion)), ("kind", .string(o.kind)), ("name", .string(o.name)),
                            ("uid", .string(o.uid)), ("controller", .bool(true)), ("blockOwnerDeletion", .bool(true)),
                        ])
                    }))
        }
        return m.value
    }

    private var serviceAccountMount: JSONValue {
        .object([
            ("name", .string(tokenVolumeName)), ("readOnly", .bool(true)),
            ("mountPath", .string("/var/run/secrets/kubernetes.io/serviceaccount")),
        ])
    }

    private func containerJSON(_ c: LabContainer) -> JSONValue {
        var o = JSONObjectBuilder()
        o.set("name", c.name)
        o.set("image", c.image)
        if !c.command.isEmpty { o.set("command", JSONValue.strings(c.command)) }
        if !c.args.isEmpty { o.set("args", JSONValue.strings(c.args)) }
        if !c.ports.isEmpty {
            o.set(
                "ports",
                JSONValue.array(
                    c.ports.map { p in
                        var b = JSONObjectBuilder()
                        b.set("name", p.name)
                        b.set("containerPort", p.containerPort)
                        b.set("protocol", p.protocol ?? "TCP")
                        return b.value
                    }))
        }
        // The API server's field order: ports, then env, then resources.
        if !c.env.isEmpty { o.set("env", LabEnvVar.json(c.env)) }
        o.set("resources", JSONValue.object([]))
        o.set("volumeMounts", JSONValue.array([serviceAccountMount]))
        o.set("terminationMessagePath", "/dev/termination-log")
        o.set("terminationMessagePolicy", "File")
        o.set("imagePullPolicy", c.imagePullPolicy)
        o.set("securityContext", c.securityContext)
        return o.value
    }

    func ephemeralJSON(_ c: LabEphemeralContainer) -> JSONValue { LabPod.renderEphemeral(c) }

    /// An ephemeral container as `spec.ephemeralContainers[]` holds it, defaults filled in.
    static func renderEphemeral(_ c: LabEphemeralContainer) -> JSONValue {
        var o = JSONObjectBuilder()
        o.set("name", c.name)
        o.set("image", c.image)
        if !c.command.isEmpty { o.set("command", JSONValue.strings(c.command)) }
        if !c.args.isEmpty { o.set("args", JSONValue.strings(c.args)) }
        if !c.env.isEmpty { o.set("env", LabEnvVar.json(c.env)) }
        o.set("resources", JSONValue.object([]))
        o.set("terminationMessagePath", "/dev/termination-log")
        o.set("terminationMessagePolicy", c.terminationMessagePolicy)
        o.set("imagePullPolicy", c.imagePullPolicy)
        o.set("securityContext", c.securityContext)
        if c.stdin == true { o.set("stdin", true) }
        if c.stdinOnce == true { o.set("stdinOnce", true) }
        if c.tty == true { o.set("tty", true) }
        o.setNonEmpty("targetContainerName", c.targetContainerName)
        return o.value
    }

    func specJSON() -> JSONValue {
        var s = JSONObjectBuilder()
        let projected: JSONValue = .object([
            (
                "sources",
                .array([
                    .object([("serviceAccountToken", .object([("expirationSeconds", .int(3607)), ("path", .string("token"))]))]),
                    .object([
                        (
                            "configMap",
                            .object([
                                ("name", .string("kube-root-ca.crt")),
                                ("items", .array([.object([("key", .string("ca.crt")), ("path", .string("ca.crt"))])])),
                            ])
                        )
                    ]),
                    .object([
                        (
                            "downwardAPI",
                            .object([
                                (
                                    "items",
                                    .array([
                                        .object([
                                            ("path", .string("namespace")),
                                            (
                                                "fieldRef",
                                                .object([("apiVersion", .string("v1")), ("fieldPath", .string("metadata.namespace"))])
                                            ),
                                        ])
                                    ])
                                )
                            ])
                        )
                    ]),
                ])
            ),
            ("defaultMode", .int(420)),
        ])
        s.set("volumes", JSONValue.array([.object([("name", .string(tokenVolumeName)), ("projected", projected)])]))
        s.set("containers", JSONValue.array(containers.map(containerJSON)))
        if !ephemeralContainers.isEmpty { s.set("ephemeralContainers", JSONValue.array(ephemeralContainers.map(ephemeralJSON))) }
        s.set("restartPolicy", restartPolicy)
        s.set("terminationGracePeriodSeconds", 30)
        s.set("dnsPolicy", "ClusterFirst")
        if !nodeSelector.isEmpty { s.set("nodeSelector", JSONValue.stringMap(nodeSelector)) }
        s.set("serviceAccountName", serviceAccountName)
        s.set("serviceAccount", serviceAccountName)
        s.set("nodeName", nodeName)
        s.set("shareProcessNamespace", shareProcessNamespace)
        s.set("hostPID", hostPID)
        s.set("securityContext", securityContext ?? JSONValue.object([]))
        s.set("hostname", hostname)
        s.set("subdomain", subdomain)
        s.set("schedulerName", "default-scheduler")
        s.set(
            "tolerations",
            JSONValue.array(
                ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map { key in
                    .object([
                        ("key", .string(key)), ("operator", .string("Exists")), ("effect", .string("NoExecute")),
                        ("tolerationSeconds", .int(300)),
                    ])
                }))
        s.set("priority", 0)
        s.set("enableServiceLinks", true)
        s.set("preemptionPolicy", "PreemptLowerPriority")
        if let osName { s.set("os", JSONValue.object([("name", .string(osName))])) }
        return s.value
    }

    private func condition(_ type: String, _ status: Bool, _ at: Date, reason: String? = nil, message: String? = nil) -> JSONValue {
        var c = JSONObjectBuilder()
        c.set("type", type)
        c.set("observedGeneration", observedGeneration ?? generation)
        c.set("status", status ? "True" : "False")
        c.set("lastProbeTime", JSONValue.null)
        c.set("lastTransitionTime", LabTime.rfc3339(at))
        c.set("reason", reason)
        c.set("message", message)
        return c.value
    }

    func conditionsJSON() -> JSONValue? {
        guard nodeName != nil, let start = startTime else { return nil }
        let readyAt = readySince ?? start
        let notReady = containerStatuses.filter { !$0.ready }.map(\.name)
        switch phase {
        case .Running where notReady.isEmpty:
            return .array([
                condition("PodReadyToStartContainers", true, readyAt), condition("Initialized", true, start),
                condition("Ready", true, readyAt), condition("ContainersReady", true, readyAt), condition("PodScheduled", true, start),
            ])
        case .Succeeded, .Failed:
            return .array([
                condition("PodReadyToStartContainers", false, readyAt), condition("Initialized", true, start, reason: "PodCompleted"),
                condition("Ready", false, readyAt, reason: "PodCompleted"),
                condition("ContainersReady", false, readyAt, reason: "PodCompleted"), condition("PodScheduled", true, start),
            ])
        default:
            let message = "containers with unready status: [\(notReady.joined(separator: " "))]"
            return .array([
                condition("PodReadyToStartContainers", phase == .Running, readyAt), condition("Initialized", true, start),
                condition("Ready", false, start, reason: "ContainersNotReady", message: message),
                condition("ContainersReady", false, start, reason: "ContainersNotReady", message: message),
                condition("PodScheduled", true, start),
            ])
        }
    }

    private func stateJSON(_ state: LabContainerStatus.State, containerID: String?) -> JSONValue {
        switch state {
        case .waiting(let reason, let message):
            var w = JSONObjectBuilder()
            w.set("reason", reason)
            w.set("message", message)
            return .object([("waiting", w.value)])
        case .running(let startedAt):
            return .object([("running", .object([("startedAt", .string(LabTime.rfc3339(startedAt)))]))])
        case .terminated(let exitCode, let reason, let message, let startedAt, let finishedAt):
            var t = JSONObjectBuilder()
            t.set("exitCode", exitCode)
            t.set("reason", reason)
            t.set("message", message)
            t.set("startedAt", LabTime.rfc3339(startedAt))
            t.set("finishedAt", LabTime.rfc3339(finishedAt))
            t.set("containerID", containerID)
            return .object([("terminated", t.value)])
        }
    }

    /// An ephemeral container's status: no `started` and no volume mounts, as a kubelet reports it.
    func ephemeralStatusJSON(_ cs: LabContainerStatus) -> JSONValue {
        var o = JSONObjectBuilder()
        o.set("name", cs.name)
        o.set("state", stateJSON(cs.state, containerID: cs.containerID))
        o.set("lastState", JSONValue.object([]))
        o.set("ready", cs.ready)
        o.set("restartCount", cs.restartCount)
        o.set("image", cs.image)
        o.set("imageID", cs.imageID)
        o.set("containerID", cs.containerID)
        // A kubelet reports resources only once the container exists.
        if case .waiting = cs.state {} else { o.set("resources", JSONValue.object([])) }
        return o.value
    }

    func containerStatusJSON(_ cs: LabContainerStatus) -> JSONValue {
        var o = JSONObjectBuilder()
        o.set("name", cs.name)
        o.set("state", stateJSON(cs.state, containerID: cs.containerID))
        o.set("lastState", JSONValue.object([]))
        o.set("ready", cs.ready)
        o.set("restartCount", cs.restartCount)
        o.set("image", cs.image)
        o.set("imageID", cs.imageID)
        o.set("containerID", cs.containerID)
        o.set("started", cs.started)
        o.set("resources", JSONValue.object([]))
        o.set(
            "volumeMounts",
            JSONValue.array([
                .object([
                    ("name", .string(tokenVolumeName)), ("mountPath", .string("/var/run/secrets/kubernetes.io/serviceaccount")),
                    ("readOnly", .bool(true)), ("recursiveReadOnly", .string("Disabled")),
                ])
            ]))
        return o.value
    }

    func statusJSON() -> JSONValue {
        var s = JSONObjectBuilder()
        s.set("observedGeneration", observedGeneration ?? generation)
        s.set("phase", phase.rawValue)
        s.set("conditions", conditionsJSON())
        if let hostIP {
            s.set("hostIP", hostIP)
            s.set("hostIPs", JSONValue.array([.object([("ip", .string(hostIP))])]))
        }
        if let podIP {
            s.set("podIP", podIP)
            s.set("podIPs", JSONValue.array([.object([("ip", .string(podIP))])]))
        }
        s.set("startTime", startTime.map(LabTime.rfc3339))
        if !containerStatuses.isEmpty { s.set("containerStatuses", JSONValue.array(containerStatuses.map(containerStatusJSON))) }
        s.set("qosClass", "BestEffort")
        if !ephemeralContainerStatuses.isEmpty {
            s.set("ephemeralContainerStatuses", JSONValue.array(ephemeralContainerStatuses.sorted { $0.name < $1.name }.map(ephemeralStatusJSON)))
        }
        return s.value
    }

    public func json() -> JSONValue {
        .object([
            ("kind", .string("Pod")), ("apiVersion", .string("v1")), ("metadata", metadataJSON()), ("spec", specJSON()),
            ("status", statusJSON()),
        ])
    }
}
