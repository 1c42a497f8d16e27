import Crypto
import Foundation

/// /openapi/v3 with the recorded core/v1 document of a v1.36 server (Resources/
/// openapi-v3-api-v1.json.gz, byte for byte as the server sent it, compiled in). kubectl needs it for
/// `create`/`apply` (it checks that the server validates fields); /openapi/v2 stays 404.
extension LabAPI {
    struct OpenAPIDocument: Sendable {
        let bytes: [UInt8]
        let hash: String
    }

    static let coreOpenAPI: OpenAPIDocument? = {
        guard let bytes = EmbeddedResource.coreOpenAPIDocument() else { return nil }
        return OpenAPIDocument(bytes: bytes, hash: LabNames.hex(SHA512.hash(data: bytes)).uppercased())
    }()

    func openAPI(_ request: LabRequest, parts: [String]) throws(APIError) -> LabResponse {
        guard request.method == .GET else { throw .methodNotAllowed }
        guard let document = LabAPI.coreOpenAPI else { return .text(404, "404 page not found\n") }
        switch parts {
        case ["openapi", "v3"]:
            let index = JSONValue.object([
                ("paths", .object([("api/v1", .object([("serverRelativeURL", .string("/openapi/v3/api/v1?hash=\(document.hash)"))]))]))
            ])
            return .body(status: 200, contentType: "text/plain; charset=utf-8", body: index.encoded(), headers: [])
        case ["openapi", "v3", "api", "v1"]:
            return .body(
                status: 200, contentType: "application/json", body: document.bytes,
                headers: [("Etag", "\"\(document.hash)\""), ("Vary", "Accept")])
        default:
            return .text(404, "404 page not found\n")
        }
    }
}
