@testable import Collector
import Foundation
import KubeAPI
import KubeLab
import Testing

/// The helper pod is what `--via node` asks the cluster to run with host
/// privileges: its spec is checked field by field, and its command must reach
/// the container byte for byte after the kubelet's `$(VAR)` expansion.
@Suite("node helper pod")
struct NodeHelperPodTests {
    static func helper(targets: [NodeHelperPod.Target]) throws -> NodeHelperPod {
        let profile = try CollectionProfile.builtIn("standard")
        return NodeHelperPod(
            name: NodeHelperPod.name(runID: RunID(value: "bcdfghjk"), node: "node-1", nonce: "x2x2x2x2"), nonce: "x2x2x2x2",
            namespace: "evidence-system", node: "node-1",
            image: "localhost/busybox:1.35", imagePullPolicy: "IfNotPresent", targets: targets, parallelism: 4, secondsPerTarget: 90,
            activeDeadlineSeconds: 300, scriptArguments: NodeHelperPod.scriptArguments(InPodScript.Options(profile: profile)),
            runID: RunID(value: "bcdfghjk"))
    }

    static let targets = [
        NodeHelperPod.Target(index: 0, podUID: "0b6c2f7e-1111-4a5b-9c3d-2e4f6a8b0c1d", containerID: "4f1c2a9e0d"),
        NodeHelperPod.Target(index: 3, podUID: "9a8b7c6d-2222-4e5f-8a9b-0c1d2e3f4a5b", containerID: "77aa"),
    ]

    @Test("hostPID, privileged, pinned to its node, tolerating every taint, never restarted, no token, labelled for the run")
    func theSpecIsTheNodeHelpersAndNoMore() throws {
        let helper = try Self.helper(targets: Self.targets)
        let pod = try JSONSerialization.jsonObject(with: Data(try helper.json())) as! [String: Any]
        let metadata = pod["metadata"] as! [String: Any]
        let spec = pod["spec"] as! [String: Any]
        #expect(metadata["name"] as? String == helper.name)
        #expect(helper.name.hasPrefix("evidence-bcdfghjk-node-") && helper.name.count <= 63)
        #expect(metadata["namespace"] as? String == "evidence-system")
        let labels = metadata["labels"] as! [String: String]
        #expect(labels["app.kubernetes.io/managed-by"] == "kubectl-evidence")
        #expect(labels["kubectl-evidence/run"] == "bcdfghjk")
        #expect((metadata["annotations"] as? [String: String]) == [NodeHelperPod.nonceAnnotation: "x2x2x2x2"])
        #expect(helper.name.hasSuffix("-x2x2x2x2"))
        #expect(spec["nodeName"] as? String == "node-1")
        #expect(spec["hostPID"] as? Bool == true)
        #expect(spec["hostNetwork"] == nil)
        #expect(spec["restartPolicy"] as? String == "Never")
        #expect(spec["activeDeadlineSeconds"] as? Int == 300)
        #expect(spec["automountServiceAccountToken"] as? Bool == false)
        #expect((spec["tolerations"] as? [[String: String]]) == [["operator": "Exists"]])
        let containers = spec["containers"] as! [[String: Any]]
        #expect(containers.count == 1)
        #expect(containers[0]["imagePullPolicy"] as? String == "IfNotPresent")
        #expect((containers[0]["securityContext"] as? [String: Bool]) == ["privileged": true])
        #expect(containers[0]["volumeMounts"] == nil, "the helper mounts nothing of the host's")
    }

