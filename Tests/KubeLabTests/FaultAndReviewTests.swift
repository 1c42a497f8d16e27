import Foundation
import KubeLab
import Testing

/// Faults (in process and over HTTP), the request counter, discovery, and the reviews.
@Suite("faults, counters, discovery and reviews")
struct FaultAndReviewTests {
    @Test("429 with Retry-After for the next N requests, then normal service")
    func tooManyRequests() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        lab.server.faults.tooManyRequests(count: 2, retryAfterSeconds: 3)
        let curl = Curl(lab: lab)
        for _ in 0..<2 {
            let r = try await curl.request("/api/v1/namespaces/shop/pods")
            #expect(r.status == 429)
            #expect(r.headers["retry-after"] == "3")
            let json = try r.json()
            #expect(json["reason"] as? String == "TooManyRequests")
            #expect((json["details"] as? [String: Any])?["retryAfterSeconds"] as? Int == 3)
        }
        #expect(try await curl.request("/api/v1/namespaces/shop/pods").status == 200)
    }

    @Test("faults switched over HTTP by an admin: 5xx, latency; refused for others")
    func faultsOverHTTP() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let admin = Curl(lab: lab)
        let put = try await admin.request("PUT", "/kubelab/v1/faults", body: #"{"serverError":{"count":1,"code":500},"latencyMilliseconds":300}"#)
        #expect(put.status == 200, "\(put.text)")
        #expect(lab.server.faults.latencyMilliseconds == 300)
        let started = Date()
        let failed = try await admin.request("/api/v1/namespaces/shop/pods")
        #expect(failed.status == 500)
        #expect(try failed.json()["reason"] as? String == "InternalError")
        #expect(Date().timeIntervalSince(started) >= 0.3)
        #expect(try await admin.request("/api/v1/namespaces/shop/pods").status == 200)
        let reset = try await admin.request("PUT", "/kubelab/v1/faults", body: #"{"reset":true}"#)
        #expect(reset.status == 200)
        #expect(lab.server.faults.latencyMilliseconds == 0)
        let nobody = try await Curl(lab: lab, credential: .token(lab.server.nobodyToken)).request("PUT", "/kubelab/v1/faults", body: "{}")
        #expect(nobody.status == 403)
        let bad = try await admin.request("PUT", "/kubelab/v1/faults", body: #"{"serverError":{"count":1,"code":418}}"#)
        #expect(bad.status == 400)
        // The same document in process, as the CLI's flags pass it.
        try lab.server.faults.apply(jsonText: #"{"dropWatchAfterEvents":2,"denyUsers":["operator"]}"#)
        #expect(lab.server.faults.dropWatchAfterEvents == 2)
        #expect(try await Curl(lab: lab, credential: .token(lab.server.operatorToken)).request("/api/v1/pods").status == 403)
        #expect(throws: LabFaults.InvalidFaults.self) { try lab.server.faults.apply(jsonText: #"{"latencyMilliseconds":"slow"}"#) }
    }

    @Test("requests are counted by verb and resource")
    func counting() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let curl = Curl(lab: lab)
        lab.server.requestCounter.reset()
        _ = try await curl.request("/api/v1/namespaces/shop/pods")
        _ = try await curl.request("/api/v1/namespaces/shop/pods")
        _ = try await curl.request("/api/v1/namespaces/shop/pods/db-0")
        _ = try await curl.request("/api/v1/namespaces/shop/pods/db-0/log")
        #expect(lab.server.requestCounter.count(verb: "list", resource: "pods") == 2)
        #expect(lab.server.requestCounter.count(verb: "get", resource: "pods") == 1)
        #expect(lab.server.requestCounter.count(verb: "get", resource: "pods/log") == 1)
        let stats = try await curl.request("/kubelab/v1/stats").json()
        #expect(stats["total"] as? Int == 4)
    }

    @Test("aggregated discovery v2 when asked for it, the legacy form otherwise")
    func discovery() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let curl = Curl(lab: lab)
        let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
        let aggregated = try await curl.request("/api", accept: accept)
        #expect(aggregated.headers["content-type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
        let items = try #require(try aggregated.json()["items"] as? [[String: Any]])
        let resources = try #require(((items.first?["versions"] as? [[String: Any]])?.first?["resources"]) as? [[String: Any]])
        let pods = try #require(resources.first { $0["resource"] as? String == "pods" })
        let real = try LabFixture.fixture("discovery/api-aggregated-v2.json")
        let realPods = try #require(
            (((real["items"] as? [[String: Any]])?.first?["versions"] as? [[String: Any]])?.first?["resources"] as? [[String: Any]])?.first {
                $0["resource"] as? String == "pods"
            })
        #expect(Set(pods.keys) == Set(realPods.keys))
        #expect(pods["verbs"] as? [String] == realPods["verbs"] as? [String])
        let subs = (pods["subresources"] as? [[String: Any]] ?? []).compactMap { $0["subresource"] as? String }
        #expect(Set(subs).isSuperset(of: ["ephemeralcontainers", "log", "status"]))
        let legacy = try await curl.request("/api/v1")
        #expect(legacy.headers["content-type"] == "application/json")
        let names = (try legacy.json()["resources"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(Set(names).isSuperset(of: ["pods", "pods/ephemeralcontainers", "pods/log", "pods/status", "namespaces"]))
        let apis = try await curl.request("/apis", accept: accept)
        let groups = (try apis.json()["items"] as? [[String: Any]] ?? []).compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
        #expect(Set(groups) == ["authorization.k8s.io", "authentication.k8s.io", "apps", "batch"])
    }

    @Test("SelfSubjectAccessReview echoes the spec (without the empty group) and answers per user")
    func accessReview() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let body = try Fixtures.text("auth/ssar-patch-ephemeralcontainers-request.json")
            .replacingOccurrences(of: "\"fixtures\"", with: "\"shop\"")
        let admin = try await Curl(lab: lab).request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: body)
        #expect(admin.status == 201)
        let want = try LabFixture.fixture("auth/ssar-patch-ephemeralcontainers-response.json")
        let got = try admin.json()
        #expect(got["kind"] as? String == want["kind"] as? String)
        #expect(NSDictionary(dictionary: (got["spec"] as? [String: Any] ?? [:])).isEqual(to: ["resourceAttributes": ["namespace": "shop", "verb": "patch", "resource": "pods", "subresource": "ephemeralcontainers"]]))
        #expect(NSDictionary(dictionary: got["status"] as? [String: Any] ?? [:]).isEqual(to: ["allowed": true]))
        let nobody = try await Curl(lab: lab, credential: .token(lab.server.nobodyToken)).request(
            "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: body)
        #expect(NSDictionary(dictionary: try nobody.json()["status"] as? [String: Any] ?? [:]).isEqual(to: ["allowed": false]))
    }

    @Test("SelfSubjectReview names the user of a client certificate signed by the lab CA, RSA too")
    func selfSubjectReviewRSA() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let d = lab.directory
        for args in [
            ["genrsa", "-out", "\(d)/alice.key", "2048"],
            ["req", "-new", "-key", "\(d)/alice.key", "-subj", "/O=devs/CN=alice", "-out", "\(d)/alice.csr"],
            ["x509", "-req", "-in", "\(d)/alice.csr", "-CA", lab.server.caCertificatePath, "-CAkey", lab.server.caKeyPath, "-CAcreateserial", "-days", "1", "-out", "\(d)/alice.crt"],
        ] {
            let r = try await run("/usr/bin/openssl", args)
            #expect(r.status == 0, "openssl \(args[0]): \(r.stderr)")
        }
        let result = try await run("/usr/bin/curl", [
            "-sS", "--cacert", lab.server.caCertificatePath, "--cert", "\(d)/alice.crt", "--key", "\(d)/alice.key", "-X", "POST",
            "-H", "Content-Type: application/json", "--data-binary", #"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#,
            lab.server.serverURL + "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        ])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        let info = try #require((json["status"] as? [String: Any])?["userInfo"] as? [String: Any])
        #expect(info["username"] as? String == "alice")
        #expect(info["groups"] as? [String] == ["devs", "system:authenticated"])
        // alice has no rules: listing pods is forbidden, with her name in the message.
        let list = try await run("/usr/bin/curl", [
            "-sS", "--cacert", lab.server.caCertificatePath, "--cert", "\(d)/alice.crt", "--key", "\(d)/alice.key",
            lab.server.serverURL + "/api/v1/namespaces/shop/pods",
        ])
        #expect(list.stdout.contains(#"User \"alice\" cannot list resource \"pods\""#))
    }
}
