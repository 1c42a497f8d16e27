import Collector
import Foundation
import Presentation
import KubeAPI
import Testing

/// The planner on pods recorded from a real API server.
@Suite("collection plan")
struct CollectionPlannerTests {
    let selection = PodSelection(namespace: "fixtures", labelSelector: "app=checkout")

    @Test("a running pod is planned on its default-container annotation's container")
    func runningPodUsesAnnotation() throws {
        let pod = try Fixtures.pod("pods/pod-running.json")
        let plan = CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: nil)
        #expect(plan.skipped.isEmpty)
        let target = try #require(plan.targets.first)
        #expect(target.pod == "checkout-78b65f974c-7mtxn")
        #expect(target.namespace == "fixtures")
        #expect(target.node == "node1")
        #expect(target.phase == "Running")
        #expect(target.targetContainer == "app")
        #expect(target.targetChosenBy == .annotation)
        #expect(target.uid == pod.metadata.uid)
    }

    @Test("--all-containers: app and sidecar are both targets of the one pod, chosen by the flag, listed in the plan")
    func allContainers() throws {
        let pod = try Fixtures.pod("pods/pod-running.json")
        let plan = CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: nil, allContainers: true)
        #expect(plan.skipped.isEmpty)
        #expect(plan.targets.map(\.targetContainer) == ["app", "sidecar"])
        #expect(plan.targets.allSatisfy { $0.targetChosenBy == .allContainers && $0.pod == "checkout-78b65f974c-7mtxn" })
        #expect(plan.podCount == 1 && plan.selectedCount == 1)
        #expect(plan.targetsByPod.map { $0.map(\.targetContainer) } == [["app", "sidecar"]])
        let text = plan.renderText(dryRun: true)
        #expect(text.contains("1 pod selected, 1 to collect, 0 skipped."), "\(text)")
        #expect(text.contains("--all-containers: 2 containers in those pods, one evidence container each."), "\(text)")
        #expect(text.contains("(2 in 1 pod)"), "\(text)")
        // Without the flag, one target: the annotation's.
        #expect(CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: nil).targets.map(\.targetContainer) == ["app"])
    }

    @Test("--all-containers: a container that is not running is left out and named in the note; none running skips the pod")
    func allContainersNotRunning() throws {
        let waitingSidecar = try Fixtures.pod("pods/pod-running.json") { object in
            var status = object["status"] as! [String: Any]
            var containers = status["containerStatuses"] as! [[String: Any]]
            containers[1]["state"] = ["waiting": ["reason": "CrashLoopBackOff"]]
            status["containerStatuses"] = containers
            object["status"] = status
        }
        let plan = CollectionPlanner.plan(pods: [waitingSidecar], selection: selection, requestedContainer: nil, allContainers: true)
        #expect(plan.targets.map(\.targetContainer) == ["app"])
        #expect(plan.targets.first?.note?.contains("\"sidecar\" is not running") == true, "\(String(describing: plan.targets.first?.note))")
        let noneRunning = try Fixtures.pod("pods/pod-running.json") { object in
            var status = object["status"] as! [String: Any]
            var containers = status["containerStatuses"] as! [[String: Any]]
            for index in containers.indices { containers[index]["state"] = ["waiting": ["reason": "CrashLoopBackOff"]] }
            status["containerStatuses"] = containers
            object["status"] = status
        }
        let skipped = CollectionPlanner.plan(pods: [noneRunning], selection: selection, requestedContainer: nil, allContainers: true)
        #expect(skipped.targets.isEmpty)
        #expect(skipped.skipped.first?.reason == .targetNotRunning)
    }

    @Test("--all-containers on a pod that shares one process namespace: one evidence container, which sees them all")
    func allContainersSharedProcessNamespace() throws {
        let shared = try Fixtures.pod("pods/pod-running.json") { object in object.set("spec.shareProcessNamespace", true) }
        let plan = CollectionPlanner.plan(pods: [shared], selection: selection, requestedContainer: nil, allContainers: true)
        #expect(plan.targets.map(\.targetContainer) == ["app"])
        #expect(plan.targets.first?.note?.contains("shareProcessNamespace") == true, "\(String(describing: plan.targets.first?.note))")
    }

    @Test("--all-containers: the size limit counts one evidence container per container")
    func allContainersFootprint() throws {
        let pod = try Fixtures.pod("pods/pod-running.json")
        let size = pod.objectSize
        #expect(size > 0)
        // Room for one more container, not for two.
        let limit = FootprintLimit(maxObjectBytes: size + 1_500, addedBytes: 1_000)
        let one = CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: nil, limit: limit)
        #expect(one.targets.count == 1)
        let all = CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: nil, limit: limit, allContainers: true)
        #expect(all.targets.isEmpty)
        #expect(all.skipped.first?.reason == .objectTooLarge)
    }

    @Test("each target's evidence container is named for it, and stays a DNS label")
    func perTargetNames() {
        let run = RunID(value: "bcdfghjk")
        #expect(run.containerName(targeting: "sidecar") == "evidence-bcdfghjk-sidecar")
        let long = String(repeating: "x", count: 60)
        let name = run.containerName(targeting: long)
        #expect(name.count <= 63 && name.hasPrefix("evidence-bcdfghjk-") && name != run.containerName(targeting: long + "y"))
    }

    @Test("a hostile server's node and container names are printed escaped in the plan, never raw")
    func hostileNamesEscaped() throws {
        let pod = try Fixtures.pod("pods/pod-running.json") { object in
            object.set("spec.nodeName", "node\u{1B}]0;owned\u{07}\u{1B}[2J")
            object.set("metadata.annotations", ["kubectl.kubernetes.io/default-container": "app\u{202E}gnp"])
        }
        let text = CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: nil).renderText(dryRun: true)
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E }, "\(text.debugDescription)")
        #expect(text.contains(#"node\u{1B}]0;owned\u{07}\u{1B}[2J"#), "\(text)")
    }

    @Test("every pod of a recorded list is planned, sorted by namespace and name")
    func recordedList() throws {
        let list = try JSONDecoder().decode(PodList.self, from: Data(try Fixtures.bytes("pods/podlist.json")))
        let plan = CollectionPlanner.plan(pods: list.items.reversed(), selection: selection, requestedContainer: nil)
        #expect(plan.selectedCount == list.items.count)
        #expect(plan.targets.map(\.pod) == list.items.map(\.metadata.name).sorted())
    }

    @Test("--container wins over the annotation; a container the pod lacks skips it with the pod's containers named")
    func requestedContainer() throws {
        let pod = try Fixtures.pod("pods/pod-running.json")
        let sidecar = CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: "sidecar")
        #expect(sidecar.targets.first?.targetContainer == "sidecar")
        #expect(sidecar.targets.first?.targetChosenBy == .flag)

        let missing = CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: "nope")
        #expect(missing.targets.isEmpty)
        let skip = try #require(missing.skipped.first)
        #expect(skip.reason == .noSuchContainer)
        #expect(skip.explanation.contains("\"nope\""))
        #expect(skip.explanation.contains("app, sidecar"))
    }

    @Test("without the annotation the first container is the target; a stale annotation is noted")
    func firstContainer() throws {
        let plain = try Fixtures.pod("pods/pod-running.json") { $0.set("metadata.annotations", nil) }
        let plan = CollectionPlanner.plan(pods: [plain], selection: selection, requestedContainer: nil)
        #expect(plan.targets.first?.targetContainer == "app")
        #expect(plan.targets.first?.targetChosenBy == .firstContainer)
        #expect(plan.targets.first?.note == nil)

        let stale = try Fixtures.pod("pods/pod-running.json") {
            $0.set("metadata.annotations", ["kubectl.kubernetes.io/default-container": "gone"])
        }
        let stalePlan = CollectionPlanner.plan(pods: [stale], selection: selection, requestedContainer: nil)
        #expect(stalePlan.targets.first?.targetContainer == "app")
        #expect(stalePlan.targets.first?.note?.contains("\"gone\"") == true)
    }

    @Test("pods that are not Running, being deleted, on Windows, or whose target is not running are skipped with the reason")
    func skipReasons() throws {
        let pending = try Fixtures.pod("pods/pod-running.json") { $0.set("status.phase", "Pending") }
        let deleting = try Fixtures.pod("pods/pod-running.json") { $0.set("metadata.deletionTimestamp", "2026-11-29T00:09:00Z") }
        let windows = try Fixtures.pod("pods/pod-running.json") { $0.set("spec.os", ["name": "windows"]) }
        let windowsBySelector = try Fixtures.pod("pods/pod-running.json") { $0.set("spec.nodeSelector", ["kubernetes.io/os": "windows"]) }
        let crashing = try Fixtures.pod("pods/pod-running.json") { pod in
            var status = pod["status"] as! [String: Any]
            var statuses = status["containerStatuses"] as! [[String: Any]]
            statuses[0]["state"] = ["waiting": ["reason": "CrashLoopBackOff", "message": "back-off 5m0s"]]
            status["containerStatuses"] = statuses
            pod["status"] = status
        }
        let cases: [(Pod, SkipReason, String)] = [
            (pending, .notRunning, "Pending"),
            (deleting, .terminating, "being deleted"),
            (windows, .windowsNode, "Windows"),
            (windowsBySelector, .windowsNode, "Windows"),
            (crashing, .targetNotRunning, "CrashLoopBackOff"),
        ]
        for (pod, reason, words) in cases {
            let plan = CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: nil)
            #expect(plan.targets.isEmpty)
            let skip = try #require(plan.skipped.first)
            #expect(skip.reason == reason)
            #expect(skip.explanation.contains(words), "\(skip.explanation)")
        }
    }

    @Test("the JSON plan round-trips and the text plan names every pod")
    func rendering() throws {
        let list = try JSONDecoder().decode(PodList.self, from: Data(try Fixtures.bytes("pods/podlist.json")))
        let pending = try Fixtures.pod("pods/pod-running.json") { $0.set("status.phase", "Pending"); $0.set("metadata.name", "pending-pod") }
        let plan = CollectionPlanner.plan(pods: list.items + [pending], selection: selection, requestedContainer: nil)
        let decoded = try JSONDecoder().decode(CollectionPlan.self, from: Data(try plan.renderJSON().utf8))
        #expect(decoded.targets == plan.targets)
        #expect(decoded.skipped == plan.skipped)
        let text = plan.renderText(dryRun: true)
        for target in plan.targets { #expect(text.contains(target.pod)) }
        #expect(text.contains("fixtures/pending-pod"))
        #expect(text.contains("\(plan.selectedCount) pods selected, \(plan.targets.count) to collect, 1 skipped"))
    }
}
