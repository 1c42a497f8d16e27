@testable import KubeAPI
import Foundation
import TestSupport
import Testing

/// What goes on the wire: paths, selectors, patch content types, headers, bodies.
@Suite("Requests as the server receives them")
struct RequestEncodingTests {
    @Test("label and field selectors, limit and continue are percent-encoded; -A lists /api/v1/pods")
    func listQuery() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let page = try Fixtures.bytes("pods/podlist-page1.json")
        try await withServer({ _ in .json(200, page) }) { server in
            let list = try await withClient(server, in: dir) {
                try await $0.listPods(namespace: nil, labelSelector: "app in (checkout,db),!canary", fieldSelector: "status.phase=Running",
                                      limit: 2, continueToken: "abc=")
            }
            #expect(list.items.count == 2)
            let request = try #require(server.requests.first)
            #expect(request.method == "GET")
            #expect(request.uri == "/api/v1/pods?labelSelector=app%20in%20%28checkout%2Cdb%29%2C%21canary&fieldSelector=status.phase%3DRunning&limit=2&continue=abc%3D")
            #expect(request.query["labelSelector"] == "app in (checkout,db),!canary")
            #expect(request.header("Accept") == "application/json")
            #expect(request.header("User-Agent") == "kubectl-evidence/0.1")
            #expect(request.header("Authorization") == "Bearer test-token")
        }
    }

    @Test("each patch type is sent with its content type; dryRun adds dryRun=All", arguments: PatchType.allCases)
    func patchContentTypes(type: PatchType) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let reply = try Fixtures.bytes("ephemeral/smp-response.json")
        let patch = try Fixtures.bytes("ephemeral/smp-request.json")
        try await withServer({ _ in .json(200, reply) }) { server in
            let pod = try await withClient(server, in: dir) {
                try await $0.patchPod(namespace: "fixtures", name: "checkout-78b65f974c-7mtxn", subresource: "ephemeralcontainers",
                                      patch: Data(patch), type: type, dryRun: true)
            }
            #expect(pod.rawJSON == reply)
            #expect(pod.spec.ephemeralContainers.first?.name == "evidence-1")
            let request = try #require(server.requests.first)
            #expect(request.method == "PATCH")
            #expect(request.path == "/api/v1/namespaces/fixtures/pods/checkout-78b65f974c-7mtxn/ephemeralcontainers")
            #expect(request.query["dryRun"] == "All")
            #expect(request.header("Content-Type") == type.contentType)
            #expect(request.body == patch)
            if type == .apply { #expect(request.query["fieldManager"] == "kubectl-evidence") }
        }
    }

    @Test("content types are the four Kubernetes patch media types")
    func patchMediaTypes() {
        #expect(PatchType.strategicMerge.contentType == "application/strategic-merge-patch+json")
        #expect(PatchType.merge.contentType == "application/merge-patch+json")
        #expect(PatchType.json.contentType == "application/json-patch+json")
        #expect(PatchType.apply.contentType == "application/apply-patch+yaml")
    }

    @Test("a SelfSubjectAccessReview is POSTed with its attributes and the reply decoded")
    func accessReviewRoundTrip() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let reply = try Fixtures.bytes("auth/ssar-patch-ephemeralcontainers-response-as-nobody.json")
        try await withServer({ _ in .json(201, reply) }) { server in
            let review = try await withClient(server, in: dir) {
                try await $0.selfSubjectAccessReview(.init(namespace: "fixtures", verb: "patch", resource: "pods", subresource: "ephemeralcontainers"))
            }
            #expect(review.status?.allowed == false)
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
            #expect(request.header("Content-Type") == "application/json")
            let sent = try JSONDecoder().decode(SelfSubjectAccessReview.self, from: Data(request.body))
            #expect(sent.kind == "SelfSubjectAccessReview")
            #expect(sent.apiVersion == "authorization.k8s.io/v1")
            #expect(sent.spec.resourceAttributes == .init(namespace: "fixtures", verb: "patch", resource: "pods", subresource: "ephemeralcontainers"))
        }
    }

    @Test("SelfSubjectReview and /version decode from the server's replies")
    func whoAmIAndVersion() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let reviewReply = try Fixtures.bytes("auth/selfsubjectreview-response.json")
        let versionReply = try Fixtures.bytes("discovery/version.json")
        try await withServer({ request in request.path == "/version" ? .json(200, versionReply) : .json(201, reviewReply) }) { server in
            let (review, version) = try await withClient(server, in: dir) { client in
                (try await client.selfSubjectReview(), try await client.serverVersion())
            }
            #expect(review.status?.userInfo.username == "admin")
            #expect(version.gitVersion == "v1.36.2")
        }
    }

    @Test("basic auth sends an Authorization: Basic header")
    func basicAuth() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let version = try Fixtures.bytes("discovery/version.json")
        try await withServer({ _ in .json(200, version) }) { server in
            _ = try await withClient(server, in: dir, user: "    username: alice\n    password: s3cret") { try await $0.serverVersion() }
            #expect(server.requests.first?.header("Authorization") == "Basic " + "alice:s3cret".base64)
        }
    }

    @Test("a tokenFile's token is sent")
    func tokenFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("token", "file-token\n")
        let version = try Fixtures.bytes("discovery/version.json")
        try await withServer({ _ in .json(200, version) }) { server in
            _ = try await withClient(server, in: dir, user: "    tokenFile: token") { try await $0.serverVersion() }
            #expect(server.requests.first?.header("Authorization") == "Bearer file-token")
        }
    }
}
