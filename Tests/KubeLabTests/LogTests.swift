import Foundation
import KubeLab
import Testing

/// Container logs: whole, tail, limit, follow until the container ends, and the
/// server's 400s; and kubectl logs reading them.
@Suite("logs")
struct LogTests {
    @Test("a log is served whole, by tailLines and by limitBytes, chunked as text/plain")
    func read() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" })
        lab.server.appendLog(namespace: "shop", pod: pod.name, container: "sidecar", Array("one\ntwo\nthree\n".utf8))
        let curl = Curl(lab: lab)
        let base = "/api/v1/namespaces/shop/pods/\(pod.name)/log?container=sidecar"
        let whole = try await curl.request(base)
        #expect(whole.status == 200)
        #expect(whole.text == "one\ntwo\nthree\n")
        #expect(whole.headers["content-type"] == "text/plain")
        #expect(whole.headers["transfer-encoding"] == "chunked")
        #expect(try await curl.request(base + "&tailLines=2").text == "two\nthree\n")
        #expect(try await curl.request(base + "&limitBytes=5").text == "one\nt")
        // Without ?container= the default-container annotation picks `app`, whose log is empty.
        #expect(try await curl.request("/api/v1/namespaces/shop/pods/\(pod.name)/log").text == "")
    }

    @Test("follow streams what the container writes until it ends")
    func follow() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        lab.server.appendLog(namespace: "shop", pod: "db-0", container: "db", Array("ready\n".utf8))
        let started = Date()
        async let followed = Curl(lab: lab).request("/api/v1/namespaces/shop/pods/db-0/log?follow=true", maxTime: 60)
        try await Task.sleep(for: .milliseconds(600))
        lab.server.appendLog(namespace: "shop", pod: "db-0", container: "db", Array("query 1\n".utf8))
        try await Task.sleep(for: .milliseconds(300))
        lab.server.endLog(namespace: "shop", pod: "db-0", container: "db")
        let r = try await followed
        #expect(r.text == "ready\nquery 1\n")
        #expect(Date().timeIntervalSince(started) < 50, "the stream ended with the container, not at curl's 60 s limit")
    }

    @Test("log errors are the server's 400s")
    func errors() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" })
        lab.server.updatePod(namespace: "shop", name: pod.name) { $0.annotations = [:] }
        let curl = Curl(lab: lab)
        let wrong = try await curl.request("/api/v1/namespaces/shop/pods/\(pod.name)/log?container=evidence-nope")
        #expect(wrong.status == 400)
        #expect(try wrong.json()["message"] as? String == "container evidence-nope is not valid for pod \(pod.name)")
        let recorded = try LabFixture.fixture("errors/400-log-container-not-found.json")
        #expect(try Set(wrong.json().keys) == Set(recorded.keys))
        let ambiguous = try await curl.request("/api/v1/namespaces/shop/pods/\(pod.name)/log")
        #expect(try ambiguous.json()["message"] as? String == "a container name must be specified for pod \(pod.name), choose one of: [app sidecar]")
        let missing = try await curl.request("/api/v1/namespaces/shop/pods/nope/log")
        #expect(missing.status == 404)
    }

    @Test("kubectl logs and logs -f read the lab's logs")
    func kubectlLogs() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "checkout" })
        lab.server.appendLog(namespace: "shop", pod: pod.name, container: "app", Array("GET / 200\n".utf8))
        lab.server.appendLog(namespace: "shop", pod: pod.name, container: "sidecar", Array("connected\n".utf8))
        let args = ["--kubeconfig", lab.server.kubeconfigPath, "--cache-dir", lab.directory + "/kc"]
        let env = ["HOME": lab.directory, "PATH": "/usr/bin:/bin"]
        let app = try await run("/usr/bin/kubectl", args + ["logs", pod.name], environment: env)
        #expect(app.stdout == "GET / 200\n", "stderr: \(app.stderr)")
        let sidecar = try await run("/usr/bin/kubectl", args + ["logs", pod.name, "-c", "sidecar"], environment: env)
        #expect(sidecar.stdout == "connected\n")
        async let followed = run("/usr/bin/kubectl", args + ["logs", "-f", pod.name, "-c", "sidecar"], environment: env)
        try await Task.sleep(for: .milliseconds(800))
        lab.server.appendLog(namespace: "shop", pod: pod.name, container: "sidecar", Array("reconnected\n".utf8))
        try await Task.sleep(for: .milliseconds(300))
        lab.server.endLog(namespace: "shop", pod: pod.name, container: "sidecar")
        let f = try await followed
        #expect(f.stdout == "connected\nreconnected\n", "stderr: \(f.stderr)")
    }
}
