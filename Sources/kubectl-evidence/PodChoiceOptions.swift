import ArgumentParser
import Collector
import KubeAPI

/// How `collect` chooses pods, as kubectl logs, kubectl debug and stern do:
/// a label selector, a field selector, `--node`, pod names, or one workload
/// as TYPE/NAME; and which of each pod's containers to look at.
struct PodChoiceOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Pods by name, or one workload as TYPE/NAME (deployment/checkout, sts/db, ds/agent, rs/…, job/…), whose selector picks the pods.", valueName: "POD|TYPE/NAME"))
    var targets: [String] = []

    @Option(name: .customLong("node"), help: "Only pods scheduled on this node (spec.nodeName); alone or with -l.")
    var node: String?

    @Option(name: [.customShort("l"), .customLong("selector")], help: "Label selector, as kubectl takes it (e.g. app=checkout, 'tier in (web,api)', '!canary').")
    var selector: String?

    @Option(name: .customLong("field-selector"), help: "Field selector (metadata.name, metadata.namespace, spec.nodeName, status.phase).")
    var fieldSelector: String?

    @Option(name: [.customShort("c"), .customLong("container")], help: "The container whose processes to examine (default: the pod's default-container annotation, else its first container).")
    var container: String?

    @Flag(name: .customLong("all-containers"), help: "Examine every running container of each pod (as kubectl logs --all-containers): one evidence container per target container, all added in one request per pod. Without it, a sidecar's processes are not seen unless the pod shares its process namespace.")
    var allContainers = false

    func validate() throws {
        // An empty selector selects every pod; `-l "$APP"` with APP unset is how that
        // happens at 3 a.m., and every pod would keep a container it cannot lose.
        for (flag, value) in [("-l", selector), ("--field-selector", fieldSelector)] {
            if let value, value.allSatisfy(\.isWhitespace) {
                throw ValidationError("\(flag) was given an empty selector (an unset shell variable?), which selects every pod; each would keep an evidence container it cannot lose. Give the selector itself, for example -l app=checkout.")
            }
        }
        if let node, node.allSatisfy(\.isWhitespace) {
            throw ValidationError("--node was given an empty name (an unset shell variable?); give the node's name, as `kubectl get nodes` lists it.")
        }
        let choice = try targetChoice()
        if selector == nil && fieldSelector == nil && node == nil && choice == nil {
            throw ValidationError("Give a label selector with -l (for example -l app=checkout), pod names, a workload (deployment/checkout), --node or a --field-selector: collecting from every pod by accident is not something an incident needs.")
        }
        if case .podNames = choice, selector != nil || fieldSelector != nil || node != nil {
            throw ValidationError("Pod names pick exactly those pods: give either names, or -l / --field-selector / --node, not both (kubectl: a name cannot be given with a selector).")
        }
        if case .workload(let workload) = choice, selector != nil {
            throw ValidationError("\(workload) brings its own label selector; drop -l, or drop \(workload) and select with -l alone.")
        }
        if let container, container.isEmpty {
            throw ValidationError("--container needs a container name.")
        }
        if container != nil && allContainers {
            throw ValidationError("--container picks one container and --all-containers every one: give one of them.")
        }
    }

    /// What the positional arguments pick.
    enum TargetChoice: Equatable {
        case podNames([String])
        case workload(WorkloadReference)
    }

    /// Pod names (`pod/NAME` included), or exactly one TYPE/NAME; nil without arguments.
    func targetChoice() throws -> TargetChoice? {
        guard !targets.isEmpty else { return nil }
        var names: [String] = []
        var workloads: [WorkloadReference] = []
        for target in targets {
            if target.allSatisfy(\.isWhitespace) {
                throw ValidationError("An empty pod name was given (an unset shell variable?); give the pod's name as `kubectl get pods` lists it.")
            }
            let lower = target.lowercased()
            // A pod named twice (web-0 and pod/web-0) is one pod: one target, one manifest entry.
            if let slash = lower.firstIndex(of: "/"), ["pod", "pods", "po"].contains(String(lower[..<slash])) {
                let name = String(target[target.index(after: slash)...])
                if !names.contains(name) { names.append(name) }
                continue
            }
            do {
                if let workload = try WorkloadReference.parse(target) {
                    workloads.append(workload)
                } else if !names.contains(target) {
                    names.append(target)
                }
            } catch let error as WorkloadReferenceError {
                throw ValidationError(error.description)
            }
        }
        switch (names.isEmpty, workloads.count) {
        case (true, 1): return .workload(workloads[0])
        case (false, 0): return .podNames(names)
        default:
            throw ValidationError("Give either pod names or one TYPE/NAME (for example deployment/checkout), not several workloads or both; run once per workload.")
        }
    }

    /// The selection, the workload's selector resolved from the API.
    func resolveSelection(client: KubeClient, namespace: String?) async throws -> PodSelection {
        switch try targetChoice() {
        case nil:
            return PodSelection(namespace: namespace, labelSelector: selector, fieldSelector: fieldSelector, node: node)
        case .podNames(let names):
            return PodSelection(namespace: namespace, labelSelector: nil, podNames: names)
        case .workload(let workload):
            let namespaceName = namespace ?? "default"
            do {
                guard let labels = try await client.podSelector(of: workload, namespace: namespaceName) else {
                    throw CommandFailure("The \(workload) in namespace \(namespaceName) has an empty selector, which would select every pod in the namespace; nothing was touched. Select its pods with -l instead.")
                }
                return PodSelection(namespace: namespace, labelSelector: labels, fieldSelector: fieldSelector, workload: workload.description, node: node)
            } catch let error as KubeAPIError where error.isNotFound {
                throw CommandFailure("There is no \(workload) in namespace \(namespaceName) (the API server answered 404 Not Found); nothing was touched. Check the name with `kubectl get \(workload.kind.rawValue) -n \(namespaceName)`.")
            }
        }
    }

    /// The selected pods: listed by the server with the selectors, or read one by one by name.
    /// They are read to plan, so a list keeps no pod's bytes (the run reads each pod again).
    static func selectedPods(_ selection: PodSelection, client: KubeClient) async throws -> PodList {
        guard let names = selection.podNames else {
            return try await client.listAllPods(
                namespace: selection.namespace, labelSelector: selection.labelSelector, fieldSelector: selection.serverFieldSelector,
                keepingBytes: false)
        }
        let namespace = selection.namespace ?? "default"
        var list = PodList()
        for name in names {
            do {
                list.items.append(try await client.getPod(namespace: namespace, name: name))
            } catch let error as KubeAPIError where error.isNotFound {
                throw CommandFailure("There is no pod \(name) in namespace \(namespace) (the API server answered 404 Not Found); nothing was touched. Check the name with `kubectl get pods -n \(namespace)`.")
            }
        }
        return list
    }
}