    @Test("the command, as sent and expanded by the kubelet, is node-collect with the packed script and the targets")
    func theCommandSurvivesExpansion() throws {
        let helper = try Self.helper(targets: Self.targets)
        let pod = try JSONSerialization.jsonObject(with: Data(try helper.json())) as! [String: Any]
        let sent = ((pod["spec"] as! [String: Any])["containers"] as! [[String: Any]])[0]["command"] as! [String]
        #expect(NodeHelperScript.text.contains("$$") || NodeHelperScript.text.contains("$("), "the helper script uses the characters the kubelet expands")
        #expect(sent != helper.command)
        let expanded = sent.map { KubeletExpansion.expand($0) { ["NODE": "x"][$0] } }
        #expect(expanded == helper.command)
        #expect(Array(expanded.suffix(3)) == ["--", "0:0b6c2f7e-1111-4a5b-9c3d-2e4f6a8b0c1d:4f1c2a9e0d", "3:9a8b7c6d-2222-4e5f-8a9b-0c1d2e3f4a5b:77aa"])
        #expect(expanded[0...1] == ["sh", "-c"])
        #expect(expanded[4] == InPodBootstrap.packedScript)
        #expect(expanded[5] == InPodBootstrap.scriptSHA256)
        #expect(expanded[6] == "4")
        #expect(expanded[7] == "90")
        // Each target's termination message goes to a file of the helper's, which it names itself.
        #expect(!expanded.contains { $0.hasPrefix("--termination-log") })
        #expect(expanded.contains { $0.hasPrefix("--sections=") })
    }

    @Test("a container id is taken from its runtime's URL only when it is a plain word")
    func runtimeIDsAreWordsOrNothing() {
        #expect(NodeHelperPod.runtimeID("containerd://4f1c2a9e0d") == "4f1c2a9e0d")
        #expect(NodeHelperPod.runtimeID("cri-o://abc_DEF.1-2") == "abc_DEF.1-2")
        #expect(NodeHelperPod.runtimeID(nil) == nil)
        #expect(NodeHelperPod.runtimeID("4f1c2a9e0d") == nil, "no scheme")
        #expect(NodeHelperPod.runtimeID("containerd://") == nil)
        for hostile in ["containerd://a b", "containerd://a;reboot", "containerd://a:b", "containerd://../x", "containerd://a/b",
                        "containerd://$(id)", "containerd://a\nb", "containerd://" + String(repeating: "a", count: 129)] {
            #expect(NodeHelperPod.runtimeID(hostile) == nil, "\(hostile.debugDescription)")
        }
    }

    @Test("any node name gives a valid, distinct helper name that no one can know before the nonce is drawn")
    func helperNamesAreDNSLabels() {
        let run = RunID(value: "bcdfghjk")
        let nonce = NodeHelperPod.newNonce()
        let names = ["node-1", "node-2", "Ü\u{1B}" + String(repeating: "n", count: 300)].map { NodeHelperPod.name(runID: run, node: $0, nonce: nonce) }
        #expect(Set(names).count == 3)
        #expect(names[0] == NodeHelperPod.name(runID: run, node: "node-1", nonce: nonce))
        #expect(NodeHelperPod.newNonce() != nonce)
        for name in names {
            #expect(name.count <= 63)
            #expect(name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" })
        }
    }

    @Test("a pod under the helper's name is the helper only with its nonce, run and node")
    func aSquattedNameIsNotTheHelper() throws {
        let helper = try Self.helper(targets: Self.targets)
        func pod(_ annotations: [String: String], run: String = "bcdfghjk", node: String = "node-1") throws -> Pod {
            let json = """
                {"metadata":{"name":"\(helper.name)","namespace":"evidence-system","uid":"u1","labels":{"kubectl-evidence/run":"\(run)"},
                 "annotations":\(String(decoding: try JSONEncoder().encode(annotations), as: UTF8.self))},
                 "spec":{"nodeName":"\(node)","containers":[]},"status":{}}
                """
            return try JSONDecoder().decode(Pod.self, from: Data(json.utf8))
        }
        #expect(helper.isThis(try pod([NodeHelperPod.nonceAnnotation: "x2x2x2x2"])))
        #expect(!helper.isThis(try pod([:])))
        #expect(!helper.isThis(try pod([NodeHelperPod.nonceAnnotation: "guessed!"])))
        #expect(!helper.isThis(try pod([NodeHelperPod.nonceAnnotation: "x2x2x2x2"], run: "other")))
        #expect(!helper.isThis(try pod([NodeHelperPod.nonceAnnotation: "x2x2x2x2"], node: "node-2")))
    }
}
