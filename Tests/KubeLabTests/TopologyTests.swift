import Foundation
import Testing

@testable import KubeLab

/// The topology file and how workloads become pods, named and labelled as the real
/// controllers name and label them.
@Suite("topology")
struct TopologyTests {
    static let safe = "[bcdfghjklmnpqrstvwxz2456789]"

    @Test("the demo topology: namespaces, a 3-replica Deployment, a StatefulSet, a completed pod")
    func demo() throws {
        let topology = try LabTopology.demo()
        #expect(topology.namespaces == ["default", "kube-system", "shop", "payments", "hardened"])
        #expect(topology.namespaceLabels["hardened"] == ["pod-security.kubernetes.io/enforce": "restricted"])
        let pods = topology.makePods(now: Date(), scheduler: LabScheduler(nodes: topology.nodeNames))
        let checkout = pods.filter { $0.labels["app"] == "checkout" }
        #expect(checkout.count == 3)
        for pod in checkout {
            let hash = try #require(pod.labels["pod-template-hash"])
            #expect(hash.wholeMatch(of: try Regex("\(TopologyTests.safe){9,10}")) != nil)
            #expect(pod.name.wholeMatch(of: try Regex("checkout-\(hash)-\(TopologyTests.safe){5}")) != nil, "\(pod.name)")
            #expect(pod.generateName == "checkout-\(hash)-")
            #expect(pod.ownerReferences.map(\.kind) == ["ReplicaSet"])
            #expect(pod.ownerReferences.first?.name == "checkout-\(hash)")
            #expect(pod.containers.map(\.name) == ["app", "sidecar"])
            #expect(pod.annotations["kubectl.kubernetes.io/default-container"] == "app")
            #expect(pod.phase == .Running)
            #expect(pod.containerStatuses.allSatisfy { $0.ready && $0.started && $0.containerID?.hasPrefix("containerd://") == true })
        }
        #expect(Set(checkout.map { $0.ownerReferences.first?.uid }).count == 1, "one ReplicaSet owns all replicas")
        #expect(Set(checkout.compactMap(\.nodeName)) == ["kubelab-node-1", "kubelab-node-2"], "replicas are spread over the nodes")
        let db = pods.filter { $0.labels["app"] == "db" }
        #expect(db.map(\.name) == ["db-0", "db-1"])
        for (i, pod) in db.enumerated() {
            #expect(pod.labels["statefulset.kubernetes.io/pod-name"] == pod.name)
            #expect(pod.labels["apps.kubernetes.io/pod-index"] == String(i))
            #expect(pod.labels["controller-revision-hash"]?.hasPrefix("db-") == true)
            #expect(pod.ownerReferences.map(\.kind) == ["StatefulSet"])
            #expect(pod.hostname == pod.name)
        }
        let report = try #require(pods.first { $0.name == "batch-report" })
        #expect(report.namespace == "payments" && report.phase == .Succeeded && report.restartPolicy == "Never")
        #expect(pods.filter { $0.labels["app"] == "ledger" }.count == 2)
        #expect(Set(pods.compactMap(\.podIP)).count == pods.count, "pod IPs are unique")
    }

    @Test("generated topologies for benchmarks")
    func generated() {
        let t = LabTopology.generated(namespace: "bench", pods: 1_000, labels: ["app": "bench", "tier": "x"])
        let pods = t.makePods(now: Date(), scheduler: LabScheduler(nodes: t.nodeNames))
        #expect(pods.count == 1_000)
        #expect(Set(pods.map(\.name)).count == 1_000)
        #expect(pods.allSatisfy { $0.labels["tier"] == "x" && $0.namespace == "bench" })
        #expect(t.namespaces.contains("bench"))
    }

