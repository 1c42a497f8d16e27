/// Discovery: /version, /api, /api/v1, /apis and the two review groups, in the legacy
/// forms and in aggregated discovery v2 (what kubectl 1.32 asks for first).
extension LabAPI {
    static let aggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    struct ResourceInfo {
        var name: String
        var singular: String
        var namespaced: Bool
        var kind: String
        var verbs: [String]
        var shortNames: [String] = []
        var categories: [String] = []
        var subresources: [(name: String, kind: String, verbs: [String])] = []
    }

    static let coreResources: [ResourceInfo] = [
        ResourceInfo(
            name: "namespaces", singular: "namespace", namespaced: false, kind: "Namespace", verbs: ["get", "list"], shortNames: ["ns"]),
        ResourceInfo(name: "nodes", singular: "node", namespaced: false, kind: "Node", verbs: ["get", "list"], shortNames: ["no"]),
        ResourceInfo(
            name: "pods", singular: "pod", namespaced: true, kind: "Pod",
            verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["po"],
            categories: ["all"],
            subresources: [
                ("ephemeralcontainers", "Pod", ["get", "patch", "update"]), ("log", "Pod", ["get"]),
                ("status", "Pod", ["get", "patch", "update"]),
            ]),
    ]

    static let groups: [(group: String, resources: [ResourceInfo])] = [
        // The workloads, read only (LabWorkloads): what `kubectl get deploy` and TYPE/NAME need.
        (
            "apps",
            [
                ResourceInfo(name: "deployments", singular: "deployment", namespaced: true, kind: "Deployment", verbs: ["get"],
                             shortNames: ["deploy"], categories: ["all"]),
                ResourceInfo(name: "statefulsets", singular: "statefulset", namespaced: true, kind: "StatefulSet", verbs: ["get"],
                             shortNames: ["sts"], categories: ["all"]),
                ResourceInfo(name: "daemonsets", singular: "daemonset", namespaced: true, kind: "DaemonSet", verbs: ["get"],
                             shortNames: ["ds"], categories: ["all"]),
                ResourceInfo(name: "replicasets", singular: "replicaset", namespaced: true, kind: "ReplicaSet", verbs: ["get"],
                             shortNames: ["rs"], categories: ["all"]),
            ]
        ),
        ("batch", [ResourceInfo(name: "jobs", singular: "job", namespaced: true, kind: "Job", verbs: ["get"], categories: ["all"])]),
        (
            "authentication.k8s.io",
            [ResourceInfo(name: "selfsubjectreviews", singular: "selfsubjectreview", namespaced: false, kind: "SelfSubjectReview", verbs: ["create"])]
        ),
        (
            "authorization.k8s.io",
            [
                ResourceInfo(
                    name: "selfsubjectaccessreviews", singular: "selfsubjectaccessreview", namespaced: false,
                    kind: "SelfSubjectAccessReview", verbs: ["create"])
            ]
        ),
    ]

    func versionResponse() -> LabResponse {
        let v = JSONValue.object([
            ("major", .string("1")), ("minor", .string("36")), ("emulationMajor", .string("1")), ("emulationMinor", .string("36")),
            ("minCompatibilityMajor", .string("1")), ("minCompatibilityMinor", .string("35")), ("gitVersion", .string("v1.36.2-kubelab")),
            ("gitCommit", .string("0000000000000000000000000000000000000000")), ("gitTreeState", .string("clean")),
            ("buildDate", .string("1970-01-01T00:00:00Z")), ("goVersion", .string("swift")), ("compiler", .string("swiftc")),
            ("platform", .string("linux/amd64")),
        ])
        return .json(200, v, pretty: true)
    }

    private static func wantsAggregated(_ request: LabRequest) -> Bool {
        request.accept.contains("g=apidiscovery.k8s.io") && request.accept.contains("as=APIGroupDiscoveryList")
            && request.accept.contains("v=v2")
    }

    private static func legacyList(groupVersion: String, resources: [ResourceInfo]) -> JSONValue {
        var list: [JSONValue] = []
        for r in resources {
            var o = JSONObjectBuilder()
            o.set("name", r.name)
            o.set("singularName", r.singular)
            o.set("namespaced", r.namespaced)
            o.set("kind", r.kind)
            o.set("verbs", JSONValue.strings(r.verbs))
            if !r.shortNames.isEmpty { o.set("shortNames", JSONValue.strings(r.shortNames)) }
            if !r.categories.isEmpty { o.set("categories", JSONValue.strings(r.categories)) }
            list.append(o.value)
            for sub in r.subresources {
                list.append(
                    .object([
                        ("name", .string("\(r.name)/\(sub.name)")), ("singularName", .string("")), ("namespaced", .bool(r.namespaced)),
                        ("kind", .string(sub.kind)), ("verbs", .strings(sub.verbs)),
                    ]))
            }
        }
        return .object([
            ("kind", .string("APIResourceList")), ("apiVersion", .string("v1")), ("groupVersion", .string(groupVersion)),
            ("resources", .array(list)),
        ])
    }

