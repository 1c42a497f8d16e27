import Foundation

/// Expands a topology into pods named, labelled and owned as the Deployment,
/// ReplicaSet and StatefulSet controllers would make them.
extension LabTopology {
    var nodeNames: [String] { (nodes?.isEmpty == false ? nodes! : LabTopology.defaultNodes) }

    func makePods(now: Date, scheduler: LabScheduler) -> [LabPod] {
        var out: [LabPod] = []
        var taken = Set<String>()
        for w in workloads ?? [] {
            let template = templateText(w)
            let hash = LabNames.templateHash(template)
            let ownerUID = LabNames.uuid()
            for ordinal in 0..<(w.replicas ?? 1) {
                var labels = w.labels ?? [:]
                let name: String
                let generateName: String?
                let owner: LabOwnerReference
                var hostname: String? = nil
                var subdomain: String? = nil
                switch w.kind {
                case .Deployment:
                    let rs = "\(w.name)-\(hash)"
                    labels["pod-template-hash"] = hash
                    generateName = rs + "-"
                    var candidate = rs + "-" + LabNames.randomSuffix()
                    while taken.contains(w.namespace + "/" + candidate) {
                        candidate = rs + "-" + LabNames.randomSuffix()
                    }
                    name = candidate
                    owner = LabOwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: rs, uid: ownerUID)
                case .StatefulSet:
                    name = "\(w.name)-\(ordinal)"
                    generateName = nil
                    labels["controller-revision-hash"] = "\(w.name)-\(hash)"
                    labels["statefulset.kubernetes.io/pod-name"] = name
                    labels["apps.kubernetes.io/pod-index"] = String(ordinal)
                    owner = LabOwnerReference(apiVersion: "apps/v1", kind: "StatefulSet", name: w.name, uid: ownerUID)
                    hostname = name
                    subdomain = w.name
                }
                var containers = w.containers.map(\.labContainer)
                if let override = w.replicaOverrides?[String(ordinal)] {
                    for (i, c) in containers.enumerated() {
                        guard let o = override.containers[c.name] else { continue }
                        if let command = o.command { containers[i].command = command }
                        if let args = o.args { containers[i].args = args }
                    }
                }
                var pod = LabPod.make(
                    name: name, generateName: generateName, namespace: w.namespace, labels: labels, annotations: w.annotations ?? [:],
                    owners: [owner], containers: containers, now: now)
                pod.securityContext = w.securityContext?.json(pod: true)
                pod.runsProcesses = runtime != false && w.runtime != false && (w.phase ?? .Running) == .Running
                pod.hostname = hostname
                pod.subdomain = subdomain
                pod.shareProcessNamespace = w.shareProcessNamespace
                pod.osName = w.os
                if let os = w.os { pod.nodeSelector = ["kubernetes.io/os": os] }
                scheduler.schedule(&pod, nodeName: w.nodeName, phase: w.phase ?? .Running, now: now)
                taken.insert(pod.key)
                out.append(pod)
            }
        }
        for p in pods ?? [] {
            var pod = LabPod.make(
                name: p.name, generateName: nil, namespace: p.namespace, labels: p.labels ?? [:], annotations: p.annotations ?? [:],
                owners: [], containers: p.containers.map(\.labContainer), now: now)
            pod.restartPolicy = p.restartPolicy ?? ((p.phase == .Succeeded || p.phase == .Failed) ? "Never" : "Always")
            pod.securityContext = p.securityContext?.json(pod: true)
            pod.runsProcesses = runtime != false && p.runtime != false && (p.phase ?? .Running) == .Running
            pod.shareProcessNamespace = p.shareProcessNamespace
            pod.osName = p.os
            if let os = p.os { pod.nodeSelector = ["kubernetes.io/os": os] }
            scheduler.schedule(&pod, nodeName: p.nodeName, phase: p.phase ?? .Running, now: now)
            out.append(pod)
        }
        return out
    }

    private func templateText(_ w: Workload) -> String {
        var s = "\(w.kind.rawValue)/\(w.namespace)/\(w.name)|"
        s += (w.labels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        for c in w.containers {
            s += "|\(c.name):\(c.image):\((c.command ?? []).joined(separator: " ")):\((c.args ?? []).joined(separator: " "))"
        }
        return s
    }
}

