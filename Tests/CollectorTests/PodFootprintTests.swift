import Collector
import Evidence
import Foundation
import KubeAPI
import Presentation
import Testing

/// What a pod carries before a run adds to it, on pods recorded from a real API server.
@Suite("a pod's footprint in the plan")
struct PodFootprintTests {
    let selection = PodSelection(namespace: "fixtures", labelSelector: "app=checkout")

    @Test("the plan records each pod's object size and its ephemeral containers, evidence containers counted apart")
    func footprintIsRecorded() throws {
        let bytes = try Fixtures.bytes("ephemeral/pod-ephemeral-terminated.json")
        let pod = try Pod.decode(json: bytes)
        let trimmed = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(pod.objectSize == trimmed.utf8.count)
        let plan = CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: nil)
        let footprint = try #require(plan.targets.first?.footprint)
        #expect(footprint.objectBytes == pod.objectSize)
        #expect(footprint.ephemeralContainers == 1)
        #expect(footprint.evidenceContainers == 1, "the recorded container is named evidence-1")
        let text = plan.renderText(dryRun: true)
        #expect(text.contains("EPHEMERAL") && text.contains("1 (1 evidence)"), "\(text)")
        #expect(text.contains(ByteSize.text(pod.objectSize)), "\(text)")
    }

    @Test("a list read without its bytes still gives each pod's size")
    func listSizesWithoutBytes() throws {
        let list = try PodList.decode(json: try Fixtures.bytes("pods/podlist.json"), keepingBytes: false)
        #expect(!list.items.isEmpty)
        for pod in list.items {
            #expect(pod.rawJSON.isEmpty)
            #expect(pod.objectSize > 1000, "\(pod.metadata.name): \(pod.objectSize)")
        }
        let kept = try PodList.decode(json: try Fixtures.bytes("pods/podlist.json"))
        #expect(kept.items.map(\.objectSize) == list.items.map(\.objectSize))
        #expect(kept.items.map(\.rawJSON.count) == list.items.map(\.objectSize))
    }

    @Test("a pod that one more container would take past the limit is skipped with its size and what to do; without a limit it is planned")
    func pastTheLimitIsSkipped() throws {
        let pod = try Fixtures.pod("pods/pod-running.json")
        let size = pod.objectSize
        let tight = FootprintLimit(maxObjectBytes: size + 1000, addedBytes: 1001)
        let refused = CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: nil, limit: tight)
        #expect(refused.targets.isEmpty)
        let skip = try #require(refused.skipped.first)
        #expect(skip.reason == .objectTooLarge)
        #expect(skip.explanation.contains(ByteSize.text(size)) && skip.explanation.contains("--force"), "\(skip.explanation)")
        let roomy = FootprintLimit(maxObjectBytes: size + 1001, addedBytes: 1001)
        #expect(CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: nil, limit: roomy).targets.count == 1)
        #expect(CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: nil, limit: .none).targets.count == 1)
    }

    @Test("a profile's limit counts its evidence container's spec and status, as the script is delivered", arguments: ScriptDelivery.allCases)
    func profileEstimate(delivery: ScriptDelivery) throws {
        let profile = try CollectionProfile.builtIn("standard")
        let limit = FootprintLimit(profile: profile, delivery: delivery, maxObjectBytes: FootprintLimit.defaultMaxObjectBytes)
        #expect(limit.maxObjectBytes == 1 << 20)
        let command = InPodScript.command(InPodScript.Options(profile: profile), delivery: delivery).joined().utf8.count
        #expect(limit.addedBytes > command && limit.addedBytes < command + 4000, "\(limit.addedBytes) for a \(command)-byte command")
        switch delivery {
        case .command: #expect(command > 8000, "the packed script travels in the command")
        case .attach: #expect(command < 600, "only the bootstrap and the script's arguments: \(command) bytes")
        }
    }

    @Test("pods already carrying ten evidence containers are named in one warning")
    func crowdedPodsWarn() throws {
        let containers = (0..<12).map { ["name": "evidence-old\($0)", "image": "busybox", "targetContainerName": "app"] as [String: Any] }
        var object = try JSONSerialization.jsonObject(with: Data(try Fixtures.bytes("pods/pod-running.json"))) as! [String: Any]
        object.set("spec.ephemeralContainers", containers)
        let pod = try Pod.decode(json: Array(try JSONSerialization.data(withJSONObject: object)))
        #expect(pod.spec.ephemeralContainers.count == 12)
        let plan = CollectionPlanner.plan(pods: [pod], selection: selection, requestedContainer: nil)
        let warning = try #require(plan.crowdedWarning)
        #expect(warning.contains("1 pod already carries 10 or more evidence containers"), "\(warning)")
        #expect(warning.contains("with 12"), "\(warning)")
        #expect(plan.renderText(dryRun: true).contains(warning))
        let calm = CollectionPlanner.plan(pods: [try Fixtures.pod("pods/pod-running.json")], selection: selection, requestedContainer: nil)
        #expect(calm.crowdedWarning == nil)
    }
}
