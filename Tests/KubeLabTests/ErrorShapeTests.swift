import Foundation
import KubeLab
import Testing

/// Status bodies and object shapes compared with the real server's recorded responses.
@Suite("errors and shapes as the real server's")
struct ErrorShapeTests {
    /// Same kind, apiVersion, status, reason, code and key order; the message compared by the caller.
    func expectSameShape(_ got: CurlResponse, _ fixture: String, message: String) throws {
        let want = try LabFixture.fixture(fixture)
        let json = try got.json()
        #expect(got.status == want["code"] as? Int, "\(fixture): \(got.text)")
        for key in ["kind", "apiVersion", "status", "reason"] {
            #expect(json[key] as? String == want[key] as? String, "\(fixture): \(key)")
        }
        #expect(json["code"] as? Int == want["code"] as? Int)
        #expect(json["message"] as? String == message)
        #expect((json["details"] as? [String: Any])?.keys.sorted() == (want["details"] as? [String: Any])?.keys.sorted())
        #expect(topLevelKeys(got.body) == topLevelKeys(try Fixtures.data(fixture)))
        #expect(got.headers["content-type"] == "application/json")
    }

    @Test("401 for a bad token, byte for byte as recorded")
    func unauthorized() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await Curl(lab: lab, credential: .token("not-a-valid-token")).request("/api/v1/namespaces/shop/pods")
        let recorded = try Fixtures.text("errors/401-bad-token.json")
        #expect(r.status == 401)
        #expect(r.text == recorded.trimmingCharacters(in: .newlines))
        let none = try await Curl(lab: lab, credential: .none).request("/api/v1/pods")
        #expect(none.status == 401)
        let version = try await Curl(lab: lab, credential: .none).request("/version")
        #expect(version.status == 200)
        #expect(try version.json()["gitVersion"] as? String == "v1.36.2-kubelab")
    }

    @Test("403 for a user without rights, list and patch of a subresource")
    func forbidden() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let nobody = Curl(lab: lab, credential: .token(lab.server.nobodyToken))
        let user = LabUsers.nobodyName
        try expectSameShape(
            try await nobody.request("/api/v1/namespaces/shop/pods"), "errors/403-sa-list-pods.json",
            message: "pods is forbidden: User \"\(user)\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\"")
        let pod = try #require(lab.server.pods(namespace: "shop").first)
        let body = try Fixtures.text("errors/403-sa-patch-ephemeralcontainers.request.json")
        try expectSameShape(
            try await nobody.request(
                "PATCH", "/api/v1/namespaces/shop/pods/\(pod.name)/ephemeralcontainers", body: body,
                contentType: "application/strategic-merge-patch+json"), "errors/403-sa-patch-ephemeralcontainers.json",
            message:
                "pods \"\(pod.name)\" is forbidden: User \"\(user)\" cannot patch resource \"pods/ephemeralcontainers\" in API group \"\" in the namespace \"shop\""
        )
        let cluster = try await nobody.request("/api/v1/pods")
        #expect(try cluster.json()["message"] as? String == "pods is forbidden: User \"\(user)\" cannot list resource \"pods\" in API group \"\" at the cluster scope")
        // The deny fault refuses even the all-rights operator.
        lab.server.faults.deny(user: LabUsers.operatorName)
        let op = try await Curl(lab: lab, credential: .token(lab.server.operatorToken)).request("/api/v1/namespaces/shop/pods")
        #expect(op.status == 403)
        lab.server.faults.allow(user: LabUsers.operatorName)
        #expect(try await Curl(lab: lab, credential: .token(lab.server.operatorToken)).request("/api/v1/namespaces/shop/pods").status == 200)
    }

    @Test("404 for a missing pod and namespace, 415 for a body that is not JSON")
    func notFoundAndMediaType() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let curl = Curl(lab: lab)
        let r = try await curl.request("/api/v1/namespaces/shop/pods/does-not-exist")
        let recorded = try Fixtures.text("errors/404-pod-not-found.json")
        #expect(r.text == recorded.trimmingCharacters(in: .newlines))
        let ns = try await curl.request("/api/v1/namespaces/nope")
        #expect(ns.status == 404)
        #expect(try ns.json()["message"] as? String == "namespaces \"nope\" not found")
        let create = try await curl.request("POST", "/api/v1/namespaces/nope/pods", body: #"{"metadata":{"name":"x"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}"#)
        #expect(create.status == 404)
        #expect(try create.json()["message"] as? String == "namespaces \"nope\" not found")
        let yaml = try await curl.request("POST", "/api/v1/namespaces/shop/pods", body: "metadata: {}", contentType: "text/plain")
        let recorded415 = try Fixtures.text("errors/415-plain-json-patch.json")
        #expect(yaml.status == 415)
        #expect(yaml.text == recorded415.trimmingCharacters(in: .newlines))
        let unknown = try await curl.request("/api/v1/namespaces/shop/configmaps")
        #expect(unknown.status == 404)
        #expect(try unknown.json()["reason"] as? String == "NotFound")
    }

    @Test("a pod has the recorded pod's key order, spec and status keys")
    func podShape() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" })
        let r = try await Curl(lab: lab, userAgent: "kubelab-tests/1").request("/api/v1/namespaces/shop/pods/\(pod.name)")
        #expect(r.status == 200)
        // Compact, one line, ending in a newline, for a client that is not curl.
        #expect(r.text.hasSuffix("}\n") && !r.text.dropLast().contains("\n"))
        let recorded = try Fixtures.data("pods/pod-running.json")
        #expect(topLevelKeys(r.body) == topLevelKeys(recorded))
        let got = try r.json()
        let want = try LabFixture.fixture("pods/pod-running.json")
        // Keys the lab serves appear in the recorded order (managedFields, hostIPs etc. aside).
        for section in [["metadata"], ["spec"], ["status"]] {
            let lab = orderedKeys(r.body, path: section)
            let real = orderedKeys(recorded, path: section).filter { lab.contains($0) }
            #expect(lab.filter { real.contains($0) } == real, "order of \(section)")
        }
        #expect(Set(orderedKeys(r.body, path: ["spec"])).isSuperset(of: ["volumes", "containers", "restartPolicy", "terminationGracePeriodSeconds", "dnsPolicy", "serviceAccountName", "serviceAccount", "nodeName", "securityContext", "schedulerName", "tolerations", "priority", "enableServiceLinks", "preemptionPolicy"]))
        #expect(Set(orderedKeys(r.body, path: ["status"])).isSuperset(of: ["observedGeneration", "phase", "conditions", "hostIP", "podIP", "podIPs", "startTime", "containerStatuses", "qosClass"]))
        let container = try #require((got["spec"] as? [String: Any])?["containers"] as? [[String: Any]]).first!
        let realContainer = try #require((want["spec"] as? [String: Any])?["containers"] as? [[String: Any]]).first!
        #expect(Set(container.keys) == Set(realContainer.keys))
        let status = try #require(((got["status"] as? [String: Any])?["containerStatuses"] as? [[String: Any]])?.first)
        let realStatus = try #require(((want["status"] as? [String: Any])?["containerStatuses"] as? [[String: Any]])?.first)
        #expect(Set(status.keys) == Set(realStatus.keys))
        #expect((status["imageID"] as? String)?.hasPrefix("docker.io/library/busybox@sha256:") == true)
        #expect((status["containerID"] as? String)?.count == "containerd://".count + 64)
    }

    @Test("a pod with an ephemeral container has the recorded pod's ephemeral keys and order")
    func ephemeralShape() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" })
        let now = Date()
        lab.server.updatePod(namespace: "shop", name: pod.name) { p in
            p.ephemeralContainers = [
                LabEphemeralContainer(
                    name: "evidence-1", image: "busybox:1.36", command: ["sh", "-c", "ps"],
                    securityContext: .object([("capabilities", .object([("add", .array([.string("SYS_PTRACE")]))]))]), targetContainerName: "app")
            ]
            p.ephemeralContainerStatuses = [
                LabContainerStatus(
                    name: "evidence-1",
                    state: .terminated(exitCode: 0, reason: "Completed", message: "sha256:abc123", startedAt: now, finishedAt: now),
                    ready: false, started: false, restartCount: 0, image: "docker.io/library/busybox:1.36",
                    imageID: "docker.io/library/busybox@sha256:" + String(repeating: "a", count: 64), containerID: "containerd://" + String(repeating: "b", count: 64))
            ]
        }
        let r = try await Curl(lab: lab).request("/api/v1/namespaces/shop/pods/\(pod.name)")
        let recorded = try Fixtures.data("ephemeral/pod-ephemeral-terminated.json")
        for section in [["spec"], ["status"]] {
            let labKeys = orderedKeys(r.body, path: section)
            let real = orderedKeys(recorded, path: section).filter { labKeys.contains($0) }
            #expect(labKeys.filter { real.contains($0) } == real, "order of \(section)")
            #expect(labKeys.contains(section == ["spec"] ? "ephemeralContainers" : "ephemeralContainerStatuses"))
        }
        let got = try r.json()
        let want = try LabFixture.fixture("ephemeral/pod-ephemeral-terminated.json")
        func first(_ o: [String: Any], _ a: String, _ b: String) -> [String: Any] { ((o[a] as? [String: Any])?[b] as? [[String: Any]])?.first ?? [:] }
        #expect(Set(first(got, "spec", "ephemeralContainers").keys) == Set(first(want, "spec", "ephemeralContainers").keys))
        #expect(Set(first(got, "status", "ephemeralContainerStatuses").keys) == Set(first(want, "status", "ephemeralContainerStatuses").keys))
    }

    @Test("a POST that asks Expect: 100-continue gets 100 Continue before the body")
    func expectContinue() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let note = String(repeating: "x", count: 4_000)
        let body = #"{"metadata":{"name":"big","annotations":{"note":"\#(note)"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}"#
        let r = try await run("/usr/bin/curl", [
            "-sS", "-v", "-o", "/dev/null", "--cacert", lab.server.caCertificatePath, "--cert", lab.adminCertificate, "--key", lab.adminKey,
            "-H", "Content-Type: application/json", "-H", "Expect: 100-continue", "--data-binary", body,
            lab.server.serverURL + "/api/v1/namespaces/shop/pods",
        ])
        #expect(r.stderr.contains("> Expect: 100-continue"))
        #expect(r.stderr.contains("< HTTP/1.1 100 Continue"), "\(r.stderr)")
        #expect(r.stderr.contains("< HTTP/1.1 201 Created"))
        #expect(lab.server.pod(namespace: "shop", name: "big")?.annotations["note"] == note)
    }

    @Test("Go's escaping of <, > and & in served JSON")
    func goEscaping() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let json = #"{"metadata":{"name":"esc","annotations":{"note":"a<b>&c"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}"#
        try lab.server.createPod(namespace: "shop", manifest: json)
        let r = try await Curl(lab: lab, userAgent: "kubelab-tests/1").request("/api/v1/namespaces/shop/pods/esc")
        #expect(r.text.contains(#""note":"a\u003cb\u003e\u0026c""#))
    }
}