extension LabTopology.Container {
    var labContainer: LabContainer {
        LabContainer(
            name: name, image: image, command: command ?? [], args: args ?? [],
            env: (env ?? []).map { LabEnvVar(name: $0.name, value: $0.value ?? "") }, ports: ports ?? [],
            securityContext: securityContext?.json(pod: false))
    }
}

extension LabPod {
    /// A new, unscheduled pod (phase Pending, no node) with the defaults the API server fills in.
    static func make(
        name: String, generateName: String?, namespace: String, labels: [String: String], annotations: [String: String],
        owners: [LabOwnerReference], containers: [LabContainer], now: Date
    ) -> LabPod {
        LabPod(
            name: name, generateName: generateName, namespace: namespace, uid: LabNames.uuid(), creationTimestamp: now,
            labels: labels, annotations: annotations, ownerReferences: owners, containers: containers,
            tokenVolumeName: "kube-api-access-" + LabNames.randomSuffix(), phase: .Pending, containerStatuses: [])
    }
}

/// Plays scheduler and kubelet for pods that are only API objects: picks a node in
/// turn, assigns IPs, and sets container statuses for the requested phase.
/// Thread-safe; shared by topology loading and pod creation.
final class LabScheduler: Sendable {
    private struct State {
        var next = 0
        var ipsPerNode: [String: Int] = [:]
    }

    let nodes: [String]
    private let state = LabMutex(State())

    init(nodes: [String]) { self.nodes = nodes.isEmpty ? LabTopology.defaultNodes : nodes }

    func hostIP(of node: String) -> String {
        let index = nodes.firstIndex(of: node) ?? nodes.count
        return "172.18.0.\(index + 2)"
    }

    func schedule(_ pod: inout LabPod, nodeName: String?, phase: LabPodPhase, now: Date) {
        let (node, ip): (String, String) = state.withLock { s in
            let node: String
            if let nodeName {
                node = nodeName
            } else {
                node = nodes[s.next % nodes.count]
                s.next += 1
            }
            let k = s.ipsPerNode[node, default: 0]
            s.ipsPerNode[node] = k + 1
            let nodeIndex = nodes.firstIndex(of: node) ?? (nodes.count + abs(node.hashValue % 8))
            return (node, "10.244.\(nodeIndex * 32 + k / 250).\(k % 250 + 2)")
        }
        pod.nodeName = node
        pod.hostIP = hostIP(of: node)
        pod.podIP = ip
        pod.startTime = now
        pod.readySince = now.addingTimeInterval(1)
        pod.phase = phase
        pod.containerStatuses = pod.containers.map { c in
            let image = LabNames.normalizedImage(c.image)
            let id = "containerd://" + LabNames.randomHex(32)
            let started = now.addingTimeInterval(1)
            switch phase {
            case .Running:
                return LabContainerStatus(
                    name: c.name, state: .running(startedAt: started), ready: true, started: true, restartCount: 0, image: image,
                    imageID: LabNames.imageID(c.image), containerID: id)
            case .Succeeded, .Failed:
                let ok = phase == .Succeeded
                return LabContainerStatus(
                    name: c.name,
                    state: .terminated(
                        exitCode: ok ? 0 : 1, reason: ok ? "Completed" : "Error", message: nil, startedAt: started,
                        finishedAt: started.addingTimeInterval(2)), ready: false, started: false, restartCount: 0, image: image,
                    imageID: LabNames.imageID(c.image), containerID: id)
            case .Pending, .Unknown:
                pod.podIP = nil
                return LabContainerStatus(
                    name: c.name, state: .waiting(reason: "ContainerCreating", message: nil), ready: false, started: false,
                    restartCount: 0, image: c.image, imageID: "", containerID: nil)
            }
        }
    }
}
