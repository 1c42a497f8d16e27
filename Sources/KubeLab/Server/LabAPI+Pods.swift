import Foundation

/// Pods: list, watch, get, create, delete, and the log/status/ephemeralcontainers subresources.
extension LabAPI {
    static func podFilter(_ request: LabRequest, namespace: String?) throws(APIError) -> PodFilter {
        var filter = PodFilter(namespace: namespace)
        if let text = request.query["labelSelector"], !text.isEmpty {
            do { filter.labels = try LabelSelector.parse(text) } catch { throw .badRequest(error.message) }
        }
        if let text = request.query["fieldSelector"], !text.isEmpty {
            do {
                let fields = try FieldSelector.parse(text)
                try fields.validate(supported: LabPod.supportedFieldLabels)
                filter.fields = fields
            } catch {
                throw .badRequest(error.message)
            }
        }
        return filter
    }

    static func intParameter(_ request: LabRequest, _ name: String) throws(APIError) -> Int? {
        guard let text = request.query[name], !text.isEmpty else { return nil }
        guard let value = Int(text) else {
            throw .badRequest("invalid value \(goQuote(text)) for query parameter \(name): it must be an integer")
        }
        return value
    }

    func listOrWatchPods(_ request: LabRequest, namespace: String?, pretty: Bool) throws(APIError) -> LabResponse {
        let filter = try LabAPI.podFilter(request, namespace: namespace)
        let rvText = request.query["resourceVersion"] ?? ""
        if request.flag("watch") {
            let options: PodWatchOptions
            switch try PodWatchOptions.parse(request.query) {
            case .options(let o): options = o
            case .unparsableResourceVersion(let status): return .json(500, status, pretty: pretty)
            }
            return .watch(
                WatchPlan(
                    filter: filter, start: options.start, timeoutSeconds: options.timeoutSeconds, allowBookmarks: options.allowBookmarks,
                    initialEventsEndBookmark: options.sendInitialEvents, table: try LabAPI.representation(request) == .table,
                    includeObject: request.query["includeObject"]))
        }
        let limit = try LabAPI.intParameter(request, "limit")
        let continueToken = request.query["continue"].flatMap { $0.isEmpty ? nil : $0 }
        if continueToken != nil, !rvText.isEmpty {
            throw .badRequest("specifying resource version is not allowed when using continue")
        }
        let representation = try LabAPI.representation(request)
        let result = try store.listPods(filter: filter, limit: limit, continueToken: continueToken)
        var meta = JSONObjectBuilder()
        meta.set("resourceVersion", String(result.resourceVersion))
        meta.set("continue", result.continueToken)
        meta.set("remainingItemCount", result.remainingItemCount)
        if representation == .table {
            return .json(
                200, LabTables.podTable(result.items, metadata: meta.value, includeObject: request.query["includeObject"]), pretty: pretty)
        }
        var out: [UInt8] = []
        out.reserveCapacity(result.items.reduce(128) { $0 + $1.itemJSON.count + 1 })
        out.append(contentsOf: Array("{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":".utf8))
        meta.value.encode(into: &out)
        out.append(contentsOf: Array(",\"items\":[".utf8))
        for (i, item) in result.items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: item.itemJSON)
        }
        out.append(contentsOf: Array("]}".utf8))
        return .json(200, out, pretty: pretty)
    }

    func pods(_ request: LabRequest, namespace: String, name: String?, subresource: String?, pretty: Bool) throws(APIError) -> LabResponse {
        guard let name else {
            switch request.method {
            case .GET: return try listOrWatchPods(request, namespace: namespace, pretty: pretty)
            case .POST: return try createPod(request, namespace: namespace, pretty: pretty)
            default: throw .methodNotAllowed
            }
        }
        if subresource == nil, request.method == .GET, request.flag("watch") {
            // The legacy single-object watch: a watch of the namespace narrowed to this name.
            var filter = try LabAPI.podFilter(request, namespace: namespace)
            filter.fields.terms.append(.init(field: "metadata.name", value: name, negated: false))
            guard case .watch(var plan) = try listOrWatchPods(request, namespace: namespace, pretty: pretty) else { throw .methodNotAllowed }
            plan.filter = filter
            return .watch(plan)
        }
        switch (subresource, request.method) {
        case ("ephemeralcontainers", _) where faults.ephemeralContainersDisabled:
            // A server whose EphemeralContainers feature is off does not serve the subresource.
            throw .resourceNotFound
        case (nil, .GET), ("status", .GET), ("ephemeralcontainers", .GET):
            guard let stored = store.pod(namespace: namespace, name: name) else { throw .notFound(resource: "pods", name: name) }
            if subresource == nil, try LabAPI.representation(request) == .table {
                return .json(
                    200,
                    LabTables.podTable(
                        [stored], metadata: .object([("resourceVersion", .string(String(stored.pod.resourceVersion)))]),
                        includeObject: request.query["includeObject"]), pretty: pretty)
            }
            return .json(200, stored.json, pretty: pretty)
        case (nil, .DELETE):
            guard let stored = store.deletePod(namespace: namespace, name: name) else { throw .notFound(resource: "pods", name: name) }
            logs.removePod(namespace: namespace, pod: name)
            let kubelet = self.kubelet
            Task { await kubelet.stop(namespace: namespace, name: name) }
            return .json(200, stored.json, pretty: pretty)
        case ("ephemeralcontainers", .PATCH):
            return try patchEphemeralContainers(request, namespace: namespace, name: name, pretty: pretty)
        case (nil, .PATCH):
            return try patchPodMetadata(request, namespace: namespace, name: name, pretty: pretty)
        case ("log", .GET):
            return try podLog(request, namespace: namespace, name: name)
        case ("attach", .GET), ("attach", .POST):
            return try attach(request, namespace: namespace, name: name)
        default:
            throw .methodNotAllowed
        }
    }

