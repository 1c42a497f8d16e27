import Foundation
import KubeLab
import Testing
import TestSupport

/// The real kubectl (v1.32 on this machine) against the lab: what it prints must
/// agree with the lab's state. This is the lab's conformance check.
@Suite("kubectl against the lab")
struct KubectlConformanceTests {
    static let kubectl = "/usr/bin/kubectl"

    func kubectl(_ lab: LabFixture, _ args: [String], context: String? = nil) async throws -> ProcessResult {
        var all = ["--kubeconfig", lab.server.kubeconfigPath, "--cache-dir", lab.directory + "/kubectl-cache"]
        if let context { all += ["--context", context] }
        let env = ["HOME": lab.directory, "PATH": "/usr/bin:/bin"]
        return try await run(KubectlConformanceTests.kubectl, all + args, environment: env)
    }

    /// Rows of kubectl's table output, as dictionaries keyed by column header.
    func table(_ text: String) -> [[String: String]] {
        let lines = text.split(separator: "\n").map(String.init)
        guard let header = lines.first else { return [] }
        // Columns start where a header word starts after two or more spaces.
        var starts: [String.Index] = [header.startIndex]
        var i = header.startIndex
        while i < header.endIndex {
            if header[i] == " ", header.index(after: i) < header.endIndex, header[header.index(after: i)] == " " {
                var j = i
                while j < header.endIndex, header[j] == " " { j = header.index(after: j) }
                if j < header.endIndex { starts.append(j) }
                i = j
            } else {
                i = header.index(after: i)
            }
        }
        let offsets = starts.map { header.distance(from: header.startIndex, to: $0) }
        let names = offsets.enumerated().map { k, off -> String in
            let end = k + 1 < offsets.count ? offsets[k + 1] : header.count
            return String(Array(header)[off..<end]).trimmingCharacters(in: .whitespaces)
        }
        return lines.dropFirst().map { line in
            let chars = Array(line)
            var row: [String: String] = [:]
            for (k, off) in offsets.enumerated() where off < chars.count {
                let end = k + 1 < offsets.count ? min(offsets[k + 1], chars.count) : chars.count
                row[names[k]] = String(chars[off..<end]).trimmingCharacters(in: .whitespaces)
            }
            return row
        }
    }

