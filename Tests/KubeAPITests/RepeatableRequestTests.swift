import Testing

@testable import KubeAPI

/// What may be sent again after a connection reset, and how many connections
/// a run with many pods in flight gets.
@Suite("requests sent again after a reset, and the connection pool")
struct RepeatableRequestTests {
    @Test("GET may be sent again after a reset; a POST or a PATCH that states no result (a JSON patch) may not")
    func repeatable() {
        #expect(APIRequest(method: .GET, path: "/api/v1/pods").isIdempotent)
        #expect(!APIRequest(method: .POST, path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews").isIdempotent)
        #expect(!APIRequest(method: .PATCH, path: "/api/v1/namespaces/shop/pods/a/ephemeralcontainers",
                            contentType: PatchType.json.contentType).isIdempotent)
    }

    @Test("the pool holds every pod in flight and the run's own requests, and never shrinks below the default")
    func poolSize() {
        var small = ClientOptions()
        small.sizeConnectionPool(forPodsInFlight: 16)
        #expect(small.maxConnections == ClientOptions().maxConnections)
        var large = ClientOptions()
        large.sizeConnectionPool(forPodsInFlight: 500)
        #expect(large.maxConnections == 500 + ClientOptions.connectionsBesidesPods)
    }
}
