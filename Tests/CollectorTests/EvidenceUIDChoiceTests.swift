import Bundle
import Collector
import Foundation
import KubeAPI
import Testing

/// The evidence container never runs as a uid the pod's spec names: a process
/// of the pod with its uid (and no capability it lacks) could reach the
/// evidence through /proc/<pid>/root before it was hashed.
@Suite("the evidence container's uid is chosen per pod")
struct EvidenceUIDChoiceTests {
    /// A running pod with `runAsUser` at pod level and in its container, as the API server sends it.
    static func pod(podUID: Int64?, containerUID: Int64?) throws -> Pod {
        var container: [String: Any] = ["name": "app", "image": "busybox"]
        if let containerUID { container["securityContext"] = ["runAsUser": containerUID, "allowPrivilegeEscalation": false] }
        var spec: [String: Any] = ["nodeName": "node1", "containers": [container]]
        if let podUID { spec["securityContext"] = ["runAsUser": podUID, "runAsNonRoot": true, "fsGroup": 2000] }
        let json: [String: Any] = [
            "metadata": ["name": "web", "namespace": "shop", "uid": "6f1c"],
            "spec": spec,
            "status": ["phase": "Running", "containerStatuses": [["name": "app", "state": ["running": ["startedAt": "2026-11-29T00:02:27Z"]]]]],
        ]
        return try JSONDecoder().decode(Pod.self, from: JSONSerialization.data(withJSONObject: json))
    }

    static func request(_ profile: String, pods: [Pod]) throws -> CollectionRequest {
        let plan = CollectionPlanner.plan(pods: pods, selection: PodSelection(namespace: "shop", labelSelector: "app=web"),
                                          requestedContainer: nil)
        return CollectionRequest(
            plan: plan, profile: try CollectionProfile.builtIn(profile), profileYAML: "", profileSource: profile,
            concurrency: 1, runID: RunID(value: "t3st"), outputPath: "/dev/null", commandLine: [], toolVersion: "test")
    }

    @Test("the plan keeps every runAsUser of the pod's spec, from a pod recorded from a real API server")
    func planKeepsTheSpecUIDs() throws {
        // Pod level 1000, the container 1000, and an ephemeral container that ran as 1000 too.
        let pod = try Fixtures.pod("errors/200-podsecurity-ephemeral-compliant.json")
        #expect(pod.spec.securityContext?.runAsUser == 1000)
        #expect(pod.spec.runAsUsers == [1000])
        let decided = try Self.pod(podUID: 65534, containerUID: 1000)
        #expect(decided.spec.runAsUsers == [65534, 1000])
        let plan = CollectionPlanner.plan(pods: [decided], selection: PodSelection(namespace: "shop", labelSelector: nil),
                                          requestedContainer: nil)
        #expect(plan.targets.first?.specRunAsUsers == [65534, 1000])
        #expect(try Self.request("standard", pods: [Self.pod(podUID: nil, containerUID: nil)]).plan.targets.first?.specRunAsUsers == nil)
    }

    @Test("restricted runs as the first of its choices that neither the pod's nor the container's runAsUser names")
    func restrictedAvoidsTheSpecUIDs() throws {
        let cases: [(pod: Int64?, container: Int64?, expected: Int)] = [
            (nil, nil, 65532), (65534, nil, 65532), (65532, nil, 60000), (nil, 65532, 60000),
            (65532, 60000, 59999), (60000, 65532, 59999),
        ]
        for c in cases {
            let request = try Self.request("restricted", pods: [Self.pod(podUID: c.pod, containerUID: c.container)])
            let target = try #require(request.plan.targets.first)
            let context = try #require(request.evidenceContainer(for: target).securityContext)
            #expect(context.runAsUser == Int64(c.expected), "pod \(c.pod.map(String.init) ?? "-"), container \(c.container.map(String.init) ?? "-")")
            for taken in [c.pod, c.container].compactMap({ $0 }) { #expect((context.runAsUser ?? 0) != taken) }
            // Still what Pod Security "restricted" admits.
            #expect(context.runAsNonRoot == true && context.allowPrivilegeEscalation == false)
            #expect(context.capabilities?.drop == ["ALL"] && context.capabilities?.add == nil)
            #expect(context.seccompProfile?.type == "RuntimeDefault")
        }
        // Every choice taken: the next free uid below the last.
        let profile = try CollectionProfile.builtIn("restricted")
        #expect(profile.runAsUser(avoiding: [65532, 60000, 59999, 59998]) == 59997)
    }

    @Test("standard, network and deep run as root explicitly, whatever the pod says, also under a pod-level runAsNonRoot")
    func rootProfilesAreExplicit() throws {
        for name in ["standard", "network", "deep"] {
            let request = try Self.request(name, pods: [Self.pod(podUID: 65534, containerUID: nil)])
            let target = try #require(request.plan.targets.first)
            let context = try #require(request.evidenceContainer(for: target).securityContext, "\(name)")
            #expect(context.runAsUser == 0, "\(name)")
            #expect(context.runAsNonRoot == false, "\(name): the pod's runAsNonRoot would stop a root container")
        }
    }

    @Test("the preflight's dry run and the injection send the same container for a pod")
    func preflightSendsTheSameContainer() throws {
        let request = try Self.request("restricted", pods: [Self.pod(podUID: 65532, containerUID: nil)])
        let target = try #require(request.plan.targets.first)
        let patch = try request.evidenceContainer(for: target).strategicMergePatch()
        let body = try #require(try JSONSerialization.jsonObject(with: patch) as? [String: Any])
        let sent = try #require(((body["spec"] as? [String: Any])?["ephemeralContainers"] as? [[String: Any]])?.first)
        #expect((sent["securityContext"] as? [String: Any])?["runAsUser"] as? Int == 60000)
        #expect(try request.evidenceContainer(for: target).strategicMergePatch() == patch)
    }

    @Test("a profile that sets both a fixed uid and choices, or a root choice, is refused")
    func badUIDSettingsAreRefused() throws {
        let restricted = try #require(CollectionProfile.builtInYAML("restricted"))
        let both = restricted.replacingOccurrences(of: "runAsUserChoices:", with: "runAsUser: 1234\nrunAsUserChoices:")
        #expect(throws: ProfileError.self) { try CollectionProfile.decode(yaml: both, source: "both.yaml") }
        let root = restricted.replacingOccurrences(of: "[65532, 60000, 59999]", with: "[0]")
        #expect(throws: ProfileError.self) { try CollectionProfile.decode(yaml: root, source: "root.yaml") }
        let none = restricted.replacingOccurrences(of: "runAsUserChoices: [65532, 60000, 59999]", with: "")
        #expect(throws: ProfileError.self) { try CollectionProfile.decode(yaml: none, source: "none.yaml") }
    }
}
