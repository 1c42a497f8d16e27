@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// Non-2xx replies become typed errors carrying the server's own words.
@Suite("Server errors reach the user")
struct ServerErrorTests {
    @Test("a bad label selector: the server's 400 message and the request reach the user")
    func badSelector() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let body = try Fixtures.bytes("errors/400-bad-label-selector.json")
        try await withServer({ _ in .json(400, body) }) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { try await $0.listPods(namespace: "fixtures", labelSelector: "app in (") }
            }
            #expect(error?.statusCode == 400)
            #expect(error?.serverStatus?.reason == "BadRequest")
            let message = error?.description ?? ""
            #expect(message.contains("unable to parse requirement: found '', expected: ',', ')' or identifier"))
            #expect(message.contains("GET /api/v1/namespaces/fixtures/pods?labelSelector=app%20in%20%28"))
            #expect(server.requests.count == 1, "a 400 is not retried")
        }
    }

    @Test("a 422 lists every cause with its field")
    func invalidWithCauses() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let body = try Fixtures.bytes("errors/422-ephemeral-remove.json")
        try await withServer({ _ in .json(422, body) }) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) {
                    try await $0.patchPod(namespace: "fixtures", name: "checkout-78b65f974c-7mtxn", subresource: "ephemeralcontainers",
                                          patch: Data(#"{"spec":{"ephemeralContainers":[]}}"#.utf8), type: .merge)
                }
            }
            #expect(error?.serverStatus?.details?.causes.count == 2)
            let message = error?.description ?? ""
            #expect(message.contains("PATCH /api/v1/namespaces/fixtures/pods/checkout-78b65f974c-7mtxn/ephemeralcontainers"))
            #expect(message.contains("422 Invalid"))
            #expect(message.contains("spec.ephemeralContainers: Forbidden: existing ephemeral containers \"evidence-2\" may not be removed"))
        }
    }

    @Test("every recorded error reply becomes .status with its code and reason", arguments: try FixtureDecodingTests.statusFixtures())
    func recordedErrors(fixture: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let body = try Fixtures.bytes(fixture)
        let code = Int(fixture.split(separator: "/").last!.prefix(3))!
        let expected = try JSONDecoder().decode(Status.self, from: Data(body))
        try await withServer({ _ in .json(code, body) }) { server in
            // 401 would try to renew credentials: the kubeconfig holds a static token, so it cannot.
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { try await $0.getPod(namespace: "fixtures", name: "x") }
            }
            #expect(error?.serverStatus == expected)
            #expect(error?.statusCode == code)
            if code == 404 { #expect(error?.isNotFound == true) }
            if code == 403 { #expect(error?.isForbidden == true) }
        }
    }

    @Test("a non-Status error body gives the HTTP code and the first 200 bytes")
    func nonStatusBody() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let html = "<html><body>" + String(repeating: "Bad gateway from the load balancer. ", count: 20) + "</body></html>"
        try await withServer({ _ in .reply(status: 502, headers: [("Content-Type", "text/html")], body: Array(html.utf8)) }) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { try await $0.serverVersion() }
            }
            guard case .unexpectedResponse(let code, let method, let path, let prefix) = error else {
                Issue.record("expected unexpectedResponse, got \(String(describing: error))")
                return
            }
            #expect(code == 502)
            #expect(method == "GET" && path == "/version")
            #expect(prefix == String(html.prefix(200)))
            #expect(error?.description.contains("HTTP 502") == true)
        }
    }

    @Test("SelfSubjectReview on a server without it: a 404 the caller can recognise")
    func selfSubjectReviewMissing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let notFound = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#
        try await withServer({ _ in .json(404, notFound) }) { server in
            let error = await #expect(throws: KubeAPIError.self) {
                try await withClient(server, in: dir) { try await $0.selfSubjectReview() }
            }
            #expect(error?.isNotFound == true)
            #expect(server.requests.first?.path == "/apis/authentication.k8s.io/v1/selfsubjectreviews")
        }
    }
}
