import Foundation
import Testing
import TestSupport

/// `collect --dry-run` run as a user runs it: the built binary against a lab
/// started by the built binary, checked against what the real kubectl sees.
@Suite("collect --dry-run against the lab")
struct DryRunEndToEndTests {
    /// The pods kubectl lists for a selection, as (namespace/name → pod JSON).
    private func kubectlPods(_ lab: LabProcess, _ arguments: [String]) throws -> [String: [String: Any]] {
        let result = try lab.kubectl(["get", "pods", "-o", "json"] + arguments)
        #expect(result.status == 0, "kubectl failed: \(result.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let items = try #require(list["items"] as? [[String: Any]])
        var pods: [String: [String: Any]] = [:]
        for item in items {
            let metadata = try #require(item["metadata"] as? [String: Any])
            pods["\(metadata["namespace"] as? String ?? "")/\(metadata["name"] as? String ?? "")"] = item
        }
        return pods
    }

    private func plan(_ lab: LabProcess, _ arguments: [String]) throws -> [String: Any] {
        let result = try ToolBinary.run(["collect", "--dry-run", "--json", "--kubeconfig", lab.kubeconfig] + arguments)
        #expect(result.status == 0, "collect --dry-run failed: \(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test("the plan for app=checkout names exactly the pods kubectl lists, with their nodes and the annotated container")
    func planMatchesKubectl() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let expected = try kubectlPods(lab, ["-n", "shop", "-l", "app=checkout"])
        #expect(expected.count == 3)
        let checkoutPlan = try plan(lab, ["-n", "shop", "-l", "app=checkout"])
        let targets = try #require(checkoutPlan["targets"] as? [[String: Any]])
        #expect((checkoutPlan["skipped"] as? [Any])?.isEmpty == true)
        #expect(Set(targets.map { "\($0["namespace"] as? String ?? "")/\($0["pod"] as? String ?? "")" }) == Set(expected.keys))
        for target in targets {
            let key = "\(target["namespace"] as? String ?? "")/\(target["pod"] as? String ?? "")"
            let pod = try #require(expected[key])
            let spec = try #require(pod["spec"] as? [String: Any])
            let metadata = try #require(pod["metadata"] as? [String: Any])
            #expect(target["node"] as? String == spec["nodeName"] as? String)
            #expect(target["uid"] as? String == metadata["uid"] as? String)
            let annotations = metadata["annotations"] as? [String: String]
            #expect(target["targetContainer"] as? String == annotations?["kubectl.kubernetes.io/default-container"])
            #expect(target["targetChosenBy"] as? String == "default-container annotation")
        }
    }

    @Test("the text plan lists every selected pod and says that nothing was injected")
    func textPlan() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let expected = try kubectlPods(lab, ["-n", "shop", "-l", "app=db"])
        let result = try ToolBinary.run(["collect", "--dry-run", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app=db"])
        #expect(result.status == 0, "\(result.stderr)")
        for key in expected.keys {
            #expect(result.stdout.contains(String(key.split(separator: "/")[1])))
        }
        #expect(result.stdout.contains("\(expected.count) pods selected"))
        #expect(result.stdout.contains("Dry run: nothing was injected"))
    }

    @Test("pods that are not Running and containers that do not exist are skipped, each with its reason")
    func skips() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        // Every pod of every namespace that lacks a label nobody sets: the whole lab.
        let everything = try kubectlPods(lab, ["-A", "-l", "!kubectl-evidence.test/none"])
        let notRunning = everything.filter { (($0.value["status"] as? [String: Any])?["phase"] as? String) != "Running" }
        #expect(!notRunning.isEmpty, "the demo topology should hold a pod that is not Running")
        let everythingPlan = try plan(lab, ["-A", "-l", "!kubectl-evidence.test/none"])
        let skipped = try #require(everythingPlan["skipped"] as? [[String: Any]])
        let skippedNotRunning = skipped.filter { $0["reason"] as? String == "NotRunning" }
        #expect(Set(skippedNotRunning.map { "\($0["namespace"] as? String ?? "")/\($0["pod"] as? String ?? "")" }) == Set(notRunning.keys))

        let noSuch = try plan(lab, ["-n", "shop", "-l", "app=checkout", "--container", "no-such-container"])
        let noSuchSkipped = try #require(noSuch["skipped"] as? [[String: Any]])
        #expect(noSuchSkipped.count == 3)
        #expect(noSuchSkipped.allSatisfy { $0["reason"] as? String == "NoSuchContainer" })
        #expect((noSuch["targets"] as? [Any])?.isEmpty == true)
    }

    @Test("--container picks the named container in every pod")
    func explicitContainer() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let sidecarPlan = try plan(lab, ["-n", "shop", "-l", "app=checkout", "-c", "sidecar"])
        let targets = try #require(sidecarPlan["targets"] as? [[String: Any]])
        #expect(targets.count == 3)
        #expect(targets.allSatisfy { $0["targetContainer"] as? String == "sidecar" && $0["targetChosenBy"] as? String == "--container" })
    }

    @Test("a bad selector fails with the API server's own words")
    func badSelector() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let kubectl = try lab.kubectl(["get", "pods", "-n", "shop", "-l", "app in ("])
        #expect(kubectl.status != 0)
        let result = try ToolBinary.run(["collect", "--dry-run", "--kubeconfig", lab.kubeconfig, "-n", "shop", "-l", "app in ("])
        #expect(result.status == 1)
        #expect(result.stderr.contains("unable to parse requirement"), "stderr: \(result.stderr)")
        #expect(kubectl.stderr.contains("unable to parse requirement"), "kubectl stderr: \(kubectl.stderr)")
    }

    @Test("a user without RBAC gets the server's Forbidden message")
    func forbidden() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let result = try ToolBinary.run(["collect", "--dry-run", "--kubeconfig", lab.kubeconfig, "--context", "kubelab-nobody",
                                         "-n", "shop", "-l", "app=checkout"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("forbidden"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("cannot list resource \"pods\""), "stderr: \(result.stderr)")
    }

    @Test("works as a kubectl plugin: kubectl evidence collect --dry-run")
    func asKubectlPlugin() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = ToolBinary.directory + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["KUBECONFIG"] = lab.kubeconfig
        let result = try ProcessRunner.run("/usr/bin/env", ["kubectl", "evidence", "collect", "--dry-run", "-n", "shop", "-l", "app=checkout"],
                                           environment: environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("3 pods selected, 3 to collect"))
    }
}

/// `--dry-run=server`, kubectl's server-side dry run: the API server judges
/// the injection (RBAC and admission, dryRun=All) and stores nothing.
@Suite("collect --dry-run=server")
struct ServerDryRunEndToEndTests {
    @Test("admission refuses a namespace under Pod Security restricted; the others are admitted; no pod gets a container")
    func serverDryRun() throws {
        let lab = try LabProcess.start()
        defer { lab.stop() }
        let result = try ToolBinary.run(["collect", "--kubeconfig", lab.kubeconfig, "-A", "-l", "app", "--dry-run=server"], timeout: 120)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("namespace hardened refused the preflight"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("violates PodSecurity \"restricted:latest\""))
        #expect(result.stderr.contains("admitted the evidence container in namespaces payments, shop; nothing was stored."), "stderr: \(result.stderr)")
        let pods = try lab.kubectl(["get", "pods", "-A", "-o", "jsonpath={.items[*].spec.ephemeralContainers}"])
        #expect(pods.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }
}
