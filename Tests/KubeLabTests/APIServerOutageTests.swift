import Foundation
import KubeLab
import Testing
import TestSupport

/// The `apiServerOutage` fault: the lab behaves like a kube-apiserver killed and restarted.
@Suite("the API server outage fault")
struct APIServerOutageTests {
    @Test("an outage cuts open watch and log streams, refuses connections for its length, then the server is back; watches resume")
    func outage() async throws {
        try await LabFixture.with { lab in
            let admin = Curl(lab: lab)
            for bad in [#"-1"#, #""soon""#, "\(LabFaults.maxAPIServerOutageMilliseconds + 1)"] {
                let r = try await admin.request("PUT", "/kubelab/v1/faults", body: #"{"apiServerOutageMilliseconds":\#(bad)}"#)
                #expect(r.status == 400, "apiServerOutageMilliseconds \(bad): \(r.text)")
            }
            let before = lab.server.resourceVersion
            lab.server.appendLog(namespace: "shop", pod: "db-0", container: "db", Array("ready\n".utf8))
            lab.server.requestCounter.reset()
            let openedAt = Date()
            async let watch = rawCurl(lab, "/api/v1/pods?watch=1&timeoutSeconds=60", maxTime: 50)
            async let log = rawCurl(lab, "/api/v1/namespaces/shop/pods/db-0/log?follow=true", maxTime: 50)
            // A stream is open once its request is counted: the lab starts it in the same step.
            let counter = lab.server.requestCounter
            let deadline = Date().addingTimeInterval(20)
            while counter.count(verb: "watch", resource: "pods") + counter.count(verb: "get", resource: "pods/log") < 2, Date() < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }

            let outage = 4.0
            let asked = Date()
            let put = try await admin.request("PUT", "/kubelab/v1/faults", body: #"{"apiServerOutageMilliseconds":4000}"#)
            #expect(put.status == 200, "the request that starts the outage gets its reply: \(put.text)")
            #expect((try put.json()["apiServerOutageMilliseconds"] as? Int ?? 0) > 0)
            // The node goes on meanwhile: a pod changes while the API server is down.
            lab.server.setPodPhase(namespace: "shop", name: "db-1", phase: .Failed)
            let changed = lab.server.resourceVersion

            // At once, every open stream ends without its terminating chunk: curl reports the
            // broken transfer (not its own --max-time, 28), long before the watch's 60 s.
            let w = try await watch
            let l = try await log
            #expect(w.status != 0 && w.status != 28, "the watch ended with curl status \(w.status): \(w.stderr)")
            #expect(w.stdout.contains(#"{"type":"ADDED""#), "the watch was open and had sent the pods")
            #expect(l.status != 0 && l.status != 28, "the log stream ended with curl status \(l.status): \(l.stderr)")
            #expect(l.stdout == "ready\n")
            #expect(Date().timeIntervalSince(openedAt) < 30)

            // During the outage nothing answers: the port refuses connections (curl: 7).
            let duringStarted = Date()
            let during = try await rawCurl(lab, "/api/v1/namespaces/shop/pods", maxTime: 10)
            if duringStarted.timeIntervalSince(asked) < outage - 0.5 {
                #expect(during.status == 7, "a request during the outage: curl status \(during.status), \(during.stderr)")
                let faults = try JSONSerialization.jsonObject(with: Data(lab.server.faults.jsonText.utf8)) as? [String: Any]
                #expect((faults?["apiServerOutageMilliseconds"] as? Int ?? 0) > 0, "the faults say how long the outage still lasts")
            } else {
                Issue.record("the machine is too slow to test a request during the outage (\(duringStarted.timeIntervalSince(asked)) s)")
            }

            // The outage ends on its own, no sooner than asked.
            var back: Date?
            while back == nil, Date().timeIntervalSince(asked) < outage + 20 {
                let r = try await rawCurl(lab, "/api/v1/namespaces/shop/pods?limit=1", maxTime: 10)
                if r.status == 0, r.stdout.contains("PodList") { back = Date() } else { try await Task.sleep(for: .milliseconds(100)) }
            }
            let resumed = try #require(back, "the lab still refuses requests \(outage + 20) s after the outage began")
            #expect(resumed.timeIntervalSince(asked) >= outage, "served again after \(resumed.timeIntervalSince(asked)) s of a \(outage) s outage")
            #expect(lab.server.faults.jsonText.contains(#""apiServerOutageMilliseconds":0"#))

            // As etcd keeps the history, a watch resumes from where it was (a restarted v1.36
            // kube-apiserver serves it too): it gets the change made during the outage.
            let resumedWatch = try await admin.request("/api/v1/pods?watch=1&resourceVersion=\(before)&timeoutSeconds=1")
            let events = try watchEvents(resumedWatch.body)
            #expect(events.map { $0["type"] as? String } == ["MODIFIED"])
            #expect(((events.first?["object"] as? [String: Any])?["metadata"] as? [String: Any])?["resourceVersion"] as? String == String(changed))
        }
    }

    @Test("an outage set in process also ends on its own; reset ends it at once")
    func inProcess() async throws {
        try await LabFixture.with { lab in
            lab.server.faults.apiServerOutage(milliseconds: 60_000)
            #expect(try await rawCurl(lab, "/version", maxTime: 10).status == 7)
            lab.server.faults.reset()
            let deadline = Date().addingTimeInterval(10)
            var last = try await rawCurl(lab, "/version", maxTime: 10)
            while last.status != 0, Date() < deadline {
                try await Task.sleep(for: .milliseconds(100))
                last = try await rawCurl(lab, "/version", maxTime: 10)
            }
            #expect(last.status == 0, "reset ends the outage: \(last.stderr)")
            lab.server.faults.apiServerOutage(milliseconds: 300)
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await rawCurl(lab, "/version", maxTime: 10).status == 0)
        }
    }
}

/// curl as the admin, with its exit status (7: could not connect, 18/56: the transfer was
/// cut, 28: its own time limit) and the body on stdout.
private func rawCurl(_ lab: LabFixture, _ path: String, maxTime: Double) async throws -> ProcessResult {
    try await run("/usr/bin/curl", [
        "-sS", "-N", "--max-time", String(maxTime), "--cacert", lab.server.caCertificatePath,
        "--cert", lab.adminCertificate, "--key", lab.adminKey, lab.server.serverURL + path,
    ], timeout: maxTime + 30)
}
