import Collector
import Foundation
import KubeAPI
import KubeLab
import Testing

/// What the collector sends must run byte for byte after the kubelet's `$(VAR)` expansion.
@Suite("the evidence container's patch survives the kubelet's expansion")
struct EvidenceContainerPatchTests {
    @Test("every profile's command, as sent and expanded by the kubelet, is the in-pod script exactly")
    func commandSurvivesExpansion() throws {
        for name in CollectionProfile.builtInNames {
            let profile = try CollectionProfile.builtIn(name)
            let container = EvidenceContainer(
                name: "evidence-test", image: "busybox:1.36", imagePullPolicy: "IfNotPresent",
                command: InPodScript.command(InPodScript.Options(profile: profile)), targetContainerName: "app",
                securityContext: profile.securityContext)
            let body = try JSONSerialization.jsonObject(with: container.strategicMergePatch()) as! [String: Any]
            let spec = body["spec"] as! [String: Any]
            let sent = (spec["ephemeralContainers"] as! [[String: Any]])[0]["command"] as! [String]
            // The script is full of $: SELF=$$ among them. Unescaped, the kubelet would turn it into SELF=$.
            #expect(InPodScript.text.contains("$$"))
            #expect(sent != container.command)
            let service = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
            let expanded = sent.map { KubeletExpansion.expand($0) { service[$0] } }
            #expect(expanded == container.command, "profile \(name)")
        }
    }
}
