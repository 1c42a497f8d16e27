import Foundation

/// The API server's list continue token: base64url (no padding) of
/// `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}` (see pods/podlist-page1.json).
struct ContinueToken: Equatable {
    var resourceVersion: Int
    /// The key after which the next page starts: a name within a namespace, or `ns/name` across namespaces.
    var startAfter: String

    func encoded() -> String {
        let json = JSONValue.object([
            ("v", .string("meta.k8s.io/v1")), ("rv", .int(resourceVersion)), ("start", .string(startAfter + "\u{0}")),
        ]).encoded()
        return Data(json).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) throws(APIError) -> ContinueToken {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64) else {
            throw .badRequest("invalid continue token: continue key is not valid: illegal base64 data in \"\(text)\"")
        }
        guard let json = try? JSONValue.parse([UInt8](data)) else {
            throw .badRequest("invalid continue token: continue key is not valid: the decoded token is not JSON")
        }
        guard json["v"]?.stringValue == "meta.k8s.io/v1" else {
            throw .badRequest("invalid continue token: continue key is not valid: server does not recognize this encoded version")
        }
        guard let rv = json["rv"]?.intValue, rv > 0 else {
            throw .badRequest(
                "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        }
        guard var start = json["start"]?.stringValue, !start.isEmpty else {
            throw .badRequest("invalid continue token: continue key is not valid: encoded start key empty")
        }
        if start.hasSuffix("\u{0}") { start.removeLast() }
        return ContinueToken(resourceVersion: rv, startAfter: start)
    }
}
