import Foundation

/// Namespaces and nodes: read-only, cluster-scoped.
extension LabAPI {
    func listClusterObjects(_ request: LabRequest, resource: String, pretty: Bool) throws(APIError) -> LabResponse {
        if request.flag("watch") { throw .methodNotAllowed }
        var labels = LabelSelector.everything
        var fields = FieldSelector.everything
        if let text = request.query["labelSelector"], !text.isEmpty {
            do { labels = try LabelSelector.parse(text) } catch { throw .badRequest(error.message) }
        }
        if let text = request.query["fieldSelector"], !text.isEmpty {
            do {
                fields = try FieldSelector.parse(text)
                try fields.validate(supported: resource == "namespaces" ? ["metadata.name", "status.phase"] : ["metadata.name", "spec.unschedulable"])
            } catch {
                throw .badRequest(error.message)
            }
        }
        let objects = (resource == "namespaces" ? store.namespaces() : store.nodes()).filter {
            labels.matches($0.labels) && fields.matches { [fields = $0.fields] in fields[$0] }
        }
        let meta = JSONValue.object([("resourceVersion", .string(String(store.resourceVersion)))])
        if try LabAPI.representation(request) == .table {
            return .json(200, LabTables.clusterTable(resource, objects, metadata: meta, includeObject: request.query["includeObject"]), pretty: pretty)
        }
        var out = Array("{\"kind\":\"\(resource == "namespaces" ? "NamespaceList" : "NodeList")\",\"apiVersion\":\"v1\",\"metadata\":".utf8)
        meta.encode(into: &out)
        out.append(contentsOf: Array(",\"items\":[".utf8))
        for (i, o) in objects.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: o.itemJSON)
        }
        out.append(contentsOf: Array("]}".utf8))
        return .json(200, out, pretty: pretty)
    }

    func getClusterObject(_ request: LabRequest, resource: String, name: String, pretty: Bool) throws(APIError) -> LabResponse {
        guard let object = resource == "namespaces" ? store.namespace(name) : store.node(name) else {
            throw .notFound(resource: resource, name: name)
        }
        if try LabAPI.representation(request) == .table {
            return .json(200, LabTables.clusterTable(resource, [object], metadata: .object([]), includeObject: request.query["includeObject"]), pretty: pretty)
        }
        return .json(200, object.json, pretty: pretty)
    }
}
