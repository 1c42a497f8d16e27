import Foundation
import Testing
import TestSupport

@testable import KubeLab

/// The demo topology with real processes: pods come up running, kubectl logs works,
/// ephemeral containers run in the target's pid namespace, and stopping the lab leaves nothing.
@Suite("real pods and ephemeral containers")
struct RealPodTests {
    @Test("the demo's pods run for real; an ephemeral container sees the target's processes; stop leaves no process or mount")
    func demoLifecycle() async throws {
        let started = Date()
        let lab = try await LabFixture.start(runtime: true)
        let startSeconds = Date().timeIntervalSince(started)
        var recorded: [Int32] = []
        do {
            #expect(lab.server.hasRuntime)
            let checkout = lab.server.pods(namespace: "shop").filter { $0.labels["app"] == "checkout" }
            #expect(checkout.count == 3)
            for pod in lab.server.pods() where pod.phase == .Running || pod.runsProcesses {
                #expect(pod.runsProcesses, "\(pod.name) should run processes")
                #expect(pod.phase == .Running, "\(pod.namespace)/\(pod.name) is \(pod.phase)")
                for status in pod.containerStatuses {
                    guard case .running = status.state else {
                        Issue.record("\(pod.name)/\(status.name) is \(status.state)")
                        continue
                    }
                    #expect(status.ready && status.started)
                    #expect(status.imageID.contains("sha256:") && status.containerID?.hasPrefix("containerd://") == true)
                }
                let running = try #require(lab.server.runningPod(namespace: pod.namespace, name: pod.name))
                recorded.append(running.sandboxPID)
                recorded += running.containers.compactMap(\.hostPID)
            }
            let report = try #require(lab.server.pod(namespace: "payments", name: "batch-report"))
            #expect(!report.runsProcesses && lab.server.runningPod(namespace: "payments", name: "batch-report") == nil)

            // An ephemeral container targeting app: ps shows app's processes only.
            let pod = checkout[0]
            let curl = Curl(lab: lab)
            let patchStarted = Date()
            let patch = try await curl.request(
                "PATCH", "/api/v1/namespaces/shop/pods/\(pod.name)/ephemeralcontainers",
                body: Ephemeral.smp(name: "evidence-ps", command: ["sh", "-c", "ps; printf done > /dev/termination-log"]),
                contentType: Ephemeral.smpType)
            #expect(patch.status == 200, "\(patch.text)")
            let done = try await Ephemeral.waitForPod(lab, name: pod.name) { Ephemeral.isTerminated(Ephemeral.ephemeralState($0, "evidence-ps")) }
            let toTerminated = Date().timeIntervalSince(patchStarted)
            guard case .terminated(let code, let reason, let message, _, _) = Ephemeral.ephemeralState(done, "evidence-ps") else {
                Issue.record("evidence-ps did not terminate: \(String(describing: Ephemeral.ephemeralState(done, "evidence-ps")))")
                throw CancellationError()
            }
            #expect(code == 0 && reason == "Completed" && message == "done")
            let log = try await curl.request("/api/v1/namespaces/shop/pods/\(pod.name)/log?container=evidence-ps")
            #expect(log.status == 200)
            let lines = log.text.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasSuffix(" httpd -f -p 8080") && $0.trimmingCharacters(in: .whitespaces).hasPrefix("1 ") }, "\(log.text)")
            #expect(!log.text.contains("sleep 3600"), "the sidecar's processes are in another pid namespace: \(log.text)")
            // The sockets of each pod's network namespace: app on 8080, the sidecar's connection to
            // it, and only the first replica listening on 4444 as well; db on 5432.
            var listeners4444: [String] = []
            for p in checkout {
                let sandbox = try #require(lab.server.runningPod(namespace: "shop", name: p.name)).sandboxPID
                let sockets = Ephemeral.tcpSockets(pid: sandbox)
                #expect(sockets.contains { $0.state == "0A" && $0.localPort == 8080 }, "\(p.name): no listener on 8080 in \(sockets)")
                if sockets.contains(where: { $0.state == "0A" && $0.localPort == 4444 }) { listeners4444.append(p.name) }
                // The sidecar retries every second until httpd listens; on a loaded machine that takes a while.
                let deadline = Date().addingTimeInterval(10)
                var connected = false
                while !connected, Date() < deadline {
                    connected = Ephemeral.tcpSockets(pid: sandbox).contains { $0.state == "01" && $0.remotePort == 8080 }
                    if !connected { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(connected, "\(p.name): the sidecar holds no connection to 8080")
            }
            #expect(listeners4444.count == 1, "exactly one checkout replica listens on 4444: \(listeners4444)")
            #expect(checkout.filter { $0.containers[0].command.joined(separator: " ").contains("4444") }.map(\.name) == listeners4444)
            for db in lab.server.pods(namespace: "shop").filter({ $0.labels["app"] == "db" }) {
                let sandbox = try #require(lab.server.runningPod(namespace: "shop", name: db.name)).sandboxPID
                #expect(Ephemeral.tcpSockets(pid: sandbox).contains { $0.state == "0A" && $0.localPort == 5432 }, "\(db.name) does not listen on 5432")
            }
            print("kubelab timings: lab start with the demo topology \(String(format: "%.2f", startSeconds)) s, PATCH to terminated \(String(format: "%.2f", toTerminated)) s")
        } catch {
            try? await lab.stop()
            throw error
        }
        try await lab.stop()
        #expect(!recorded.isEmpty)
        let alive = recorded.filter { kill($0, 0) == 0 }
        #expect(alive.isEmpty, "processes of the lab's pods still alive after stop: \(alive)")
        #expect(Ephemeral.mounts(under: lab.directory).isEmpty, "mounts left: \(Ephemeral.mounts(under: lab.directory))")
    }
}