    /// The container a pods/log or pods/attach request means, as the API server picks it:
    /// the one named; without a name the pod's only container, else the one its
    /// `kubectl.kubernetes.io/default-container` annotation names; a name the pod
    /// does not have is a 400, in the server's words.
    static func container(named requested: String?, in pod: LabPod) throws(APIError) -> String {
        let container: String
        if let c = requested, !c.isEmpty {
            container = c
        } else if pod.containers.count == 1 {
            container = pod.containers[0].name
        } else if let d = pod.annotations["kubectl.kubernetes.io/default-container"], pod.containers.contains(where: { $0.name == d }) {
            container = d
        } else {
            throw .badRequest(
                "a container name must be specified for pod \(pod.name), choose one of: [\(pod.containers.map(\.name).joined(separator: " "))]")
        }
        guard pod.containers.contains(where: { $0.name == container }) || pod.ephemeralContainers.contains(where: { $0.name == container })
        else { throw .badRequest("container \(container) is not valid for pod \(pod.name)") }
        return container
    }

    /// `GET pods/{pod}/log`, checked in the order the API server and then the kubelet check it:
    /// the options (400 for a number that does not parse, 422 for one out of range), the pod
    /// (404), the container (400), then the container's state (`validateContainerLogStatus`).
    private func podLog(_ request: LabRequest, namespace: String, name: String) throws(APIError) -> LabResponse {
        let options = try PodLogOptions.parse(request.query, pod: name)
        guard let stored = store.pod(namespace: namespace, name: name) else { throw .notFound(resource: "pods", name: name) }
        let pod = stored.pod
        let container = try LabAPI.container(named: options.container, in: pod)
        let isEphemeral = pod.ephemeralContainers.contains { $0.name == container }
        if options.previous {
            // The lab restarts no container, so none has a previous instance (lastState is empty):
            // the kubelet's answer comes before it looks at the current state.
            throw .badRequest("previous terminated container \(goQuote(container)) in pod \(goQuote(name)) not found")
        }
        // An ephemeral container just added has no status until the kubelet reports it.
        let state = (pod.containerStatuses + pod.ephemeralContainerStatuses).first(where: { $0.name == container })?.state
            ?? .waiting(reason: "ContainerCreating", message: nil)
        if case .waiting(let reason, _) = state {
            // The kubelet's wording (validateContainerLogStatus).
            let why: String
            switch reason {
            case "ErrImagePull": why = "image can't be pulled"
            case "ImagePullBackOff": why = "trying and failing to pull image"
            default: why = reason
            }
            throw .badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: \(why)")
        }
        kubelet.refreshLog(namespace: namespace, pod: name, container: container)
        var limitBytes = options.limitBytes
        if isEphemeral, let cut = faults.ephemeralLogLimit(namespace: namespace, pod: name) {
            limitBytes = min(limitBytes ?? cut, cut)
        }
        return .log(
            LogPlan(
                namespace: namespace, pod: name, container: container, follow: options.follow, tailLines: options.tailLines,
                limitBytes: limitBytes, timestamps: options.timestamps, since: options.since(now: .now()),
                stall: isEphemeral && faults.consumeStalledEphemeralLogRead()))
    }

