import Foundation
import KubeLab
import Testing

/// PATCH pods/{pod}/ephemeralcontainers against the recorded responses of a real v1.36
/// server: each request of Tests/Fixtures/k8s is replayed in the recorded order on one pod, and
/// the lab's answer compared with the real one. API-only pods: nothing here needs processes.
@Suite("ephemeral containers through the API")
struct EphemeralAPITests {
    static let base = "/api/v1/namespaces/shop/pods"

    @Test("the recorded sequence: dry run, SMP, identical SMP (no-op), JSON patch, then each 422 and the 415")
    func recordedSequence() async throws {
        try await LabFixture.with { lab in
            let curl = Curl(lab: lab)
            let checkout = lab.server.pods(namespace: "shop").filter { $0.labels["app"] == "checkout" }
            let pod = checkout[0].name
            let names = [(Ephemeral.fixturePod, pod)]
            let path = "\(EphemeralAPITests.base)/\(pod)/ephemeralcontainers"
            let smpBody = try Ephemeral.request("ephemeral/smp-request.json")
            let rv0 = lab.server.resourceVersion

            // dryRun=All: the pod as it would be, nothing stored.
            let dry = try await curl.request("PATCH", path + "?dryRun=All", body: smpBody, contentType: Ephemeral.smpType)
            #expect(dry.status == 200)
            let dryPod = try dry.json()
            let wantDry = try LabFixture.fixture("ephemeral/smp-dryrun-response.json")
            #expect(NSArray(array: spec(dryPod)["ephemeralContainers"] as? [Any] ?? []) == NSArray(array: spec(wantDry)["ephemeralContainers"] as? [Any] ?? []))
            #expect(meta(dryPod)["generation"] as? Int == 2)
            #expect(lab.server.resourceVersion == rv0, "a dry run stores nothing")
            #expect(lab.server.pod(namespace: "shop", name: pod)?.ephemeralContainers.isEmpty == true)

            // The real patch: generation 1 → 2, defaults filled in, a new resourceVersion.
            let real = try await curl.request("PATCH", path, body: smpBody, contentType: Ephemeral.smpType)
            #expect(real.status == 200)
            let realPod = try real.json()
            let wantReal = try LabFixture.fixture("ephemeral/smp-response.json")
            #expect(NSArray(array: spec(realPod)["ephemeralContainers"] as? [Any] ?? []) == NSArray(array: spec(wantReal)["ephemeralContainers"] as? [Any] ?? []))
            #expect(meta(realPod)["generation"] as? Int == 2)
            let rv1 = Int(meta(realPod)["resourceVersion"] as? String ?? "") ?? 0
            #expect(rv1 > rv0)

            // The same SMP again: merged by name, nothing changes (the status the kubelet wrote meanwhile stays).
            let rvBeforeAgain = lab.server.resourceVersion
            let again = try await curl.request("PATCH", path, body: smpBody, contentType: Ephemeral.smpType)
            #expect(again.status == 200)
            #expect(meta(try again.json())["resourceVersion"] as? String == String(rvBeforeAgain))
            #expect(lab.server.resourceVersion == rvBeforeAgain)

            // A JSON patch appends evidence-2 after evidence-1.
            let jp = try await curl.request(
                "PATCH", path, body: try Ephemeral.request("ephemeral/jsonpatch-request.json"), contentType: "application/json-patch+json")
            #expect(jp.status == 200, "\(jp.text)")
            let wantJP = try LabFixture.fixture("ephemeral/jsonpatch-response.json")
            #expect(NSArray(array: spec(try jp.json())["ephemeralContainers"] as? [Any] ?? []) == NSArray(array: spec(wantJP)["ephemeralContainers"] as? [Any] ?? []))
            #expect(meta(try jp.json())["generation"] as? Int == 3)

            // The errors, each as the real server words it.
            let cases: [(request: String, type: String, response: String)] = [
                ("errors/422-ephemeral-duplicate-name.request.json", "application/json-patch+json", "errors/422-ephemeral-duplicate-name.json"),
                ("errors/422-ephemeral-duplicate-name-smp-changed.request.json", Ephemeral.smpType, "errors/422-ephemeral-duplicate-name-smp-changed.json"),
                ("errors/422-ephemeral-target-not-found.request.json", Ephemeral.smpType, "errors/422-ephemeral-target-not-found.json"),
                ("errors/422-ephemeral-ports.request.json", Ephemeral.smpType, "errors/422-ephemeral-ports.json"),
                ("errors/422-ephemeral-remove.request.json", "application/merge-patch+json", "errors/422-ephemeral-remove.json"),
                ("ephemeral/smp-request.json", "application/json", "errors/415-plain-json-patch.json"),
            ]
            let rvBefore = lab.server.resourceVersion
            for c in cases {
                let r = try await curl.request("PATCH", path, body: try Ephemeral.request(c.request), contentType: c.type)
                let want = try Ephemeral.expected(c.response, replacing: names)
                #expect(r.status == want["code"] as? Int, "\(c.response): \(r.text)")
                Ephemeral.expectSameStatus(try r.json(), want, c.response)
            }
            #expect(lab.server.resourceVersion == rvBefore, "refused patches change nothing")

            // Appending to a list the pod does not have yet: the bare 422 of a JSON patch that cannot apply.
            let other = checkout[1].name
            let missing = try await curl.request(
                "PATCH", "\(EphemeralAPITests.base)/\(other)/ephemeralcontainers",
                body: try Ephemeral.request("errors/422-jsonpatch-append-to-missing-list.request.json"), contentType: "application/json-patch+json")
            Ephemeral.expectSameStatus(try missing.json(), try LabFixture.fixture("errors/422-jsonpatch-append-to-missing-list.json"), "append to missing list")

            // Unknown pod: the pod's 404.
            let gone = try await curl.request("PATCH", "\(EphemeralAPITests.base)/does-not-exist/ephemeralcontainers", body: smpBody, contentType: Ephemeral.smpType)
            Ephemeral.expectSameStatus(try gone.json(), try LabFixture.fixture("errors/404-pod-not-found.json"), "unknown pod")
        }
    }