extension RealPodTests {
    /// One small lab with real processes for the fault tests: a 2-replica Deployment like checkout.
    static let smallTopology = """
        namespaces: [shop]
        workloads:
          - kind: Deployment
            name: web
            namespace: shop
            replicas: 2
            labels: {app: web}
            containers:
              - {name: app, image: busybox:1.36, command: [httpd, -f, -p, "8080"]}
              - {name: sidecar, image: busybox:1.36, command: [sh, -c, "echo sidecar up; exec sleep 3600"]}
        """

    @Test("watch sees waiting → running → terminated in order, the start delay fault holds ContainerCreating, logs are served and cut by the fault")
    func transitionsFaultsAndLogs() async throws {
        try await LabFixture.with(try LabTopology.parse(yaml: RealPodTests.smallTopology), runtime: true) { lab in
            let curl = Curl(lab: lab)
            let pods = lab.server.pods(namespace: "shop").map(\.name)
            #expect(pods.count == 2)
            // A regular container's output is its log (kubectl logs), read from the runtime's file.
            let sidecarLog = try await Ephemeral.waitForLog(curl, pod: pods[0], container: "sidecar") { $0 == "sidecar up\n" }
            #expect(sidecarLog == "sidecar up\n")

            _ = try await curl.request("PUT", "/kubelab/v1/faults", body: #"{"containerStartDelayMilliseconds": 300}"#)
            let rv0 = lab.server.resourceVersion
            let patchedAt = Date()
            let script = "i=0; while [ $i -lt 20 ]; do echo line-$i-0123456789; i=$((i+1)); done; printf sha256:abc > /dev/termination-log; exit 3"
            for pod in pods {
                let r = try await curl.request(
                    "PATCH", "/api/v1/namespaces/shop/pods/\(pod)/ephemeralcontainers", body: Ephemeral.smp(name: "evidence-1", command: ["sh", "-c", script]),
                    contentType: Ephemeral.smpType)
                #expect(r.status == 200)
            }
            var terminated = 0
            for pod in pods {
                let p = try await Ephemeral.waitForPod(lab, name: pod) { Ephemeral.isTerminated(Ephemeral.ephemeralState($0, "evidence-1")) }
                guard case .terminated(let code, let reason, let message, let startedAt, let finishedAt) = Ephemeral.ephemeralState(p, "evidence-1") else {
                    Issue.record("evidence-1 in \(pod) did not end: \(String(describing: Ephemeral.ephemeralState(p, "evidence-1")))")
                    continue
                }
                #expect(code == 3 && reason == "Error" && message == "sha256:abc")
                #expect(finishedAt >= startedAt)
                let status = try #require(p.ephemeralContainerStatuses.first)
                #expect(status.containerID?.hasPrefix("containerd://") == true && status.imageID.contains("sha256:"))
                terminated += 1
            }
            #expect(terminated == 2)
            #expect(Date().timeIntervalSince(patchedAt) >= 0.3, "the start delay fault holds the containers")

            // The whole history from before the PATCHes, as a watch replays it.
            let watch = try await curl.request(
                "/api/v1/namespaces/shop/pods?watch=true&resourceVersion=\(rv0)&fieldSelector=metadata.name%3D\(pods[0])", maxTime: 0.7)
            var states: [String] = []
            var rvs: [Int] = []
            for event in try watchEvents(watch.body) {
                #expect(event["type"] as? String == "MODIFIED")
                let object = try #require(event["object"] as? [String: Any])
                rvs.append(Int((object["metadata"] as? [String: Any])?["resourceVersion"] as? String ?? "") ?? 0)
                let statuses = (object["status"] as? [String: Any])?["ephemeralContainerStatuses"] as? [[String: Any]] ?? []
                if let state = statuses.first?["state"] as? [String: Any], let key = state.keys.first {
                    if states.last != key { states.append(key) }
                } else {
                    states.append("none")
                }
            }
            #expect(states == ["none", "waiting", "running", "terminated"], "\(states)")
            #expect(rvs == rvs.sorted() && Set(rvs).count == rvs.count)

            // The log of the ephemeral container, whole; then cut to 100 bytes for the first pod read.
            let full = try await curl.request("/api/v1/namespaces/shop/pods/\(pods[0])/log?container=evidence-1")
            #expect(full.status == 200 && full.text.hasPrefix("line-0-0123456789\n") && full.text.hasSuffix("line-19-0123456789\n"))
            _ = try await curl.request("PUT", "/kubelab/v1/faults", body: #"{"truncateEphemeralLogsToBytes": 100, "truncateLogsOfPods": 1}"#)
            let cut = try await curl.request("/api/v1/namespaces/shop/pods/\(pods[1])/log?container=evidence-1")
            #expect(cut.body.count == 100)
            let cutAgain = try await curl.request("/api/v1/namespaces/shop/pods/\(pods[1])/log?container=evidence-1")
            #expect(cutAgain.body.count == 100, "the same pod stays cut")
            let other = try await curl.request("/api/v1/namespaces/shop/pods/\(pods[0])/log?container=evidence-1")
            #expect(other.body == full.body, "only the first pod read is cut")
            let regular = try await curl.request("/api/v1/namespaces/shop/pods/\(pods[1])/log?container=sidecar")
            #expect(regular.text == "sidecar up\n", "regular containers' logs are never cut")

            // A container that never started, and one that does not exist.
            _ = try await curl.request("PUT", "/kubelab/v1/faults", body: #"{"reset": true}"#)
            let missing = try await curl.request(
                "PATCH", "/api/v1/namespaces/shop/pods/\(pods[1])/ephemeralcontainers",
                body: try Ephemeral.request("ephemeral/missing-image-request.json"), contentType: Ephemeral.smpType)
            #expect(missing.status == 200)
            try await Ephemeral.waitForPod(lab, name: pods[1]) {
                if case .waiting("ErrImagePull", _) = Ephemeral.ephemeralState($0, "evidence-missing") { return true }
                return false
            }
            let waitingLog = try await curl.request("/api/v1/namespaces/shop/pods/\(pods[1])/log?container=evidence-missing")
            Ephemeral.expectSameStatus(
                try waitingLog.json(),
                try Ephemeral.expected("errors/400-log-ephemeral-container-waiting.json", replacing: [("checkout-78b65f974c-8ldd8", pods[1])]), "waiting log")
            let unknown = try await curl.request("/api/v1/namespaces/shop/pods/\(pods[0])/log?container=evidence-nope")
            Ephemeral.expectSameStatus(
                try unknown.json(), try Ephemeral.expected("errors/400-log-container-not-found.json", replacing: [(Ephemeral.fixturePod, pods[0])]),
                "unknown container")
            // Statuses are sorted by name whatever the spec order.
            let json = try await curl.request("/api/v1/namespaces/shop/pods/\(pods[1])").json()
            let names = ((json["status"] as? [String: Any])?["ephemeralContainerStatuses"] as? [[String: Any]] ?? []).map { $0["name"] as? String ?? "" }
            let specNames = ((json["spec"] as? [String: Any])?["ephemeralContainers"] as? [[String: Any]] ?? []).map { $0["name"] as? String ?? "" }
            #expect(specNames == ["evidence-missing", "evidence-1"] && names == ["evidence-1", "evidence-missing"])
        }
    }

    @Test("pods created and deleted through the API start and stop their processes; the compliant container in the hardened pod runs as uid 1000")
    func createDeleteAndRestricted() async throws {
        let yaml = RealPodTests.smallTopology.replacingOccurrences(of: "namespaces: [shop]", with: "namespaces: [shop, {name: hardened, labels: {pod-security.kubernetes.io/enforce: restricted}}]")
            + """

              - kind: Deployment
                name: vault
                namespace: hardened
                labels: {app: vault}
                securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
                containers:
                  - name: app
                    image: busybox:1.36
                    command: [httpd, -f, -p, "8200"]
                    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
            """
        try await LabFixture.with(try LabTopology.parse(yaml: yaml), runtime: true) { lab in
            let curl = Curl(lab: lab)
            let created = try await curl.request(
                "POST", "/api/v1/namespaces/shop/pods",
                body: #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"adhoc"},"spec":{"containers":[{"name":"main","image":"busybox","command":["sh","-c","echo hello; exec sleep 3600"]}]}}"#)
            #expect(created.status == 201)
            let running = try await Ephemeral.waitForPod(lab, name: "adhoc") { $0.phase == .Running }
            #expect(running.phase == .Running)
            let pids = try #require(lab.server.runningPod(namespace: "shop", name: "adhoc")).containers.compactMap(\.hostPID)
            #expect(!pids.isEmpty && pids.allSatisfy { kill($0, 0) == 0 })
            #expect(try await Ephemeral.waitForLog(curl, pod: "adhoc", container: "main") { $0 == "hello\n" } == "hello\n")
            #expect(try await curl.request("DELETE", "/api/v1/namespaces/shop/pods/adhoc").status == 200)
            let deadline = Date().addingTimeInterval(5)
            while pids.contains(where: { HostProcess.isRunning($0) }), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(pids.allSatisfy { !HostProcess.isRunning($0) }, "the deleted pod's processes are gone")

            // A pod that runs to its end with restartPolicy Never: Succeeded, or Failed on a non-zero exit.
            for (name, code, phase) in [("once-ok", 0, LabPodPhase.Succeeded), ("once-bad", 2, LabPodPhase.Failed)] {
                let r = try await curl.request(
                    "POST", "/api/v1/namespaces/shop/pods",
                    body: #"{"metadata":{"name":"\#(name)"},"spec":{"restartPolicy":"Never","containers":[{"name":"main","image":"busybox","command":["sh","-c","exit \#(code)"]}]}}"#)
                #expect(r.status == 201)
                let done = try await Ephemeral.waitForPod(lab, name: name) { $0.phase == phase }
                #expect(done.phase == phase)
            }

            let vault = try #require(lab.server.pods(namespace: "hardened").first).name
            let ok = try await curl.request(
                "PATCH", "/api/v1/namespaces/hardened/pods/\(vault)/ephemeralcontainers",
                body: try Ephemeral.request("errors/200-podsecurity-ephemeral-compliant.request.json"), contentType: Ephemeral.smpType)
            #expect(ok.status == 200, "\(ok.text)")
            try await Ephemeral.waitForPod(lab, namespace: "hardened", name: vault) { Ephemeral.isTerminated(Ephemeral.ephemeralState($0, "evidence-restricted")) }
            let log = try await curl.request("/api/v1/namespaces/hardened/pods/\(vault)/log?container=evidence-restricted")
            #expect(log.text.hasPrefix("uid=1000"), "\(log.text)")
            #expect(log.text.contains("httpd -f -p 8200"), "\(log.text)")
        }
    }
}

extension Ephemeral {
    /// Polls a container's log until `condition` holds (at most 5 s); returns the last text.
    static func waitForLog(_ curl: Curl, namespace: String = "shop", pod: String, container: String, until condition: (String) -> Bool) async throws
        -> String
    {
        let deadline = Date().addingTimeInterval(5)
        while true {
            let text = try await curl.request("/api/v1/namespaces/\(namespace)/pods/\(pod)/log?container=\(container)").text
            if condition(text) || Date() > deadline { return text }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension Ephemeral {
    struct TCPSocket: Equatable {
        var localPort: Int
        var remotePort: Int
        /// Hex state of /proc/net/tcp: 0A LISTEN, 01 ESTABLISHED.
        var state: String
    }

    /// The TCP sockets (v4 and v6) of the network namespace `pid` is in.
    static func tcpSockets(pid: Int32) -> [TCPSocket] {
        var out: [TCPSocket] = []
        for file in ["tcp", "tcp6"] {
            let text = (try? String(contentsOfFile: "/proc/\(pid)/net/\(file)", encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ")
                guard f.count > 3, let l = f[1].split(separator: ":").last, let r = f[2].split(separator: ":").last,
                    let lp = Int(l, radix: 16), let rp = Int(r, radix: 16)
                else { continue }
                out.append(TCPSocket(localPort: lp, remotePort: rp, state: String(f[3])))
            }
        }
        return out
    }
}

extension RealPodTests {
    @Test("kubectl-style log follow of a running container streams new lines as they are written")
    func followRunningContainer() async throws {
        let yaml = """
            namespaces: [shop]
            pods:
              - name: ticker
                namespace: shop
                containers: [{name: main, image: busybox, command: [sh, -c, "i=0; while [ $i -lt 6 ]; do echo tick-$i; i=$((i+1)); sleep 0.2; done; exec sleep 3600"]}]
            """
        try await LabFixture.with(try LabTopology.parse(yaml: yaml), runtime: true) { lab in
            // Follow for 2 s: every tick written meanwhile arrives, though the container keeps running.
            let r = try await Curl(lab: lab).request("/api/v1/namespaces/shop/pods/ticker/log?container=main&follow=true", maxTime: 2)
            #expect(r.text == (0..<6).map { "tick-\($0)\n" }.joined(), "\(r.text)")
        }
    }
}