/// Keys of the top-level object in document order (JSONSerialization loses order).
func topLevelKeys(_ data: Data) -> [String] { orderedKeys(data, path: []) }

/// Keys of the object at `path` in document order, read with a small scanner.
func orderedKeys(_ data: Data, path: [String]) -> [String] {
    let bytes = [UInt8](data)
    var i = 0
    func ws() { while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 } }
    func string() -> String {
        i += 1
        var out: [UInt8] = []
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == UInt8(ascii: "\\") { out.append(bytes[i]); i += 1 }
            out.append(bytes[i]); i += 1
        }
        i += 1
        return String(decoding: out, as: UTF8.self)
    }
    func skip() {
        ws()
        guard i < bytes.count else { return }
        switch bytes[i] {
        case UInt8(ascii: "\""): _ = string()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            repeat {
                if bytes[i] == UInt8(ascii: "\"") { _ = string(); continue }
                if bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[") { depth += 1 }
                if bytes[i] == UInt8(ascii: "}") || bytes[i] == UInt8(ascii: "]") { depth -= 1 }
                i += 1
            } while depth > 0 && i < bytes.count
        default:
            while i < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]")].contains(bytes[i]) { i += 1 }
        }
    }
    func keys(_ path: ArraySlice<String>) -> [String] {
        ws()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return [] }
        i += 1
        var out: [String] = []
        while i < bytes.count {
            ws()
            if bytes[i] == UInt8(ascii: "}") { return out }
            let key = string()
            ws(); i += 1  // colon
            if let first = path.first, first == key { return keys(path.dropFirst()) }
            out.append(key)
            skip()
            ws()
            if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1 }
        }
        return out
    }
    return keys(path[...])
}