    @Test("get pods -l app=checkout lists the lab's checkout pods, Running and ready")
    func getPodsByLabel() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await kubectl(lab, ["get", "pods", "-l", "app=checkout"])
        #expect(r.status == 0, "kubectl failed: \(r.stderr)")
        let rows = table(r.stdout)
        let expected = lab.server.pods(namespace: "shop").filter { $0.labels["app"] == "checkout" }
        #expect(expected.count == 3)
        #expect(rows.compactMap { $0["NAME"] } == expected.map(\.name))
        for row in rows {
            #expect(row["READY"] == "2/2")
            #expect(row["STATUS"] == "Running")
            #expect(row["RESTARTS"] == "0")
        }
    }

    @Test("get pods -o wide shows each pod's IP and node")
    func getPodsWide() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await kubectl(lab, ["get", "pods", "-o", "wide"])
        #expect(r.status == 0, "kubectl failed: \(r.stderr)")
        let rows = table(r.stdout)
        let pods = lab.server.pods(namespace: "shop")
        #expect(rows.count == pods.count)
        for pod in pods {
            let row = try #require(rows.first { $0["NAME"] == pod.name }, "pod \(pod.name) missing from \(r.stdout)")
            #expect(row["IP"] == pod.podIP)
            #expect(row["NODE"] == pod.nodeName)
            #expect(row["NOMINATED NODE"] == "<none>")
        }
    }

    @Test("get pods -A -l 'app in (checkout,db)' spans namespaces with the set selector")
    func getPodsSetSelector() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await kubectl(lab, ["get", "pods", "-A", "-l", "app in (checkout,db)"])
        #expect(r.status == 0, "kubectl failed: \(r.stderr)")
        let got = Set(table(r.stdout).map { "\($0["NAMESPACE"] ?? "")/\($0["NAME"] ?? "")" })
        let want = Set(lab.server.pods().filter { ["checkout", "db"].contains($0.labels["app"] ?? "") }.map { "\($0.namespace)/\($0.name)" })
        #expect(want.count == 5)
        #expect(got == want)
    }

    @Test("get pods --field-selector status.phase!=Running -A finds the completed pod")
    func getPodsFieldSelector() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await kubectl(lab, ["get", "pods", "--field-selector", "status.phase!=Running", "-A"])
        #expect(r.status == 0, "kubectl failed: \(r.stderr)")
        let rows = table(r.stdout)
        let want = lab.server.pods().filter { $0.phase != .Running }
        #expect(!want.isEmpty)
        #expect(rows.map { "\($0["NAMESPACE"] ?? "")/\($0["NAME"] ?? "")" } == want.map { "\($0.namespace)/\($0.name)" })
        #expect(rows.first?["STATUS"] == "Completed")
        #expect(rows.first?["READY"] == "0/1")
    }

    @Test("get pod X -o json returns the lab's pod")
    func getPodJSON() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let pod = try #require(lab.server.pods(namespace: "shop").first { $0.labels["app"] == "db" })
        let r = try await kubectl(lab, ["get", "pod", pod.name, "-o", "json"])
        #expect(r.status == 0, "kubectl failed: \(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let metadata = try #require(json["metadata"] as? [String: Any])
        #expect(json["kind"] as? String == "Pod")
        #expect(metadata["name"] as? String == pod.name)
        #expect(metadata["uid"] as? String == pod.uid)
        #expect(metadata["labels"] as? [String: String] == pod.labels)
        #expect((json["spec"] as? [String: Any])?["nodeName"] as? String == pod.nodeName)
    }

    @Test("get pod of a missing pod prints the server's NotFound")
    func getMissingPod() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await kubectl(lab, ["get", "pod", "does-not-exist"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("Error from server (NotFound): pods \"does-not-exist\" not found"), "stderr: \(r.stderr)")
    }

    @Test("a bad selector reaches kubectl as the server's BadRequest")
    func badSelector() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await kubectl(lab, ["get", "pods", "-l", "app in ("])
        #expect(r.status != 0)
        #expect(r.stderr.contains("unable to parse requirement: found '', expected: ',', ')' or identifier"), "stderr: \(r.stderr)")
    }

    @Test("get ns prints NAME STATUS AGE for the lab's namespaces")
    func getNamespaces() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await kubectl(lab, ["get", "ns"])
        #expect(r.status == 0, "kubectl failed: \(r.stderr)")
        #expect(r.stdout.split(separator: "\n").first?.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "STATUS", "AGE"])
        let rows = table(r.stdout)
        #expect(rows.compactMap { $0["NAME"] } == lab.server.namespaces)
        #expect(rows.allSatisfy { $0["STATUS"] == "Active" })
    }

    @Test("auth can-i patch pods --subresource=ephemeralcontainers: yes for admin, no for nobody")
    func canI() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let admin = try await kubectl(lab, ["auth", "can-i", "patch", "pods", "--subresource=ephemeralcontainers"])
        #expect(admin.status == 0, "stderr: \(admin.stderr)")
        #expect(admin.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "yes")
        let nobody = try await kubectl(lab, ["auth", "can-i", "patch", "pods", "--subresource=ephemeralcontainers"], context: "kubelab-nobody")
        #expect(nobody.status == 1, "stderr: \(nobody.stderr)")
        #expect(nobody.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "no")
        let operatorUser = try await kubectl(lab, ["auth", "can-i", "get", "pods", "--subresource=log"], context: "kubelab-token")
        #expect(operatorUser.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "yes")

        // Taking the right away is seen at once.
        lab.server.users.setRules([LabRule(verbs: ["get", "list"], resources: ["pods"])], for: LabUsers.operatorName)
        let denied = try await kubectl(lab, ["auth", "can-i", "patch", "pods", "--subresource=ephemeralcontainers"], context: "kubelab-token")
        #expect(denied.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "no")
    }

    @Test("the nobody context is refused with the server's Forbidden message")
    func forbiddenList() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await kubectl(lab, ["get", "pods"], context: "kubelab-nobody")
        #expect(r.status != 0)
        #expect(
            r.stderr.contains(
                "pods is forbidden: User \"\(LabUsers.nobodyName)\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\""),
            "stderr: \(r.stderr)")
    }

    @Test("auth whoami shows admin in system:masters, and the token user by name")
    func whoami() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let r = try await kubectl(lab, ["auth", "whoami", "-o", "json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let info = try #require((json["status"] as? [String: Any])?["userInfo"] as? [String: Any])
        #expect(info["username"] as? String == "admin")
        #expect(info["groups"] as? [String] == ["system:masters", "system:authenticated"])
        let ids = (info["extra"] as? [String: [String]])?["authentication.kubernetes.io/credential-id"] ?? []
        #expect(ids.first?.hasPrefix("X509SHA256=") == true)

        let table = try await kubectl(lab, ["auth", "whoami"], context: "kubelab-token")
        #expect(table.status == 0, "stderr: \(table.stderr)")
        #expect(table.stdout.contains("Username") && table.stdout.contains(LabUsers.operatorName))
    }

    @Test("--as: kubectl acts as another user through the lab's impersonation filter, and is refused without the right")
    func impersonation() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let asViewer = try await kubectl(lab, ["auth", "whoami", "-o", "json", "--as", LabUsers.viewerName, "--as-group", "kubelab:viewers"])
        #expect(asViewer.status == 0, "stderr: \(asViewer.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(asViewer.stdout.utf8)) as? [String: Any])
        let info = try #require((json["status"] as? [String: Any])?["userInfo"] as? [String: Any])
        #expect(info["username"] as? String == LabUsers.viewerName)
        #expect(info["groups"] as? [String] == ["kubelab:viewers", "system:authenticated"])
        // The impersonated user's own rights apply: the viewer may not add ephemeral containers.
        let canI = try await kubectl(lab, ["auth", "can-i", "patch", "pods/ephemeralcontainers", "-n", "shop", "--as", LabUsers.viewerName])
        #expect(canI.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "no")
        let account = try await kubectl(lab, ["auth", "whoami", "-o", "json", "--as", "system:serviceaccount:shop:builder"])
        #expect(account.stdout.contains("system:serviceaccounts:shop"), "stdout: \(account.stdout)")

        // A user without the impersonate verb is refused with the API server's own wording.
        let refused = try await kubectl(lab, ["get", "pods", "-n", "shop", "--as", "admin"], context: "kubelab-viewer")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("users \"admin\" is forbidden: User \"viewer\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"),
                "stderr: \(refused.stderr)")
    }

    @Test("kubectl get deploy and sts: the workloads behind the lab's pods, with the selector that picks them")
    func workloads() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let selector = try await kubectl(lab, ["get", "deploy", "checkout", "-n", "shop", "-o", "jsonpath={.spec.selector.matchLabels}"])
        #expect(selector.status == 0, "stderr: \(selector.stderr)")
        let labels = try #require(try JSONSerialization.jsonObject(with: Data(selector.stdout.utf8)) as? [String: String])
        let pods = lab.server.pods(namespace: "shop").filter { pod in labels.allSatisfy { pod.labels[$0.key] == $0.value } }
        #expect(pods.count == 3)
        // The pods' owner is the ReplicaSet the lab serves, owned by the Deployment.
        let owner = try #require(pods.first?.ownerReferences.first)
        let rs = try await kubectl(lab, ["get", "rs", owner.name, "-n", "shop", "-o", "jsonpath={.metadata.uid} {.metadata.ownerReferences[0].name}"])
        #expect(rs.stdout == "\(owner.uid) checkout", "stderr: \(rs.stderr)")
        let missing = try await kubectl(lab, ["get", "sts", "nope", "-n", "shop"])
        #expect(missing.stderr.contains("statefulsets.apps \"nope\" not found"), "stderr: \(missing.stderr)")
    }

    @Test("kubectl sees a pod created through the API, and its deletion")
    func createAndDelete() async throws {
        let lab = try await LabFixture.start()
        defer { Task { try await lab.stop() } }
        let manifest = lab.directory + "/pod.json"
        try #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"probe","labels":{"app":"probe"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}"#
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let created = try await kubectl(lab, ["create", "-f", manifest])
        #expect(created.status == 0, "stderr: \(created.stderr)")
        #expect(created.stdout.contains("pod/probe created"))
        #expect(lab.server.pod(namespace: "shop", name: "probe")?.phase == .Running)
        let listed = try await kubectl(lab, ["get", "pods", "-l", "app=probe"])
        #expect(table(listed.stdout).first?["NAME"] == "probe")
        let deleted = try await kubectl(lab, ["delete", "pod", "probe", "--wait=false"])
        #expect(deleted.status == 0, "stderr: \(deleted.stderr)")
        #expect(lab.server.pod(namespace: "shop", name: "probe") == nil)
    }
}