    @Test(
        "broken topologies are refused with the file and the field named",
        arguments: [
            ("namespaces: [shop]\nworkloads:\n  - {kind: Deployment, name: a, namespace: other, containers: [{name: c, image: busybox}]}",
             "t.yaml: workloads[0].namespace: namespace \"other\" is not declared under namespaces."),
            ("namespaces: [shop]\nworkloads:\n  - {kind: Deployment, name: a, namespace: shop, containers: []}",
             "t.yaml: workloads[0].containers: a pod needs at least one container."),
            ("namespaces: [shop]\nworkloads:\n  - {kind: DaemonSet, name: a, namespace: shop, containers: [{name: c, image: busybox}]}",
             "t.yaml: workloads[0].kind:"),
            ("namespaces: [shop]\npods:\n  - {name: p, namespace: shop, containers: [{name: c}]}",
             "t.yaml: pods[0].containers[0].image: this field is required but missing."),
            ("namespaces: [Shop]", "t.yaml: namespaces[0]: \"Shop\" is not a valid namespace name"),
            ("namespaces: [shop]\npods:\n  - {name: p, namespace: shop, labels: {\"bad key\": x}, containers: [{name: c, image: b}]}",
             "t.yaml: pods[0].labels.bad key: invalid label key"),
        ])
    func broken(yaml: String, message: String) {
        do {
            _ = try LabTopology.parse(yaml: yaml, source: "t.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".hasPrefix(message), "got: \(error)")
        }
    }

    @Test("runtime switches, namespace labels, pod security contexts and per-replica overrides")
    func runtimeAndOverrides() throws {
        let yaml = """
            namespaces: [a, {name: b, labels: {team: x}}]
            workloads:
              - kind: Deployment
                name: web
                namespace: a
                replicas: 3
                labels: {app: web}
                securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
                replicaOverrides: {"1": {containers: {app: {args: ["-v"]}}}}
                containers:
                  - {name: app, image: busybox, command: [httpd], securityContext: {capabilities: {drop: [ALL]}, allowPrivilegeEscalation: false}}
              - kind: Deployment
                name: api-only
                namespace: b
                runtime: false
                containers: [{name: app, image: busybox}]
            pods:
              - {name: done, namespace: a, phase: Succeeded, containers: [{name: c, image: busybox}]}
            """
        let t = try LabTopology.parse(yaml: yaml)
        #expect(t.namespaces == ["a", "b"] && t.namespaceLabels == ["b": ["team": "x"]])
        let pods = t.makePods(now: Date(), scheduler: LabScheduler(nodes: t.nodeNames))
        let web = pods.filter { $0.labels["app"] == "web" }
        #expect(web.count == 3 && web.allSatisfy(\.runsProcesses))
        #expect(web.map { $0.containers[0].args } == [[], ["-v"], []], "replica 1 only")
        #expect(String(decoding: web[0].securityContext?.encoded() ?? [], as: UTF8.self)
            == #"{"runAsUser":1000,"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}"#)
        #expect(String(decoding: web[0].containers[0].securityContext?.encoded() ?? [], as: UTF8.self)
            == #"{"capabilities":{"drop":["ALL"]},"allowPrivilegeEscalation":false}"#)
        #expect(pods.filter { $0.labels["app"] == nil }.allSatisfy { !$0.runsProcesses }, "api-only and the Succeeded pod run nothing")
        var off = t
        off.runtime = false
        #expect(off.makePods(now: Date(), scheduler: LabScheduler(nodes: t.nodeNames)).allSatisfy { !$0.runsProcesses })
        #expect(!LabTopology.generated(namespace: "n", pods: 2, labels: ["app": "x"]).makePods(now: Date(), scheduler: LabScheduler(nodes: [])).contains { $0.runsProcesses })
        #expect(throws: LabTopology.InvalidTopology.self) {
            try LabTopology.parse(yaml: yaml.replacingOccurrences(of: "\"1\": {containers: {app:", with: "\"7\": {containers: {app:"))
        }
        let demo = try LabTopology.demo()
        let checkout = demo.makePods(now: Date(), scheduler: LabScheduler(nodes: demo.nodeNames)).filter { $0.labels["app"] == "checkout" }
        #expect(checkout.filter { $0.containers[0].command.joined(separator: " ").contains("4444") }.count == 1)
    }
}