    @Test("more validation: a bad name, no image, probes and resources, two errors at once")
    func moreValidation() async throws {
        try await LabFixture.with { lab in
            let curl = Curl(lab: lab)
            let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" }).name
            let path = "\(EphemeralAPITests.base)/\(pod)/ephemeralcontainers"
            let body = #"{"spec":{"ephemeralContainers":[{"name":"Bad_Name","image":"","livenessProbe":{"exec":{"command":["true"]}},"resources":{"limits":{"cpu":"1"}},"targetContainerName":"sidecar"}]}}"#
            let r = try await curl.request("PATCH", path, body: body, contentType: Ephemeral.smpType)
            #expect(r.status == 422)
            let status = try r.json()
            let causes = try #require((status["details"] as? [String: Any])?["causes"] as? [[String: Any]])
            #expect(causes.map { $0["field"] as? String ?? "" } == [
                "spec.ephemeralContainers[0].name", "spec.ephemeralContainers[0].image", "spec.ephemeralContainers[0].resources",
                "spec.ephemeralContainers[0].livenessProbe",
            ])
            #expect(causes.map { $0["reason"] as? String ?? "" } == ["FieldValueInvalid", "FieldValueRequired", "FieldValueForbidden", "FieldValueForbidden"])
            let message = try #require(status["message"] as? String)
            #expect(message.hasPrefix("Pod \"\(pod)\" is invalid: [spec.ephemeralContainers[0].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label"))
            #expect(message.contains(", spec.ephemeralContainers[0].image: Required value, "))
            // Named like a regular container: a duplicate across all of the pod's containers.
            let dup = try await curl.request(
                "PATCH", path, body: Ephemeral.smp(name: "sidecar", command: ["ps"]), contentType: Ephemeral.smpType)
            #expect(dup.status == 422)
            #expect(try dup.json()["message"] as? String == "Pod \"\(pod)\" is invalid: spec.ephemeralContainers[0].name: Duplicate value: \"sidecar\"")
            // Defaults: :latest and untagged images are pulled Always, tagged ones IfNotPresent.
            for (name, image, policy) in [("e-latest", "busybox:latest", "Always"), ("e-bare", "busybox", "Always"), ("e-tag", "busybox:1.36", "IfNotPresent")] {
                let ok = try await curl.request("PATCH", path, body: Ephemeral.smp(name: name, command: ["true"], image: image), contentType: Ephemeral.smpType)
                #expect(ok.status == 200, "\(ok.text)")
                let items = try #require(spec(try ok.json())["ephemeralContainers"] as? [[String: Any]])
                #expect(items.first?["name"] as? String == name, "a strategic merge puts the new container first")
                #expect(items.first { $0["name"] as? String == name }?["imagePullPolicy"] as? String == policy)
            }
            // API-only pods have no node to run them: the status says so by waiting.
            let stored = try #require(lab.server.pod(namespace: "shop", name: pod))
            #expect(stored.ephemeralContainerStatuses.map(\.name).sorted() == ["e-bare", "e-latest", "e-tag"])
        }
    }

    @Test("RBAC: patch pods/ephemeralcontainers is its own permission (nobody and viewer are refused, viewer may still read)")
    func rbac() async throws {
        try await LabFixture.with { lab in
            let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" }).name
            let path = "\(EphemeralAPITests.base)/\(pod)/ephemeralcontainers"
            let body = try Ephemeral.request("errors/403-sa-patch-ephemeralcontainers.request.json")
            let nobody = Curl(lab: lab, credential: .token(lab.server.nobodyToken))
            let r = try await nobody.request("PATCH", path, body: body, contentType: Ephemeral.smpType)
            let want = try Ephemeral.expected(
                "errors/403-sa-patch-ephemeralcontainers.json",
                replacing: [(Ephemeral.fixturePod, pod), ("system:serviceaccount:fixtures:nobody", "system:serviceaccount:shop:nobody"), ("\"fixtures\\\"", "\"shop\\\"")])
            #expect(r.status == 403)
            Ephemeral.expectSameStatus(try r.json(), want, "nobody")

            let viewer = Curl(lab: lab, credential: .token(lab.server.viewerToken))
            let v = try await viewer.request("PATCH", path, body: body, contentType: Ephemeral.smpType)
            #expect(v.status == 403)
            #expect(try v.json()["message"] as? String
                == "pods \"\(pod)\" is forbidden: User \"viewer\" cannot patch resource \"pods/ephemeralcontainers\" in API group \"\" in the namespace \"shop\"")
            #expect(try await viewer.request("\(EphemeralAPITests.base)/\(pod)").status == 200)
            #expect(try await viewer.request("\(EphemeralAPITests.base)/\(pod)/log?container=app").status == 200)
            #expect(lab.server.pod(namespace: "shop", name: pod)?.ephemeralContainers.isEmpty == true)
            let kubeconfig = try String(contentsOfFile: lab.server.kubeconfigPath, encoding: .utf8)
            #expect(kubeconfig.contains("- name: kubelab-viewer\n  context:"))
            // What the collector's preflight asks, answered for the viewer.
            for (verb, subresource, allowed) in [("patch", "ephemeralcontainers", false), ("get", "log", true), ("watch", "", true)] {
                let review = #"{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"namespace":"shop","verb":"\#(verb)","resource":"pods","subresource":"\#(subresource)"}}}"#
                let r = try await viewer.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: review)
                #expect((try r.json()["status"] as? [String: Any])?["allowed"] as? Bool == allowed, "\(verb) \(subresource): \(r.text)")
            }
            // The faults document can take the permission away from any user.
            let operatorCurl = Curl(lab: lab, credential: .token(lab.server.operatorToken))
            #expect(try await operatorCurl.request("PATCH", path, body: Ephemeral.smp(name: "op-1", command: ["ps"]), contentType: Ephemeral.smpType).status == 200)
            let rules = try await curl(lab).request(
                "PUT", "/kubelab/v1/faults", body: #"{"userRules": {"operator": [{"verbs": ["get", "list", "watch"], "resources": ["pods", "pods/log"]}]}}"#)
            #expect(rules.status == 200)
            #expect(try await operatorCurl.request("PATCH", path, body: Ephemeral.smp(name: "op-2", command: ["ps"]), contentType: Ephemeral.smpType).status == 403)
            #expect(try await operatorCurl.request("\(EphemeralAPITests.base)/\(pod)").status == 200)
        }
    }

    @Test("Pod Security: restricted refuses SYS_PTRACE with the real wording, baseline refuses it too, compliant containers are admitted")
    func podSecurity() async throws {
        try await LabFixture.with { lab in
            let curl = Curl(lab: lab)
            let vault = try #require(lab.server.pods(namespace: "hardened").first { $0.labels["app"] == "vault" }).name
            let path = "/api/v1/namespaces/hardened/pods/\(vault)/ephemeralcontainers"
            for name in ["403-podsecurity-ephemeral-sys-ptrace", "403-podsecurity-ephemeral-sys-ptrace-only"] {
                for dry in ["?dryRun=All", ""] {
                    let r = try await curl.request("PATCH", path + dry, body: try Ephemeral.request("errors/\(name).request.json"), contentType: Ephemeral.smpType)
                    #expect(r.status == 403, "\(r.text)")
                    Ephemeral.expectSameStatus(try r.json(), try Ephemeral.expected("errors/\(name).json", replacing: [("\"hardened\\\"", "\"\(vault)\\\""), ("\"name\": \"hardened\"", "\"name\": \"\(vault)\"")]), name + dry)
                }
            }
            let ok = try await curl.request(
                "PATCH", path, body: try Ephemeral.request("errors/200-podsecurity-ephemeral-compliant.request.json"), contentType: Ephemeral.smpType)
            #expect(ok.status == 200, "\(ok.text)")

            // Without a pod-level context, every missing setting is named, in the plugin's order.
            let shopPod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" })
            _ = shopPod
            let topology = try LabTopology.parse(
                yaml: """
                    runtime: false
                    namespaces: [{name: base, labels: {pod-security.kubernetes.io/enforce: baseline}}, {name: strict, labels: {pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/enforce-version: v1.36}}]
                    pods:
                      - {name: p, namespace: base, containers: [{name: app, image: busybox}]}
                      - {name: q, namespace: strict, containers: [{name: app, image: busybox}]}
                    """)
            try await LabFixture.with(topology) { small in
                let c = Curl(lab: small)
                let ptrace = try await c.request(
                    "PATCH", "/api/v1/namespaces/base/pods/p/ephemeralcontainers",
                    body: Ephemeral.smp(name: "dbg", command: ["ps"], securityContext: #"{"capabilities":{"add":["SYS_PTRACE","NET_BIND_SERVICE"]}}"#),
                    contentType: Ephemeral.smpType)
                #expect(ptrace.status == 403)
                #expect(try ptrace.json()["message"] as? String
                    == "pods \"p\" is forbidden: violates PodSecurity \"baseline:latest\": non-default capabilities (container \"dbg\" must not include \"SYS_PTRACE\" in securityContext.capabilities.add)")
                let privileged = try await c.request(
                    "PATCH", "/api/v1/namespaces/base/pods/p/ephemeralcontainers",
                    body: Ephemeral.smp(name: "dbg", command: ["ps"], securityContext: #"{"privileged":true}"#), contentType: Ephemeral.smpType)
                #expect(try privileged.json()["message"] as? String
                    == "pods \"p\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"dbg\" must not set securityContext.privileged=true)")
                let allowed = try await c.request(
                    "PATCH", "/api/v1/namespaces/base/pods/p/ephemeralcontainers",
                    body: Ephemeral.smp(name: "dbg", command: ["ps"], securityContext: #"{"capabilities":{"add":["NET_BIND_SERVICE","KILL"]}}"#),
                    contentType: Ephemeral.smpType)
                #expect(allowed.status == 200, "\(allowed.text)")
                let strict = try await c.request(
                    "PATCH", "/api/v1/namespaces/strict/pods/q/ephemeralcontainers", body: Ephemeral.smp(name: "dbg", command: ["ps"]),
                    contentType: Ephemeral.smpType)
                #expect(try strict.json()["message"] as? String
                    == "pods \"q\" is forbidden: violates PodSecurity \"restricted:v1.36\": allowPrivilegeEscalation != false (containers \"app\", \"dbg\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (containers \"app\", \"dbg\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or containers \"app\", \"dbg\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or containers \"app\", \"dbg\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")")
            }
        }
    }

    @Test("faults: ephemeral containers switched off answer 404 as the real server; the request counter counts the subresources")
    func disabledAndCounted() async throws {
        try await LabFixture.with { lab in
            let curl = Curl(lab: lab)
            let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" }).name
            let path = "\(EphemeralAPITests.base)/\(pod)/ephemeralcontainers"
            let put = try await curl.request("PUT", "/kubelab/v1/faults", body: #"{"ephemeralContainersDisabled": true}"#)
            #expect(put.status == 200)
            #expect(try put.json()["ephemeralContainersDisabled"] as? Bool == true)
            let r = try await curl.request("PATCH", path, body: Ephemeral.smp(name: "e1", command: ["ps"]), contentType: Ephemeral.smpType)
            #expect(r.status == 404)
            #expect(r.text == "{\n  \"kind\": \"Status\",\n  \"apiVersion\": \"v1\",\n  \"metadata\": {},\n  \"status\": \"Failure\",\n  \"message\": \"the server could not find the requested resource\",\n  \"reason\": \"NotFound\",\n  \"details\": {},\n  \"code\": 404\n}")
            _ = try await curl.request("PUT", "/kubelab/v1/faults", body: #"{"ephemeralContainersDisabled": false}"#)
            _ = try await curl.request("DELETE", "/kubelab/v1/stats")
            #expect(try await curl.request("PATCH", path, body: Ephemeral.smp(name: "e1", command: ["ps"]), contentType: Ephemeral.smpType).status == 200)
            #expect(try await curl.request("\(EphemeralAPITests.base)/\(pod)/log?container=app").status == 200)
            let stats = try await curl.request("/kubelab/v1/stats")
            #expect(stats.text.contains("patch pods/ephemeralcontainers") || stats.text.contains("\"pods/ephemeralcontainers\""), "\(stats.text)")
            #expect(lab.server.requestCounter.count(verb: "patch", resource: "pods/ephemeralcontainers") == 1)
            #expect(lab.server.requestCounter.count(verb: "get", resource: "pods/log") == 1)
            // The 429 fault applies to these requests too.
            lab.server.faults.tooManyRequests(count: 1, retryAfterSeconds: 1)
            let limited = try await curl.request("PATCH", path, body: Ephemeral.smp(name: "e2", command: ["ps"]), contentType: Ephemeral.smpType)
            #expect(limited.status == 429 && limited.headers["retry-after"] == "1")
        }
    }

    private func curl(_ lab: LabFixture) -> Curl { Curl(lab: lab) }

    private func spec(_ pod: [String: Any]) -> [String: Any] { pod["spec"] as? [String: Any] ?? [:] }
    private func meta(_ pod: [String: Any]) -> [String: Any] { pod["metadata"] as? [String: Any] ?? [:] }
}
