import Foundation

extension KubeClient {
    /// The names of the namespaces the user may list (`GET /api/v1/namespaces`),
    /// sorted: what `-n` completes to.
    public func namespaceNames() async throws -> [String] {
        struct NamespaceList: Decodable {
            struct Item: Decodable { var metadata: ObjectMeta }
            var items: [Item]
        }
        let request = APIRequest(method: .GET, path: "/api/v1/namespaces")
        let list = try decode(NamespaceList.self, from: await send(request), request: request)
        return list.items.compactMap(\.metadata.name).sorted()
    }
}