    private func createPod(_ request: LabRequest, namespace: String, pretty: Bool) throws(APIError) -> LabResponse {
        let body = try LabAPI.requireJSONBody(request)
        if let kind = body["kind"]?.stringValue, kind != "Pod" {
            throw .badRequest("the API version in the data (\(body["apiVersion"]?.stringValue ?? "")) does not match the expected API version (v1)")
        }
        var pod = try LabPod.fromManifest(body, namespace: namespace)
        guard let stored = store.namespace(namespace) else { throw .notFound(resource: "namespaces", name: namespace) }
        // Pod Security judges a created pod as the real plugin does (a dry run too).
        if let refusal = LabPodSecurity.check(
            namespaceLabels: stored.labels, podName: pod.name.isEmpty ? (pod.generateName ?? "") : pod.name,
            podSecurityContext: pod.securityContext,
            containers: pod.containers.map { LabPodSecurity.Container(name: $0.name, securityContext: $0.securityContext) },
            hostPID: pod.hostPID == true) {
            throw refusal
        }
        if request.query["dryRun"] == "All" {
            return .json(201, StoredPod(pod).json, pretty: pretty)
        }
        if pod.name.isEmpty, let prefix = pod.generateName {
            repeat { pod.name = prefix + LabNames.randomSuffix() } while store.pod(namespace: namespace, name: pod.name) != nil
        }
        let created = try store.createPod(pod)
        // Scheduler and kubelet act right after: a watch sees ADDED (Pending), then MODIFIED (Running).
        let requestedNode = body["spec"]?["nodeName"]?.stringValue
        let scheduled = store.updatePod(namespace: namespace, name: pod.name) { p in
            scheduler.schedule(&p, nodeName: requestedNode, phase: .Running, now: Date())
            if kubelet.runtime != nil {
                p.runsProcesses = true
                p.markContainersCreating()
            }
        }
        if let scheduled { kubelet.start(scheduled.pod) }
        return .json(201, created.json, pretty: pretty)
    }
}

extension LabPod {
    /// A pod from a client's manifest: the fields the lab models; the rest is dropped
    /// (as a real server drops unknown fields), defaults are filled in.
    static func fromManifest(_ body: JSONValue, namespace: String) throws(APIError) -> LabPod {
        let meta = body["metadata"]
        let name = meta?["name"]?.stringValue ?? ""
        let generateName = meta?["generateName"]?.stringValue
        if let ns = meta?["namespace"]?.stringValue, !ns.isEmpty, ns != namespace {
            throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        if name.isEmpty && (generateName ?? "").isEmpty {
            throw .invalid(kind: "Pod", name: "", field: "metadata.name", message: "Required value: name or generateName is required")
        }
        if !name.isEmpty && !LabValidation.isDNSSubdomain(name) {
            throw .invalid(
                kind: "Pod", name: name, field: "metadata.name",
                message:
                    "Invalid value: \(goQuote(name)): a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            )
        }
        func stringMap(_ v: JSONValue?) -> [String: String] {
            var out: [String: String] = [:]
            for (k, v) in v?.objectValue ?? [] { if let s = v.stringValue { out[k] = s } }
            return out
        }
        let labels = stringMap(meta?["labels"])
        for (k, v) in labels {
            if let e = LabelValidation.qualifiedNameErrors(k) {
                throw .invalid(kind: "Pod", name: name, field: "metadata.labels", message: "Invalid value: \(goQuote(k)): \(e)")
            }
            if let e = LabelValidation.labelValueErrors(v) {
                throw .invalid(kind: "Pod", name: name, field: "metadata.labels", message: "Invalid value: \(goQuote(v)): \(e)")
            }
        }
        let containerList = body["spec"]?["containers"]?.arrayValue ?? []
        if containerList.isEmpty {
            throw .invalid(kind: "Pod", name: name, field: "spec.containers", message: "Required value")
        }
        var containers: [LabContainer] = []
        for (i, c) in containerList.enumerated() {
            let cname = c["name"]?.stringValue ?? ""
            guard LabValidation.isDNSLabel(cname) else {
                throw .invalid(kind: "Pod", name: name, field: "spec.containers[\(i)].name", message: "Invalid value: \(goQuote(cname)): a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character")
            }
            guard let image = c["image"]?.stringValue, !image.isEmpty else {
                throw .invalid(kind: "Pod", name: name, field: "spec.containers[\(i)].image", message: "Required value")
            }
            let ports: [LabContainerPort] = (c["ports"]?.arrayValue ?? []).compactMap { p in
                p["containerPort"]?.intValue.map { LabContainerPort(name: p["name"]?.stringValue, containerPort: $0, protocol: p["protocol"]?.stringValue) }
            }
            containers.append(
                LabContainer(
                    name: cname, image: image, command: c["command"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                    args: c["args"]?.arrayValue?.compactMap(\.stringValue) ?? [], env: LabEnvVar.list(c["env"]), ports: ports,
                    securityContext: LabSecurityContext.normalized(c["securityContext"])))
        }
        var pod = LabPod.make(
            name: name, generateName: generateName, namespace: namespace, labels: labels, annotations: stringMap(meta?["annotations"]),
            owners: [], containers: containers, now: Date())
        if let rp = body["spec"]?["restartPolicy"]?.stringValue { pod.restartPolicy = rp }
        if let sa = body["spec"]?["serviceAccountName"]?.stringValue, !sa.isEmpty { pod.serviceAccountName = sa }
        pod.nodeSelector = stringMap(body["spec"]?["nodeSelector"])
        pod.shareProcessNamespace = body["spec"]?["shareProcessNamespace"]?.boolValue
        pod.hostPID = body["spec"]?["hostPID"]?.boolValue
        pod.osName = body["spec"]?["os"]?["name"]?.stringValue
        pod.securityContext = LabSecurityContext.normalized(body["spec"]?["securityContext"], keys: LabSecurityContext.podKeys)
        return pod
    }
}