    private static func aggregatedVersion(_ resources: [ResourceInfo]) -> JSONValue {
        let list: [JSONValue] = resources.map { r in
            var o = JSONObjectBuilder()
            o.set("resource", r.name)
            o.set("responseKind", JSONValue.object([("group", .string("")), ("version", .string("")), ("kind", .string(r.kind))]))
            o.set("scope", r.namespaced ? "Namespaced" : "Cluster")
            o.set("singularResource", r.singular)
            o.set("verbs", JSONValue.strings(r.verbs))
            if !r.shortNames.isEmpty { o.set("shortNames", JSONValue.strings(r.shortNames)) }
            if !r.categories.isEmpty { o.set("categories", JSONValue.strings(r.categories)) }
            if !r.subresources.isEmpty {
                o.set(
                    "subresources",
                    JSONValue.array(
                        r.subresources.map { s in
                            .object([
                                ("subresource", .string(s.name)),
                                ("responseKind", .object([("group", .string("")), ("version", .string("")), ("kind", .string(s.kind))])),
                                ("verbs", .strings(s.verbs)),
                            ])
                        }))
            }
            return o.value
        }
        return .object([("version", .string("v1")), ("resources", .array(list)), ("freshness", .string("Current"))])
    }

    private static func aggregatedList(_ items: [JSONValue]) -> JSONValue {
        .object([
            ("kind", .string("APIGroupDiscoveryList")), ("apiVersion", .string("apidiscovery.k8s.io/v2")), ("metadata", .object([])),
            ("items", .array(items)),
        ])
    }

    private static func groupJSON(_ name: String, kind: Bool) -> JSONValue {
        let version = JSONValue.object([("groupVersion", .string("\(name)/v1")), ("version", .string("v1"))])
        var o = JSONObjectBuilder()
        if kind {
            o.set("kind", "APIGroup")
            o.set("apiVersion", "v1")
        }
        o.set("name", name)
        o.set("versions", JSONValue.array([version]))
        o.set("preferredVersion", version)
        return o.value
    }

    /// Answers a discovery path, or nil when the path is not one.
    func discovery(_ request: LabRequest, parts: [String], pretty: Bool) throws(APIError) -> LabResponse? {
        let isDiscovery =
            parts == ["api"] || parts == ["api", "v1"] || parts == ["apis"]
            || (parts.count <= 3 && parts.first == "apis" && LabAPI.groups.contains { $0.group == parts[1] })
        guard isDiscovery else {
            if parts.count == 2 || (parts.count == 3 && parts[0] == "apis") { throw .resourceNotFound }
            return nil
        }
        guard request.method == .GET else { throw .methodNotAllowed }
        let aggregated = LabAPI.wantsAggregated(request)
        switch parts.count {
        case 1 where parts[0] == "api":
            if aggregated {
                let item = JSONValue.object([("metadata", .object([])), ("versions", .array([LabAPI.aggregatedVersion(LabAPI.coreResources)]))])
                return .json(200, LabAPI.aggregatedList([item]), pretty: pretty, contentType: LabAPI.aggregatedContentType)
            }
            return .json(
                200,
                .object([
                    ("kind", .string("APIVersions")), ("versions", .strings(["v1"])),
                    (
                        "serverAddressByClientCIDRs",
                        .array([.object([("clientCIDR", .string("0.0.0.0/0")), ("serverAddress", .string(serverAddress))])])
                    ),
                ]), pretty: pretty)
        case 1:
            if aggregated {
                let items: [JSONValue] = LabAPI.groups.map { g in
                    .object([("metadata", .object([("name", .string(g.group))])), ("versions", .array([LabAPI.aggregatedVersion(g.resources)]))])
                }
                return .json(200, LabAPI.aggregatedList(items), pretty: pretty, contentType: LabAPI.aggregatedContentType)
            }
            return .json(
                200,
                .object([
                    ("kind", .string("APIGroupList")), ("apiVersion", .string("v1")),
                    ("groups", .array(LabAPI.groups.map { LabAPI.groupJSON($0.group, kind: false) })),
                ]), pretty: pretty)
        case 2 where parts[0] == "api":
            return .json(200, LabAPI.legacyList(groupVersion: "v1", resources: LabAPI.coreResources), pretty: pretty)
        case 2:
            return .json(200, LabAPI.groupJSON(parts[1], kind: true), pretty: pretty)
        default:
            guard parts[2] == "v1", let g = LabAPI.groups.first(where: { $0.group == parts[1] }) else { throw .resourceNotFound }
            return .json(200, LabAPI.legacyList(groupVersion: "\(g.group)/v1", resources: g.resources), pretty: pretty)
        }
    }
}
